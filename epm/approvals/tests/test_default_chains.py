"""The default chains wired to the project lifecycle: who decides each gated step, a project
taken from draft to executing only through approvals, and requests the project has outgrown."""

from __future__ import annotations

import re

import pytest

from conftest import answers_for, fill_initiation, submit_plan
from epm.approvals import services
from epm.approvals.models import (
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    RequestStatus,
    StepStatus,
    TaskStatus,
)
from epm.approvals.selectors import waiting_tasks
from epm.core.errors import ApplicationError
from epm.core.models import AuditEvent
from epm.core.services import user_update
from epm.projects import gates
from epm.projects.models import Project, Status
from epm.projects.services import project_appoint_pm, project_transition

from .engine_helpers import approve_as, approve_request, assignees, steps_of, task_for

pytestmark = pytest.mark.django_db


def reread(project) -> Project:
    return Project.objects.get(pk=project.pk)


def open_request(project, code: str) -> ApprovalRequest:
    return gates.open_request_codes(reread(project))[code]


def audits(project, action: str) -> int:
    return AuditEvent.objects.filter(
        action=action, target_type="projects.project", target_id=str(project.pk)
    ).count()


class TestDefaultChains:
    def test_each_gated_step_has_an_active_chain(self):
        for code, chain_code in gates.GATE_CHAINS.items():
            chain = Chain.objects.get(code=chain_code)
            assert chain.is_active, code
            assert chain.subject_kind == gates.TRANSITION_KIND
            # the initiation chain's version 2 adds commerce's check and the board's scores
            assert chain.current_version.number == (2 if chain_code == "initiation" else 1)
        initiation = Chain.objects.get(code="initiation").current_version
        assert [s.get("form") for s in initiation.steps] == [
            None,
            "purchase_review",
            "review_scores",
            None,
        ]
        appointment = Chain.objects.get(code=gates.APPOINTMENT_CHAIN)
        assert appointment.subject_kind == gates.APPOINTMENT_KIND and appointment.is_active
        # the placeholders later issues fill are shipped switched off
        placeholders = Chain.objects.filter(code__in=["weekly_report", "budget", "change"])
        assert [c.is_active for c in placeholders] == [False, False, False]

    def test_who_each_chain_asks(self, company, project):
        c = company
        expected = {
            "initiation": [
                [c.pmo_staff],
                [c.commerce],
                [c.expert, c.finance, c.am],
                [c.president],
            ],
            "pm_appointment": [[c.head], [c.am], [c.pmo]],
            "implementation_plan": [
                None,  # the big-project manager, for sub-projects only
                [c.pmo_staff, c.quality, c.head, c.commerce, c.president],
            ],
            "suspension": [[c.pmo_staff], [c.head]],
            "resumption": [[c.pmo_staff]],
            "cancellation": [[c.pmo_staff], [c.head], [c.finance], [c.president]],
            "closure": [[c.pmo_staff], [c.quality], [c.head]],
        }
        for code, steps in expected.items():
            chain = Chain.objects.get(code=code)
            resolved = services.chain_preview(
                viewer=c.pmo, chain=chain, project=project, submitter=c.pm
            )
            got = [None if s.skipped else s.approvers for s in resolved]
            assert got == steps, code
            assert all(s.error is None for s in resolved), code


class TestLifecycleThroughApprovals:
    def test_draft_to_executing(self, company, make_project):
        c = company
        project = make_project(appoint=False)
        assert not project.number and project.pm is None
        decided: list[tuple[str, str]] = []

        def decide(request, *people):
            for person in people:
                approve_as(request, person, form=answers_for(task_for(request, person)))
                decided.append((request.chain.code, person.username))

        # 1. PM appointment (R2): technical head → account manager → PMO; the number comes last
        project_appoint_pm(actor=c.pmo_staff, project=project, pm=c.pm, short_name="智慧交通")
        appointment = open_request(project, "appoint_pm")
        assert [task.request for task in waiting_tasks(c.head)] == [appointment]
        decide(appointment, c.head, c.am)
        assert not reread(project).number and reread(project).pm is None
        decide(appointment, c.pmo)
        project = reread(project)
        assert project.pm == c.pm and project.short_name == "智慧交通"
        assert re.fullmatch(r"XM\d{8}", project.number)
        assert audits(project, "project.appoint_pm") == 1

        # 2. Initiation (R4): PMO review → commerce checks the purchase plan → review board
        # countersign with scores → president; submitted with its materials (R3)
        fill_initiation(project, actor=c.pm)
        project = project_transition(actor=c.pm, project=project, code="submit")
        assert reread(project).status == Status.INITIATION_REVIEW
        initiation = open_request(project, "approve_initiation")
        assert task_for(initiation, c.president).status == TaskStatus.WAITING
        decide(initiation, c.pmo_staff, c.commerce, c.finance, c.am, c.expert)
        assert reread(project).status == Status.INITIATION_REVIEW
        decide(initiation, c.president)
        assert reread(project).status == Status.APPROVED

        # 3. Planning needs no approval
        project = project_transition(actor=c.pm, project=reread(project), code="start_planning")
        assert project.status == Status.PLANNING

        # 4. Implementation plan (R10): the five reviewers countersign
        submit_plan(project, actor=c.pm)
        plan = open_request(project, "start_execution")
        big_pm, board = steps_of(plan)
        assert big_pm.status == StepStatus.SKIPPED
        assert board.mode == "all" and len(assignees(board, TaskStatus.PENDING)) == 5
        decide(plan, c.president, c.commerce, c.head, c.quality)
        assert reread(project).status == Status.PLANNING
        decide(plan, c.pmo_staff)
        project = reread(project)
        assert project.status == Status.EXECUTING

        assert decided == [
            ("pm_appointment", "head"),
            ("pm_appointment", "am"),
            ("pm_appointment", "pmo"),
            ("initiation", "pmostaff"),
            ("initiation", "commerce"),
            ("initiation", "finance"),
            ("initiation", "am"),
            ("initiation", "expert"),
            ("initiation", "president"),
            ("implementation_plan", "president"),
            ("implementation_plan", "commerce"),
            ("implementation_plan", "head"),
            ("implementation_plan", "quality"),
            ("implementation_plan", "pmostaff"),
        ]
        for action in ("project.submit", "project.approve_initiation", "project.start_execution"):
            assert audits(project, action) == 1, action
        assert not gates.open_requests(project)

    def test_a_sub_project_plan_goes_to_the_big_project_manager_first(
        self, company, make_project, approve_all, walk
    ):
        big = make_project(name="智慧校园", is_big_project=True, appoint=False)
        project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
        approve_all(big)
        child = walk(
            make_project(name="一卡通", parent=big),
            "submit",
            "approve_initiation",
            "start_planning",
        )
        submit_plan(child, actor=company.pm)
        plan = open_request(child, "start_execution")
        assert plan.values["is_sub_project"] is True
        big_pm, board = steps_of(plan)
        assert (big_pm.status, board.status) == (StepStatus.ACTIVE, StepStatus.WAITING)
        assert assignees(big_pm) == [company.member]
        approve_as(plan, company.member)
        board.refresh_from_db()
        assert board.status == StepStatus.ACTIVE
        assert reread(child).status == Status.PLANNING

    def test_nobody_on_the_review_board_refuses_the_submission(self, company, project):
        user_update(actor=company.admin, user=company.expert, is_active=False)
        with pytest.raises(ApplicationError) as exc:
            project_transition(actor=company.pm, project=project, code="submit")
        assert exc.value.code == "no_approver"
        assert "立项评审会会签" in exc.value.message
        # the whole step was undone: still a draft, no request, no audit of the move
        assert reread(project).status == Status.DRAFT
        assert not ApprovalRequest.objects.filter(chain__code="initiation").exists()
        assert audits(project, "project.submit") == 0

    @pytest.mark.parametrize("decision", ["reject", "return"])
    def test_initiation_sent_back_returns_to_draft(self, company, project, decision):
        project_transition(actor=company.pm, project=project, code="submit")
        initiation = open_request(project, "approve_initiation")
        task = task_for(initiation, company.pmo_staff)
        decide = services.task_reject if decision == "reject" else services.task_return
        decide(actor=company.pmo_staff, task_id=task.pk, comment="合同附件不全")
        initiation.refresh_from_db()
        assert initiation.status == (
            RequestStatus.REJECTED if decision == "reject" else RequestStatus.RETURNED
        )
        project = reread(project)
        assert project.status == Status.DRAFT
        assert audits(project, "project.approve_initiation") == 0
        event = AuditEvent.objects.get(
            action="project.reject_initiation", target_id=str(project.pk)
        )
        assert event.note == "合同附件不全"

    @pytest.mark.parametrize("how", ["from_the_project", "from_the_inbox"])
    def test_a_returned_initiation_is_resubmitted_as_round_two(self, company, project, how):
        project_transition(actor=company.pm, project=project, code="submit")
        initiation = open_request(project, "approve_initiation")
        services.task_return(
            actor=company.pmo_staff,
            task_id=task_for(initiation, company.pmo_staff).pk,
            comment="补充",
        )
        assert reread(project).status == Status.DRAFT
        if how == "from_the_project":
            project_transition(actor=company.pm, project=reread(project), code="submit")
        else:
            services.request_resubmit(actor=company.pm, request_id=initiation.pk)
        initiation.refresh_from_db()
        assert (initiation.status, initiation.round) == (RequestStatus.PENDING, 2)
        assert reread(project).status == Status.INITIATION_REVIEW
        assert ApprovalRequest.objects.filter(chain__code="initiation").count() == 1
        approve_request(initiation)
        assert reread(project).status == Status.APPROVED

    def test_a_withdrawn_initiation_goes_back_to_draft(self, company, project):
        project_transition(actor=company.pm, project=project, code="submit")
        initiation = open_request(project, "approve_initiation")
        services.request_withdraw(actor=company.pm, request_id=initiation.pk)
        assert reread(project).status == Status.DRAFT
        # and can be submitted afresh
        project_transition(actor=company.pm, project=reread(project), code="submit")
        assert reread(project).status == Status.INITIATION_REVIEW
        assert ApprovalRequest.objects.filter(chain__code="initiation").count() == 2

    def test_batch_approve_only_simple_subjects(self, company, make_project):
        project = make_project(appoint=False)
        project_appoint_pm(actor=company.pmo_staff, project=project, pm=company.pm)
        appointment = open_request(project, "appoint_pm")
        other = make_project(name="另一个项目")
        project_transition(actor=company.pm, project=other, code="submit")
        initiation = open_request(other, "approve_initiation")
        simple = task_for(appointment, company.head)
        documents = task_for(initiation, company.pmo_staff)
        assert services.batch_approve(actor=company.head, task_ids=[simple.pk]) == [
            (simple.pk, "ok", "")
        ]
        ((task_id, code, message),) = services.batch_approve(
            actor=company.pmo_staff, task_ids=[documents.pk]
        )
        assert (task_id, code) == (documents.pk, "not_batchable") and message
        assert task_for(initiation, company.pmo_staff).status == TaskStatus.PENDING


class TestOutgrownRequests:
    def test_cancellation_cancels_a_pending_suspension(self, company, project, walk):
        project = walk(project, "submit", "approve_initiation", "start_planning", "start_execution")
        assert project.status == Status.EXECUTING
        project_transition(actor=company.pm, project=project, code="suspend", reason="客户暂停")
        suspension = open_request(project, "suspend")
        project_transition(actor=company.pmo, project=project, code="cancel", reason="合同终止")
        cancellation = open_request(project, "cancel")
        # when the cancellation is approved
        approve_request(cancellation)
        assert cancellation.status == RequestStatus.APPROVED
        assert reread(project).status == Status.CANCELLED
        # then the suspension has nothing left to suspend
        suspension.refresh_from_db()
        assert suspension.status == RequestStatus.CANCELLED
        assert suspension.finished_at is not None
        assert not ApprovalTask.objects.filter(
            request=suspension, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        ).exists()
        event = ApprovalEvent.objects.get(request=suspension, action=Action.CANCEL)
        assert event.comment
        # and its approver is told so
        task = ApprovalTask.objects.get(request=suspension, assignee=company.pmo_staff)
        with pytest.raises(ApplicationError) as exc:
            services.task_approve(actor=company.pmo_staff, task_id=task.pk)
        assert exc.value.code == "request_closed"
        assert audits(project, "project.suspend") == 0
        assert not gates.open_requests(reread(project))

    def test_a_move_without_approval_cancels_what_no_longer_applies(self, company, project, walk):
        project = walk(
            project,
            "submit",
            "approve_initiation",
            "start_planning",
            "start_execution",
            "start_trial_run",
            "pass_initial_acceptance",
            "pass_final_acceptance",
        )
        project_transition(actor=company.pm, project=project, code="suspend", reason="等待客户")
        suspension = open_request(project, "suspend")
        # when the PM starts closure (no approval needed), a closing project cannot be suspended
        project_transition(actor=company.pm, project=reread(project), code="start_closure")
        suspension.refresh_from_db()
        assert suspension.status == RequestStatus.CANCELLED
        assert reread(project).status == Status.CLOSING

    def test_an_approved_suspension_cancels_a_pending_plan(self, company, project, walk):
        project = walk(project, "submit", "approve_initiation", "start_planning")
        submit_plan(project, actor=company.pm)
        plan = open_request(project, "start_execution")
        project_transition(actor=company.pm, project=project, code="suspend", reason="客户暂停")
        suspension = open_request(project, "suspend")
        approve_request(suspension)
        assert reread(project).status == Status.SUSPENDED
        plan.refresh_from_db()
        assert plan.status == RequestStatus.CANCELLED
        # the other requests the suspension leaves sensible stay open
        project_transition(actor=company.pm, project=reread(project), code="resume", reason="恢复")
        assert "resume" in gates.open_request_codes(reread(project))

    def test_a_cancelled_project_drops_its_pending_appointment(self, company, project):
        project_appoint_pm(actor=company.pmo, project=project, pm=company.member)
        appointment = open_request(project, "appoint_pm")
        project_transition(actor=company.pmo, project=project, code="cancel", reason="合同终止")
        approve_request(open_request(project, "cancel"))
        appointment.refresh_from_db()
        assert appointment.status == RequestStatus.CANCELLED
        assert reread(project).pm == company.pm
