"""PM nomination (R2): the PMO asks, the technical head nominates within 2 working days; the
deadline is on the working calendar and the sweep reminds once and escalates once."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from unittest import mock

import pytest

from epm.approvals.models import ApprovalRequest, RequestStatus
from epm.approvals.services import request_withdraw, task_reject, task_return
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent, Notification
from epm.core.services import department_create, department_update, user_update
from epm.core.workcalendar import get_calendar
from epm.projects import services
from epm.projects.models import Nomination, NominationStatus
from epm.projects.nomination import (
    nomination_cancel,
    nomination_start,
    nomination_submit,
)
from epm.projects.sweeps import nomination_due

CST = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=CST)


def start_at(when: dt.datetime, *, actor, project) -> Nomination:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return nomination_start(actor=actor, project=project)


def sent(kind: str, user=None) -> int:
    qs = Notification.objects.filter(kind=kind)
    if user is not None:
        qs = qs.filter(recipient=user)
    return qs.count()


@pytest.fixture
def draft(make_project):
    """A contract just received: a draft project without a PM."""
    return make_project(appoint=False)


@pytest.mark.django_db
class TestStart:
    def test_pmo_starts_and_the_head_is_told(
        self, company, draft, django_capture_on_commit_callbacks
    ):
        # given a draft without PM, when the PMO starts the nomination
        with django_capture_on_commit_callbacks(execute=True):
            nomination = nomination_start(actor=company.pmo_staff, project=draft)
        # then it is open for the project's department, due 2 working days later
        assert nomination.status == NominationStatus.OPEN
        assert nomination.department == company.tech
        started_on = nomination.started_at.astimezone(CST).date()
        assert nomination.due_on == get_calendar().add_working_days(started_on, 2)
        assert sent("project.nomination", company.head) == 1
        assert AuditEvent.objects.filter(
            action="project.nomination_start", scope=f"projects.project:{draft.pk}"
        ).exists()

    @pytest.mark.parametrize(
        ("started", "due"),
        [
            # Tue before the National Day holiday (1–8 Oct 2025): Thu 9 is day 1, Fri 10 day 2.
            (at(2025, 9, 30), dt.date(2025, 10, 10)),
            # Fri 26 Sep: Sun 28 Sep was an adjusted working day (day 1), Mon 29 day 2.
            (at(2025, 9, 26), dt.date(2025, 9, 29)),
            # Mon 29 Sep: Tue 30 is day 1, then the holiday, Thu 9 Oct is day 2.
            (at(2025, 9, 29), dt.date(2025, 10, 9)),
            # During the holiday (Sat 4 Oct): Thu 9 and Fri 10 Oct.
            (at(2025, 10, 4), dt.date(2025, 10, 10)),
            # Late evening UTC is already the next day in China: counted from Wed 1 Oct.
            (dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC), dt.date(2025, 10, 10)),
        ],
    )
    def test_due_date_on_the_working_calendar(self, company, draft, started, due):
        nomination = start_at(started, actor=company.pmo, project=draft)
        assert nomination.due_on == due
        assert due == get_calendar().add_working_days(started.astimezone(CST).date(), 2)

    def test_refusals(self, company, draft, make_project):
        # only the PMO starts it
        for user in (company.head, company.pm, company.am):
            with pytest.raises(PermissionDenied):
                nomination_start(actor=user, project=draft)
        # a second open nomination is refused
        nomination_start(actor=company.pmo, project=draft)
        with pytest.raises(ApplicationError) as exc:
            nomination_start(actor=company.pmo, project=draft)
        assert exc.value.code == "nomination_open"
        # a project that has a PM gets a PM change instead (R20)
        with_pm = make_project(materials=False)
        with pytest.raises(ApplicationError) as exc:
            nomination_start(actor=company.pmo, project=with_pm)
        assert exc.value.code == "pm_exists"
        assert Nomination.objects.count() == 1

    def test_refused_while_an_appointment_is_in_approval(self, company, draft):
        services.project_appoint_pm(actor=company.pmo, project=draft, pm=company.pm)
        with pytest.raises(ApplicationError) as exc:
            nomination_start(actor=company.pmo, project=draft)
        assert exc.value.code == "already_in_approval"

    def test_department_without_head(self, company, make_project):
        lonely = department_create(actor=None, code="lonely", name="无人部", parent=None)
        project = make_project(appoint=False, department=lonely)
        with pytest.raises(ApplicationError) as exc:
            nomination_start(actor=company.pmo, project=project)
        assert exc.value.code == "no_department_head"

    def test_department_without_head_asks_the_head_above(self, company, make_project):
        team = department_create(actor=None, code="team", name="开发一组", parent=company.tech)
        project = make_project(appoint=False, department=team)
        nomination = nomination_start(actor=company.pmo, project=project)
        # the tech head (above the team) may nominate
        nomination_submit(actor=company.head, project=project, pm=company.pm)
        nomination.refresh_from_db()
        assert nomination.status == NominationStatus.NOMINATED

    def test_cancel(self, company, draft):
        nomination_start(actor=company.pmo, project=draft)
        with pytest.raises(PermissionDenied):
            nomination_cancel(actor=company.head, project=draft)
        nomination = nomination_cancel(actor=company.pmo, project=draft, reason="合同撤销")
        assert nomination.status == NominationStatus.CANCELLED
        with pytest.raises(ApplicationError) as exc:
            nomination_cancel(actor=company.pmo, project=draft)
        assert exc.value.code == "no_nomination"
        # a new one may be started afterwards
        assert nomination_start(actor=company.pmo, project=draft).status == "open"


@pytest.mark.django_db
class TestSubmit:
    def test_head_nominates_and_the_chain_appoints(self, company, draft, approve_all):
        # given an open nomination
        nomination = nomination_start(actor=company.pmo, project=draft)
        # when the technical head nominates
        nomination_submit(actor=company.head, project=draft, pm=company.pm, short_name=" 智慧交通 ")
        # then the nomination is made and the appointment approval runs
        nomination.refresh_from_db()
        assert (nomination.status, nomination.nominated_pm, nomination.nominated_by) == (
            NominationStatus.NOMINATED,
            company.pm,
            company.head,
        )
        request = ApprovalRequest.objects.get(project=draft, chain__code="pm_appointment")
        assert request.status == RequestStatus.PENDING
        assert request.payload == {"pm": company.pm.pk, "short_name": "智慧交通"}
        # the head nominated, so the head's own confirmation step is passed over
        steps = list(request.steps.order_by("index").values_list("status", flat=True))
        assert steps[0] == "skipped"
        # when the account manager and the PMO approve, the PM is appointed and numbered (R3)
        project = approve_all(draft)
        assert project.pm == company.pm and project.number and project.short_name == "智慧交通"

    def test_refusals(self, company, draft, make_project):
        # without an open nomination the head may not nominate
        with pytest.raises(ApplicationError) as exc:
            nomination_submit(actor=company.head, project=draft, pm=company.pm)
        assert exc.value.code == "no_nomination"
        nomination_start(actor=company.pmo, project=draft)
        # someone who is not the head (nor above it) may not
        for user in (company.pm, company.am, company.other_head, company.stranger):
            with pytest.raises(PermissionDenied) as denied:
                nomination_submit(actor=user, project=draft, pm=company.pm)
            assert denied.value.code == "not_head"
        # an inactive user cannot be nominated
        user_update(actor=company.admin, user=company.member, is_active=False)
        company.member.refresh_from_db()
        with pytest.raises(ApplicationError) as exc:
            nomination_submit(actor=company.head, project=draft, pm=company.member)
        assert exc.value.code == "inactive_user"
        assert not ApprovalRequest.objects.filter(project=draft).exists()
        # a second nomination while the appointment runs is refused
        nomination_submit(actor=company.head, project=draft, pm=company.pm)
        with pytest.raises(ApplicationError) as exc:
            nomination_submit(actor=company.head, project=draft, pm=company.pm)
        assert exc.value.code == "already_in_approval"

    def test_refused_when_the_project_has_a_pm(self, company, make_project):
        project = make_project(materials=False)
        for user in (company.head, company.pmo):
            with pytest.raises(ApplicationError) as exc:
                nomination_submit(actor=user, project=project, pm=company.member)
            assert exc.value.code == "pm_exists"
        # the PMO's PM change request (R20) stays as it is
        services.project_appoint_pm(actor=company.pmo, project=project, pm=company.member)
        assert ApprovalRequest.objects.filter(
            project=project, chain__code="pm_appointment", status=RequestStatus.PENDING
        ).exists()

    def test_pmo_nominates_without_a_nomination(self, company, draft, approve_all):
        nomination_submit(actor=company.pmo, project=draft, pm=company.pm)
        assert approve_all(draft).pm == company.pm

    def test_pmo_appointment_fulfils_the_open_nomination(self, company, draft, approve_all):
        nomination = nomination_start(actor=company.pmo, project=draft)
        services.project_appoint_pm(actor=company.pmo, project=draft, pm=company.pm)
        nomination.refresh_from_db()
        assert nomination.status == NominationStatus.NOMINATED
        assert approve_all(draft).pm == company.pm

    def test_head_may_use_the_appointment_request_while_nominating(self, company, draft):
        assert services.rules.can_appoint_pm(company.head, draft) is False
        nomination_start(actor=company.pmo, project=draft)
        draft.refresh_from_db()
        assert services.rules.can_appoint_pm(company.head, draft) is True
        services.project_appoint_pm(actor=company.head, project=draft, pm=company.pm)
        assert Nomination.objects.get(project=draft).status == NominationStatus.NOMINATED

    def test_rejected_appointment_reopens_the_nomination(self, company, draft):
        nomination = nomination_start(actor=company.pmo, project=draft)
        nomination_submit(actor=company.head, project=draft, pm=company.member)
        request = ApprovalRequest.objects.get(project=draft, chain__code="pm_appointment")
        task = request.tasks.get(status="pending")
        assert task.assignee == company.am
        task_reject(actor=company.am, task_id=task.pk, comment="经验不足")
        nomination.refresh_from_db()
        assert nomination.status == NominationStatus.OPEN and nomination.nominated_pm is None
        # the head nominates someone else
        nomination_submit(actor=company.head, project=draft, pm=company.pm)
        nomination.refresh_from_db()
        assert nomination.nominated_pm == company.pm

    def test_withdrawn_appointment_reopens_the_nomination(self, company, draft):
        nomination = nomination_start(actor=company.pmo, project=draft)
        nomination_submit(actor=company.head, project=draft, pm=company.member)
        request = ApprovalRequest.objects.get(project=draft, chain__code="pm_appointment")
        request_withdraw(actor=company.head, request_id=request.pk)
        nomination.refresh_from_db()
        assert nomination.status == NominationStatus.OPEN

    def test_returned_appointment_is_nominated_again(self, company, draft, approve_all):
        nomination = nomination_start(actor=company.pmo, project=draft)
        nomination_submit(actor=company.head, project=draft, pm=company.member)
        request = ApprovalRequest.objects.get(project=draft, chain__code="pm_appointment")
        task = request.tasks.get(status="pending")
        task_return(actor=company.am, task_id=task.pk, comment="请换人")
        nomination.refresh_from_db()
        assert nomination.status == NominationStatus.NOMINATED
        # the head nominates again: the returned request is resubmitted with the new PM
        nomination_submit(actor=company.head, project=draft, pm=company.pm)
        request.refresh_from_db()
        assert request.status == RequestStatus.PENDING and request.payload["pm"] == company.pm.pk
        assert approve_all(draft).pm == company.pm


@pytest.mark.django_db
class TestSweep:
    def test_reminds_once_and_escalates_once_across_the_national_day_holiday(self, company, draft):
        # given a nomination started on Tue 30 Sep 2025, due by the end of Fri 10 Oct
        nomination = start_at(at(2025, 9, 30), actor=company.pmo, project=draft)
        assert nomination.due_on == dt.date(2025, 10, 10)
        remind_at = at(2025, 10, 10, 18)  # end of the due working day
        escalate_at = at(2025, 10, 11, 18)  # end of Sat 11 Oct, an adjusted working day
        # when the sweep runs every 3 hours (and twice at some instants) until 14 Oct
        now = at(2025, 9, 30, 9)
        while now < at(2025, 10, 14, 12):
            for _ in range(2 if now.hour in (9, 18) else 1):
                nomination_due(now)
            reminded = sent("project.nomination_due")
            escalated = sent("project.nomination_escalated")
            # then nothing before the deadline, exactly one reminder after it
            assert reminded == (1 if now >= remind_at else 0), now
            # and one escalation (PMO administrator + the head above) a working day later
            assert escalated == (2 if now >= escalate_at else 0), now
            now += dt.timedelta(hours=3)
        assert sent("project.nomination_due", company.head) == 1
        assert sent("project.nomination_escalated", company.pmo) == 1
        assert sent("project.nomination_escalated", company.president) == 1
        nomination.refresh_from_db()
        assert nomination.reminded_at == remind_at and nomination.escalated_at == escalate_at

    def test_exact_instants(self, company, draft):
        start_at(at(2025, 9, 26), actor=company.pmo, project=draft)  # due Mon 29 Sep
        nomination_due(at(2025, 9, 29, 17, 59))
        assert sent("project.nomination_due") == 0
        nomination_due(at(2025, 9, 29, 18, 0))
        assert sent("project.nomination_due") == 1
        nomination_due(at(2025, 9, 30, 17, 59))
        assert sent("project.nomination_escalated") == 0
        nomination_due(at(2025, 9, 30, 18, 0))  # Tue 30 Sep, the next working day
        assert sent("project.nomination_escalated") == 2

    def test_late_sweep_sends_both_once(self, company, draft):
        start_at(at(2025, 9, 26), actor=company.pmo, project=draft)
        for _ in range(3):
            nomination_due(at(2025, 10, 20))
        assert sent("project.nomination_due") == 1
        assert sent("project.nomination_escalated") == 2

    def test_nothing_once_nominated_cancelled_or_appointed(self, company, make_project):
        nominated = make_project(appoint=False, name="甲")
        cancelled = make_project(appoint=False, name="乙")
        for project in (nominated, cancelled):
            start_at(at(2025, 9, 26), actor=company.pmo, project=project)
        nomination_submit(actor=company.head, project=nominated, pm=company.pm)
        nomination_cancel(actor=company.pmo, project=cancelled)
        assert nomination_due(at(2025, 10, 20)) == 0
        assert sent("project.nomination_due") == 0

    def test_escalation_skips_a_head_above_who_is_the_same_person(self, company, draft):
        # the tech head also heads the root: the escalation goes to the PMO alone
        department_update(actor=company.admin, department=company.root, head=company.head)
        start_at(at(2025, 9, 26), actor=company.pmo, project=draft)
        nomination_due(at(2025, 10, 20))
        assert sent("project.nomination_escalated") == 1
        assert sent("project.nomination_escalated", company.pmo) == 1

    def test_registered_with_the_minute_sweep(self):
        from epm.core.sweep import registered

        assert registered()["projects.nomination_due"] is nomination_due
