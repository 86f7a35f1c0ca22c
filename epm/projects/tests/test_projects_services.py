"""Project registry services: create, update, numbering, members, the R29 sweep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from epm.approvals.models import ApprovalRequest
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent, Notification
from epm.core.sweep import run_sweep
from epm.projects import services
from epm.projects.models import Project, ProjectRole
from epm.projects.sweeps import one_month_before


@pytest.mark.django_db
class TestCreateUpdate:
    def test_pmo_creates_a_draft_without_number(self, company, make_project):
        project = make_project(appoint=False)
        assert project.status == "draft" and project.number is None
        assert AuditEvent.objects.filter(
            action="project.create", target_id=str(project.pk)
        ).exists()

    def test_pm_cannot_create(self, company, make_project):
        with pytest.raises(PermissionDenied):
            services.project_create(
                actor=company.pm,
                name="x",
                project_type=make_project().project_type,
                customer="c",
                department=company.tech,
            )

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"name": "  "}, "name_required"),
            ({"customer": ""}, "customer_required"),
            ({"contract_amount": Decimal("-1")}, "invalid_amount"),
            ({"contract_amount": Decimal("1.005")}, "invalid_amount"),
            ({"contract_amount": "abc"}, "invalid_amount"),
            ({"contract_amount": Decimal("12345678901234.57")}, "invalid_amount"),  # SQLite rounds
            (
                {"planned_start": dt.date(2026, 5, 1), "planned_finish": dt.date(2026, 4, 1)},
                "finish_before_start",
            ),
            (
                {
                    "contract_initial_acceptance_on": dt.date(2026, 9, 1),
                    "contract_final_acceptance_on": dt.date(2026, 8, 1),
                },
                "acceptance_dates_order",
            ),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_created(self, company, make_project, fields, code):
        before = Project.objects.count()
        with pytest.raises(ApplicationError) as exc:
            make_project(appoint=False, **fields)
        assert exc.value.code == code
        assert Project.objects.count() == before

    def test_unknown_field_is_refused(self, company, project):
        with pytest.raises(ApplicationError) as exc:
            services.project_update(actor=company.pmo, project=project, status="closed")
        assert exc.value.code == "invalid_field"
        assert Project.objects.get(pk=project.pk).status == "draft"

    def test_update_records_before_and_after(self, company, project):
        services.project_update(actor=company.pm, project=project, contract_amount=Decimal("0.10"))
        services.project_update(actor=company.pm, project=project, contract_amount=Decimal("0.30"))
        project.refresh_from_db()
        assert project.contract_amount == Decimal(
            "0.30"
        )  # Decimal end to end: no 0.30000000000000004
        event = AuditEvent.objects.filter(action="project.update").first()
        assert event.changes == {"contract_amount": ["0.10", "0.30"]}

    def test_stranger_cannot_update(self, company, project):
        with pytest.raises(PermissionDenied):
            services.project_update(actor=company.stranger, project=project, name="改名")

    def test_sub_project_rules(self, company, make_project):
        big = make_project(name="智慧校园", is_big_project=True)
        plain = make_project(name="普通项目")
        child = make_project(name="一卡通", parent=big)
        assert child.parent == big
        with pytest.raises(ApplicationError) as exc:
            make_project(name="x", parent=plain)
        assert exc.value.code == "parent_not_big"
        with pytest.raises(ApplicationError) as exc:
            make_project(name="y", parent=child)
        assert exc.value.code == "parent_not_big"
        with pytest.raises(ApplicationError) as exc:
            services.project_update(actor=company.pmo, project=big, is_big_project=False)
        assert exc.value.code == "has_children"


@pytest.mark.django_db
class TestNumbering:
    def test_numbers_follow_the_pattern_and_never_repeat(self, company, make_project):
        year = timezone.localdate().year
        numbers = [make_project(name=f"项目{i}").number for i in range(3)]
        assert numbers == [f"XM{year}{i:04}" for i in (1, 2, 3)]

    def test_pattern_is_configurable(self, company, make_project, settings):
        settings.EPM_PROJECT_NUMBER_PATTERN = "PRJ-{year}-{seq:03}"
        assert make_project().number == f"PRJ-{timezone.localdate().year}-001"

    def test_a_number_taken_outside_the_sequence_is_skipped(self, company, make_project):
        # given a project whose number was taken over from an older system
        year = timezone.localdate().year
        legacy = make_project(name="历史项目", appoint=False)
        Project.objects.filter(pk=legacy.pk).update(number=f"XM{year}0001")
        # when the next number is assigned, it does not collide
        assert make_project().number == f"XM{year}0002"

    def test_reappointing_keeps_the_number(self, company, project, approve_all):
        number = project.number
        services.project_appoint_pm(actor=company.pmo, project=project, pm=company.member)
        project = approve_all(project)
        assert project.number == number and project.pm == company.member

    def test_only_pmo_appoints(self, company, project):
        with pytest.raises(PermissionDenied):
            services.project_appoint_pm(actor=company.pm, project=project, pm=company.member)


@pytest.mark.django_db
class TestMembers:
    def test_add_and_remove(self, company, project):
        membership = services.project_member_add(
            actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
        )
        with pytest.raises(ApplicationError) as exc:
            services.project_member_add(
                actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
            )
        assert exc.value.code == "member_exists"
        services.project_member_remove(
            actor=company.pm, project=project, membership_id=membership.pk
        )
        assert not project.memberships.exists()
        actions = list(
            AuditEvent.objects.filter(scope=f"projects.project:{project.pk}").values_list(
                "action", flat=True
            )
        )
        assert "project.member_add" in actions and "project.member_remove" in actions

    def test_bad_role_and_strangers(self, company, project):
        with pytest.raises(ApplicationError):
            services.project_member_add(
                actor=company.pm, project=project, user=company.member, role="boss"
            )
        with pytest.raises(PermissionDenied):
            services.project_member_add(
                actor=company.member,
                project=project,
                user=company.member,
                role=ProjectRole.DEVELOPER,
            )


@pytest.mark.django_db
class TestFinalAcceptanceReminder:
    def test_one_month_before(self):
        assert one_month_before(dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
        assert one_month_before(dt.date(2026, 1, 15)) == dt.date(2025, 12, 15)

    def test_reminds_pm_and_account_manager_once(self, company, make_project):
        # given a project whose contractual final acceptance is 20 days away
        now = timezone.now()
        due = timezone.localdate(now) + dt.timedelta(days=20)
        project = make_project(contract_final_acceptance_on=due)
        far = make_project(
            name="远期项目", contract_final_acceptance_on=due + dt.timedelta(days=90)
        )
        # when the sweep runs twice
        first = run_sweep(now)
        second = run_sweep(now)
        # then the PM and the account manager got one reminder each, and nobody about `far`
        notes = Notification.objects.filter(kind="project.final_acceptance_due")
        assert {n.recipient for n in notes} == {company.pm, company.am}
        assert all(str(project.pk) in n.dedupe_key for n in notes)
        assert first["projects.final_acceptance_due"] == 2
        assert second["projects.final_acceptance_due"] == 0
        assert not Notification.objects.filter(dedupe_key__contains=f":{far.pk}:").exists()


@pytest.mark.django_db
class TestAppointment:
    def test_same_pm_again_is_refused_and_changes_nothing(self, company, project):
        events = AuditEvent.objects.count()
        with pytest.raises(ApplicationError) as exc:
            services.project_appoint_pm(actor=company.pmo, project=project, pm=company.pm)
        assert exc.value.code == "nothing_to_appoint"
        assert AuditEvent.objects.count() == events
        assert not ApprovalRequest.objects.filter(project=project, status="pending").exists()

    def test_replacing_the_pm_tells_both_once_approved(
        self, company, project, approve_all, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.project_appoint_pm(actor=company.pmo, project=project, pm=company.member)
            approve_all(project)
        kinds = {
            (username, kind)
            for username, kind in Notification.objects.values_list("recipient__username", "kind")
            if kind.startswith("project.")
        }
        assert kinds == {("member", "project.pm_appointed"), ("pm", "project.pm_replaced")}

    def test_appointment_waits_for_its_approval(self, company, make_project, approve_all):
        # given a project without a PM, when PMO staff ask for an appointment
        project = make_project(appoint=False)
        services.project_appoint_pm(actor=company.pmo_staff, project=project, pm=company.pm)
        # then nothing is appointed and no number assigned until the chain approves
        project.refresh_from_db()
        assert (project.pm, project.number) == (None, None)
        request = ApprovalRequest.objects.get(project=project, chain__code="pm_appointment")
        assert request.status == "pending"
        # a second request for the same appointment is refused while the first runs
        with pytest.raises(ApplicationError) as exc:
            services.project_appoint_pm(actor=company.pmo, project=project, pm=company.member)
        assert exc.value.code == "already_in_approval"
        project = approve_all(project)
        assert project.pm == company.pm and project.number


SI_TO_MAINTENANCE = (
    "submit",
    "approve_initiation",
    "start_planning",
    "start_execution",
    "start_trial_run",
    "pass_initial_acceptance",
    "start_closure",
    "close",
    "start_maintenance",
)


@pytest.mark.django_db
class TestFinalAcceptanceAfterClosure:
    def test_system_integration_records_final_acceptance_in_maintenance(
        self, company, walk, make_project
    ):
        # given a system-integration project that closed after initial acceptance
        project = walk(make_project(type_code="system_integration"), *SI_TO_MAINTENANCE)
        assert project.initial_accepted_on == timezone.localdate()
        # when its PM records the final acceptance
        day = timezone.localdate()
        project = services.project_record_final_acceptance(
            actor=company.pm, project=project, accepted_on=day
        )
        # then the date is kept, the state is unchanged, and it is audited
        assert (project.final_accepted_on, project.status) == (day, "maintenance")
        assert AuditEvent.objects.filter(action="project.record_final_acceptance").exists()
        with pytest.raises(ApplicationError) as exc:
            services.project_record_final_acceptance(
                actor=company.pm, project=project, accepted_on=day
            )
        assert exc.value.code == "already_recorded"

    @pytest.mark.parametrize(
        ("offset", "code"), [(1, "future_date"), (-400, "before_initial_acceptance")]
    )
    def test_bad_dates_are_refused(self, company, walk, make_project, offset, code):
        project = walk(make_project(type_code="system_integration"), *SI_TO_MAINTENANCE)
        with pytest.raises(ApplicationError) as exc:
            services.project_record_final_acceptance(
                actor=company.pm,
                project=project,
                accepted_on=timezone.localdate() + dt.timedelta(days=offset),
            )
        assert exc.value.code == code
        assert Project.objects.get(pk=project.pk).final_accepted_on is None

    def test_software_projects_take_the_step_instead(self, company, project):
        with pytest.raises(ApplicationError) as exc:
            services.project_record_final_acceptance(
                actor=company.pmo, project=project, accepted_on=timezone.localdate()
            )
        assert exc.value.code == "final_acceptance_is_a_step"

    def test_strangers_cannot_record(self, company, walk, make_project):
        project = walk(make_project(type_code="system_integration"), *SI_TO_MAINTENANCE)
        with pytest.raises(PermissionDenied):
            services.project_record_final_acceptance(
                actor=company.member, project=project, accepted_on=timezone.localdate()
            )

    def test_r29_keeps_reminding_until_final_acceptance_is_recorded(
        self, company, walk, make_project
    ):
        due = timezone.localdate() + dt.timedelta(days=10)
        project = walk(
            make_project(type_code="system_integration", contract_final_acceptance_on=due),
            *SI_TO_MAINTENANCE,
        )
        assert run_sweep()["projects.final_acceptance_due"] == 2  # PM and account manager
        services.project_record_final_acceptance(
            actor=company.pm, project=project, accepted_on=timezone.localdate()
        )
        project.contract_final_acceptance_on = due + dt.timedelta(
            days=1
        )  # a new date would remind again…
        Project.objects.filter(pk=project.pk).update(
            contract_final_acceptance_on=due + dt.timedelta(days=1)
        )
        assert run_sweep()["projects.final_acceptance_due"] == 0  # …but it has been accepted


@pytest.mark.django_db
def test_items_due_drop_dates_whose_event_happened(company, walk, make_project):
    from epm.projects.selectors import items_due

    today = timezone.localdate()
    project = make_project(
        type_code="system_integration",
        planned_finish=today + dt.timedelta(days=5),
        contract_initial_acceptance_on=today + dt.timedelta(days=6),
        contract_final_acceptance_on=today + dt.timedelta(days=7),
    )
    labels = lambda: [i.label for i in items_due(company.pm) if i.project == project]  # noqa: E731
    assert len(labels()) == 3
    walk(Project.objects.get(pk=project.pk), *SI_TO_MAINTENANCE)
    assert len(labels()) == 1  # only the final acceptance is still open
