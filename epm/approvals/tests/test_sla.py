"""SLA of approval tasks through the minute sweep: one reminder when a task is overdue, then one
escalation to the approver's department head after the chain's further working days.

Time travel: a task's `due_at` is set directly, and the sweep is run with an explicit `now`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import chinese_calendar
import pytest
from django.utils import timezone

from epm.approvals import services
from epm.approvals.models import Action, ApprovalEvent, ApprovalTask, TaskStatus
from epm.approvals.selectors import waiting_tasks
from epm.core.models import Notification
from epm.core.services import department_update
from epm.core.sweep import run_sweep
from epm.core.workcalendar import get_calendar

from .engine_helpers import save_chain, step, steps_of, submit, task_for, users

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0, second=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# The task is due at the end of the working day (18:00) on Tuesday 2025-09-30, the eve of the
# National Day holiday.
DUE = at(2025, 9, 30, 18)


def sla(now: dt.datetime) -> int:
    return services.approvals_sla(now)


def overdue_task(company, project, *, approver, escalate_after_days=2, due=DUE) -> ApprovalTask:
    """A pending task of `approver`, activated the day before `due` and due at `due`."""
    chain = save_chain(
        company.pmo,
        f"sla-{escalate_after_days}",
        [step("审批", [users(approver)], due_days=1)],
        escalate_after_days=escalate_after_days,
    )
    request = submit(chain, project, company.pmo)
    task = task_for(request, approver)
    ApprovalTask.objects.filter(pk=task.pk).update(
        due_at=due, activated_at=due - dt.timedelta(days=1)
    )
    task.refresh_from_db()
    return task


def events(task: ApprovalTask, action: str) -> list[ApprovalEvent]:
    return list(ApprovalEvent.objects.filter(task=task, action=action))


def notes(kind: str, user) -> int:
    return Notification.objects.filter(kind=kind, recipient=user).count()


class TestReminder:
    def test_an_overdue_task_is_reminded_exactly_once(self, company, project):
        task = overdue_task(company, project, approver=company.pm)
        # not yet due: nothing
        assert sla(DUE - dt.timedelta(minutes=1)) == 0
        # overdue: one reminder, to the approver
        assert sla(DUE + dt.timedelta(minutes=1)) == 1
        task.refresh_from_db()
        assert task.reminded_at == DUE + dt.timedelta(minutes=1)
        # and never again, however often the sweep runs
        assert sla(DUE + dt.timedelta(minutes=2)) == 0
        assert sla(at(2025, 10, 5, 12)) == 0
        (event,) = events(task, Action.REMIND)
        assert event.actor is None and event.other == company.pm
        assert notes("approval.overdue", company.pm) == 1

    def test_the_tick_runs_it(self, company, project):
        overdue_task(company, project, approver=company.pm)
        assert run_sweep(now=at(2025, 10, 1, 9))["approvals.sla"] == 1
        assert run_sweep(now=at(2025, 10, 1, 9, 1))["approvals.sla"] == 0

    def test_a_decided_task_is_not_reminded(self, company, project):
        task = overdue_task(company, project, approver=company.pm)
        services.task_approve(actor=company.pm, task_id=task.pk)
        assert sla(at(2025, 10, 20)) == 0
        assert not ApprovalEvent.objects.filter(action__in=[Action.REMIND, Action.ESCALATE])


class TestEscalation:
    def test_the_holiday_calendar_this_relies_on(self):
        # chinesecalendar: 2025-10-01..08 is the National Day and Mid-autumn holiday; 09 and 10
        # (Thursday, Friday) are working days; Saturday 11 is an adjusted working day (调休);
        # Sunday 12 is off.
        for day in range(1, 9):
            assert not chinese_calendar.is_workday(dt.date(2025, 10, day))
        assert chinese_calendar.is_workday(dt.date(2025, 9, 30))
        assert chinese_calendar.is_workday(dt.date(2025, 10, 9))
        assert chinese_calendar.is_workday(dt.date(2025, 10, 10))
        assert dt.date(2025, 10, 11).weekday() == 5
        assert chinese_calendar.is_workday(dt.date(2025, 10, 11))
        assert not chinese_calendar.is_workday(dt.date(2025, 10, 12))
        # and the company calendar (statutory, days end at 18:00) agrees
        calendar = get_calendar()
        assert calendar.day_end == dt.time(18, 0)
        assert [calendar.add_working_days(dt.date(2025, 9, 30), n) for n in range(5)] == [
            dt.date(2025, 9, 30),
            dt.date(2025, 10, 9),
            dt.date(2025, 10, 10),
            dt.date(2025, 10, 11),
            dt.date(2025, 10, 13),
        ]

    @pytest.mark.parametrize(
        ("days", "escalates_at"),
        [
            # n further working days after the due day, counted from the day after it (the due
            # day itself is not counted), ending at 18:00 of the n-th:
            (1, at(2025, 10, 9, 18)),  # the holiday 10-01..08 does not count
            (2, at(2025, 10, 10, 18)),
            (3, at(2025, 10, 11, 18)),  # Saturday, but an adjusted working day
            (4, at(2025, 10, 13, 18)),  # Sunday 10-12 is off
        ],
    )
    def test_escalates_after_further_working_days_around_national_day(
        self, company, project, days, escalates_at
    ):
        # given the PM's task, due on the eve of the holiday and reminded the next morning
        task = overdue_task(company, project, approver=company.pm, escalate_after_days=days)
        assert sla(at(2025, 10, 1, 9)) == 1
        # when the sweep runs through the holiday and up to just before the deadline
        for now in [
            at(2025, 10, 3, 12),
            at(2025, 10, 8, 23, 59),
            escalates_at - dt.timedelta(seconds=1),
        ]:
            assert sla(now) == 0, now
        task.refresh_from_db()
        assert task.escalated_at is None and task.escalated_to is None
        # then just after it, the task goes to the PM's department head, once
        assert sla(escalates_at + dt.timedelta(seconds=1)) == 1
        assert sla(escalates_at + dt.timedelta(days=3)) == 0
        task.refresh_from_db()
        assert task.escalated_to == company.head
        assert task.escalated_at == escalates_at + dt.timedelta(seconds=1)
        assert task.status == TaskStatus.PENDING
        (event,) = events(task, Action.ESCALATE)
        assert event.other == company.head
        assert len(events(task, Action.REMIND)) == 1
        assert notes("approval.escalated", company.head) == 1

    def test_without_further_days_it_escalates_with_the_reminder(self, company, project):
        # escalate_after_days=0: the end of the due day itself (a working day)
        task = overdue_task(company, project, approver=company.pm, escalate_after_days=0)
        assert sla(DUE + dt.timedelta(seconds=1)) == 2  # one reminder and one escalation
        task.refresh_from_db()
        assert task.reminded_at and task.escalated_to == company.head

    def test_the_head_then_decides_on_behalf_of_the_approver(self, company, project):
        task = overdue_task(company, project, approver=company.pm)
        sla(at(2025, 10, 1, 9))
        sla(at(2025, 10, 11, 9))
        assert list(waiting_tasks(company.head)) == [task]
        services.task_approve(actor=company.head, task_id=task.pk, comment="代为审批")
        event = ApprovalEvent.objects.get(task=task, action=Action.APPROVE)
        assert (event.actor, event.on_behalf_of) == (company.head, company.pm)
        task.refresh_from_db()
        assert (task.status, task.decided_by) == (TaskStatus.APPROVED, company.head)

    def test_an_approver_who_heads_their_department_goes_one_level_up(self, company, project):
        department_update(actor=company.admin, department=company.root, head=company.president)
        task = overdue_task(company, project, approver=company.head)
        sla(at(2025, 10, 1, 9))
        assert sla(at(2025, 10, 11, 9)) == 1
        task.refresh_from_db()
        assert task.escalated_to == company.president
        services.task_approve(actor=company.president, task_id=task.pk)
        event = ApprovalEvent.objects.get(task=task, action=Action.APPROVE)
        assert (event.actor, event.on_behalf_of) == (company.president, company.head)

    def test_nobody_above_is_recorded_once(self, company, project):
        department_update(actor=company.admin, department=company.root, head=None)
        task = overdue_task(company, project, approver=company.head)
        sla(at(2025, 10, 1, 9))
        assert sla(at(2025, 10, 11, 9)) == 0
        assert sla(at(2025, 10, 12, 9)) == 0
        task.refresh_from_db()
        assert task.escalated_at is not None and task.escalated_to is None
        (event,) = events(task, Action.ESCALATE)
        assert event.other is None and event.comment
        assert task.status == TaskStatus.PENDING


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, set by the test: `clock.now = at(...)`."""

    class Clock:
        now = at(2025, 9, 26, 10)

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


class TestDueTimes:
    @pytest.mark.parametrize(
        ("submitted", "due_days", "due"),
        [
            # Friday 09-26 + 2 working days: Sunday 09-28 is an adjusted working day, then 09-29
            (at(2025, 9, 26, 10), 2, at(2025, 9, 29, 18)),
            # Monday 09-29 + 3: 09-30, then the holiday, then 10-09 and 10-10
            (at(2025, 9, 29, 10), 3, at(2025, 10, 10, 18)),
            # 0 days on a holiday (Saturday 10-04): the end of the next working day
            (at(2025, 10, 4, 10), 0, at(2025, 10, 9, 18)),
            # 0 days on a working day: the end of that day
            (at(2025, 10, 11, 10), 0, at(2025, 10, 11, 18)),
        ],
    )
    def test_a_step_is_due_after_its_working_days(
        self, company, project, clock, submitted, due_days, due
    ):
        clock.now = submitted
        chain = save_chain(
            company.pmo, "due", [step("审批", [users(company.pm)], due_days=due_days)]
        )
        request = submit(chain, project, company.pmo)
        task = task_for(request, company.pm)
        assert (task.activated_at, task.due_at) == (submitted, due)
        assert steps_of(request)[0].due_at == due

    def test_a_later_approver_of_the_step_shares_its_due_time_while_it_lasts(
        self, company, project, clock
    ):
        chain = save_chain(
            company.pmo,
            "due-sequence",
            [step("依次", [users(company.head), users(company.president)], "sequence", 2)],
        )
        clock.now = at(2025, 9, 26, 10)
        request = submit(chain, project, company.pmo)
        clock.now = at(2025, 9, 28, 10)  # the adjusted working Sunday, before the step is due
        services.task_approve(actor=company.head, task_id=task_for(request, company.head).pk)
        president = task_for(request, company.president)
        assert (president.activated_at, president.due_at) == (clock.now, at(2025, 9, 29, 18))

    def test_after_the_step_is_due_a_later_approver_gets_their_own_days(
        self, company, project, clock
    ):
        chain = save_chain(
            company.pmo,
            "due-late",
            [step("依次", [users(company.head), users(company.president)], "sequence", 2)],
        )
        clock.now = at(2025, 9, 26, 10)
        request = submit(chain, project, company.pmo)
        clock.now = at(2025, 9, 30, 10)  # the step was due on 09-29
        services.task_approve(actor=company.head, task_id=task_for(request, company.head).pk)
        president = task_for(request, company.president)
        # two working days from 09-30: 10-09 and 10-10
        assert president.due_at == at(2025, 10, 10, 18)
        assert president.reminded_at is None
