"""Lifecycle transitions through the services: guards, permissions, audit, notifications."""

from __future__ import annotations

import pytest
from django.core import mail

from conftest import submit_plan
from epm.approvals.models import ApprovalRequest
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent, Notification
from epm.projects import services
from epm.projects.lifecycle import main_line, transitions_for
from epm.projects.models import LifecycleTemplate, Project, Status


@pytest.mark.django_db
class TestMainLine:
    def test_software_walks_every_state_to_maintenance(
        self, company, project, approve_all, django_capture_on_commit_callbacks
    ):
        # given a software project with a PM and a signed contract
        codes = [
            "submit",
            "approve_initiation",
            "start_planning",
            "start_execution",
            "start_trial_run",
            "pass_initial_acceptance",
            "pass_final_acceptance",
            "start_closure",
            "close",
            "start_maintenance",
        ]
        seen = [project.status]
        # when the PMO administrator walks it along the main line, each approval granted
        with django_capture_on_commit_callbacks(execute=True):
            for code in codes:
                if project.status == "approved" and code == "approve_initiation":
                    continue  # submitting started the initiation approval, granted below
                if code == "start_execution":  # asked for by submitting the plan (R4)
                    project = submit_plan(project, actor=company.pmo)
                else:
                    project = services.project_transition(
                        actor=company.pmo, project=project, code=code
                    )
                if project.status != seen[-1]:
                    seen.append(project.status)
                project = approve_all(project)
                if project.status != seen[-1]:
                    seen.append(project.status)
        # then it passed through every state of its template, in order, each one audited
        assert seen == main_line(project.project_type.lifecycle)
        events = AuditEvent.objects.filter(
            scope=f"projects.project:{project.pk}", action__startswith="project."
        )
        transitions = [e for e in events if e.action.removeprefix("project.") in codes]
        assert len(transitions) == len(codes)
        assert Project.objects.get(pk=project.pk).status == Status.MAINTENANCE

    def test_system_integration_closes_after_initial_acceptance(self, company, walk, make_project):
        project = make_project(type_code="system_integration")
        project = walk(
            project,
            "submit",
            "approve_initiation",
            "start_planning",
            "start_execution",
            "start_trial_run",
            "pass_initial_acceptance",
            "start_closure",
        )
        assert project.status == Status.CLOSING

    def test_it_service_skips_trial_run_and_initial_acceptance(self, company, walk, make_project):
        project = make_project(type_code="it_service")
        project = walk(
            project,
            "submit",
            "approve_initiation",
            "start_planning",
            "start_execution",
        )
        codes = {
            t.code
            for t in transitions_for(project.project_type.lifecycle)
            if project.status in t.sources
        }
        assert "pass_final_acceptance" in codes
        assert "start_trial_run" not in codes


@pytest.mark.django_db
class TestGuards:
    def test_unknown_transition_is_refused(self, company, project):
        with pytest.raises(ApplicationError) as exc:
            services.project_transition(actor=company.pmo, project=project, code="teleport")
        assert exc.value.code == "unknown_transition"

    def test_transition_from_wrong_state_is_refused_and_changes_nothing(self, company, project):
        before = AuditEvent.objects.count()
        with pytest.raises(ApplicationError) as exc:
            services.project_transition(actor=company.pmo, project=project, code="close")
        assert exc.value.code == "invalid_transition"
        assert exc.value.status == 409
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT
        assert AuditEvent.objects.count() == before

    def test_submit_needs_contract_or_virtual_contract(self, company, make_project):
        project = make_project(contract_number="", contract_signed_on=None)
        with pytest.raises(ApplicationError) as exc:
            services.project_submit(actor=company.pm, project=project)
        assert exc.value.code == "contract_required"
        virtual = make_project(
            contract_number="", contract_signed_on=None, is_virtual_contract=True
        )
        assert (
            services.project_submit(actor=company.pm, project=virtual).status
            == Status.INITIATION_REVIEW
        )

    def test_submit_needs_appointed_pm(self, company, make_project):
        project = make_project(appoint=False)
        with pytest.raises(ApplicationError) as exc:
            services.project_submit(actor=company.pmo, project=project)
        assert exc.value.code == "pm_required"

    def test_suspend_needs_reason(self, company, walk, project):
        project = walk(project, "submit", "approve_initiation")
        with pytest.raises(ApplicationError) as exc:
            services.project_suspend(actor=company.pmo, project=project, reason="  ")
        assert exc.value.code == "reason_required"

    def test_suspend_and_resume_return_to_the_same_state(self, company, walk, project, approve_all):
        project = walk(project, "submit", "approve_initiation", "start_planning")
        project = services.project_suspend(
            actor=company.pm, project=project, reason="客户资金未到位"
        )
        assert project.status == Status.PLANNING  # until the suspension is approved
        project = approve_all(project)
        assert (project.status, project.suspended_from) == (Status.SUSPENDED, Status.PLANNING)
        services.project_resume(actor=company.pm, project=project, reason="资金到位")
        project = approve_all(project)
        assert (project.status, project.suspended_from) == (Status.PLANNING, "")

    def test_cancelled_project_is_frozen(self, company, project, approve_all):
        services.project_cancel(actor=company.pmo, project=project, reason="合同终止")
        project = approve_all(project)
        assert project.status == Status.CANCELLED
        with pytest.raises(ApplicationError) as exc:
            services.project_update(actor=company.pmo, project=project, name="新名称")
        assert exc.value.code == "project_frozen"
        with pytest.raises(ApplicationError):
            services.project_transition(
                actor=company.pmo, project=project, code="resume", reason="x"
            )


@pytest.mark.django_db
class TestPermissions:
    def test_pm_may_submit_but_not_take_gated_steps(self, company, project):
        project = services.project_submit(actor=company.pm, project=project)
        with pytest.raises(PermissionDenied):
            services.project_transition(
                actor=company.pm, project=project, code="approve_initiation"
            )

    def test_gated_step_requested_by_pm_starts_its_approval(self, company, walk, project):
        project = walk(project, "submit", "approve_initiation", "start_planning")
        submit_plan(project, actor=company.pm)
        assert Project.objects.get(pk=project.pk).status == Status.PLANNING
        request = ApprovalRequest.objects.get(project=project, status="pending")
        assert (request.chain.code, request.payload["code"]) == (
            "implementation_plan",
            "start_execution",
        )

    def test_gated_step_in_approval_cannot_be_asked_again(self, company, project):
        project = services.project_submit(actor=company.pmo_staff, project=project)
        with pytest.raises(ApplicationError) as exc:
            services.project_transition(
                actor=company.pmo, project=project, code="approve_initiation"
            )
        assert (exc.value.code, exc.value.status) == ("already_in_approval", 409)
        assert Project.objects.get(pk=project.pk).status == Status.INITIATION_REVIEW

    def test_ungated_step_when_pmo_removes_the_gate(self, company, project):
        template = project.project_type.lifecycle
        services.lifecycle_template_update(
            actor=company.pmo,
            template=template,
            phases=template.phases,
            closure_after=template.closure_after,
            gates=[g for g in template.gates if g != "approve_initiation"],
        )
        project = services.project_submit(actor=company.pm, project=project)
        with pytest.raises(PermissionDenied):  # PMO-only step even without a gate
            services.project_transition(
                actor=company.pm, project=project, code="approve_initiation"
            )
        project = services.project_transition(
            actor=company.pmo_staff, project=project, code="approve_initiation"
        )
        assert project.status == Status.APPROVED

    def test_stranger_and_member_cannot_transition(self, company, project):
        for user in (company.stranger, company.member, company.head):
            with pytest.raises(PermissionDenied):
                services.project_submit(actor=user, project=project)


@pytest.mark.django_db
def test_transition_notifies_team_once_and_emails(
    company, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(actor=company.pmo, project=project)
    notes = Notification.objects.filter(kind="project.transition")
    assert {n.recipient for n in notes} == {company.pm, company.am}
    assert all(n.title.endswith("提交立项评审") for n in notes)
    # the team's two emails, and the first approver's (PMO staff) request to decide
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [company.pm.email, company.am.email, company.pmo_staff.email]
    )


@pytest.mark.django_db
class TestTemplates:
    def test_template_refuses_closure_after_disabled_phase(self, company, project):
        template = project.project_type.lifecycle
        with pytest.raises(ApplicationError) as exc:
            services.lifecycle_template_update(
                actor=company.pmo,
                template=template,
                phases=["planning", "initial_acceptance"],
                closure_after="final_acceptance",
                gates=[],
            )
        assert exc.value.code == "invalid_template"
        template.refresh_from_db()
        assert "final_acceptance" in template.phases

    def test_only_pmo_admin_edits_templates(self, company, project):
        template = project.project_type.lifecycle
        with pytest.raises(PermissionDenied):
            services.lifecycle_template_update(
                actor=company.pmo_staff,
                template=template,
                phases=template.phases,
                closure_after=template.closure_after,
                gates=template.gates,
            )

    def test_project_in_a_switched_off_phase_is_not_stranded(self, company, walk, project):
        project = walk(
            project,
            "submit",
            "approve_initiation",
            "start_planning",
            "start_execution",
            "start_trial_run",
        )
        template = LifecycleTemplate.objects.get(pk=project.project_type.lifecycle.pk)
        services.lifecycle_template_update(
            actor=company.pmo,
            template=template,
            phases=["planning", "initial_acceptance", "final_acceptance"],
            closure_after="final_acceptance",
            gates=template.gates,
        )
        project = Project.objects.get(pk=project.pk)
        project = services.project_transition(
            actor=company.pm, project=project, code="pass_initial_acceptance"
        )
        assert project.status == Status.INITIAL_ACCEPTANCE


@pytest.mark.django_db
def test_each_recipient_reads_the_notification_in_their_language(
    company, project, django_capture_on_commit_callbacks
):
    from epm.core.services import user_set_preferences

    # given an English-speaking PMO administrator and an English-speaking account manager
    user_set_preferences(user=company.pmo, language="en")
    user_set_preferences(user=company.am, language="en")
    # when the PMO administrator submits the project
    with django_capture_on_commit_callbacks(execute=True):
        services.project_submit(actor=company.pmo, project=project)
    # then the Chinese PM reads Chinese and the English account manager English
    titles = dict(
        Notification.objects.filter(kind="project.transition").values_list(
            "recipient__username", "title"
        )
    )
    assert titles["pm"].endswith("提交立项评审")
    assert titles["am"].endswith("Submit for initiation review")


@pytest.mark.django_db
def test_cancelling_a_suspended_project_forgets_where_it_was(company, walk, project):
    project = walk(project, "submit", "approve_initiation", "suspend")
    assert project.suspended_from == Status.APPROVED
    project = walk(project, "cancel")
    assert (project.status, project.suspended_from) == (Status.CANCELLED, "")
