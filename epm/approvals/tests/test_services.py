"""The approval engine through its services (no HTTP): modes, conditions, approver rules,
self-approval, every action, delegation and chain versions.

Requests are made with chains saved through `chain_save` for the real project subject; each asks
to cancel a draft project, so "approved" has a visible effect (see engine_helpers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from epm.approvals import services
from epm.approvals.models import (
    Action,
    ApprovalAttachment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    ChainVersion,
    Delegation,
    RequestStatus,
    RequestStep,
    StepStatus,
    TaskOrigin,
    TaskStatus,
)
from epm.approvals.selectors import access_request, waiting_tasks
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent, Notification, OrgRole
from epm.core.services import department_update, user_update
from epm.projects.models import Project, Status
from epm.projects.services import project_update

from .engine_helpers import (
    actions,
    approve_as,
    assignees,
    head,
    org,
    project_role,
    save_chain,
    step,
    steps_of,
    submit,
    task_for,
    tasks_of,
    users,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_head(company):
    """The president heads the company root, so "one level up" from tech has a head."""
    department_update(actor=company.admin, department=company.root, head=company.president)
    return company.president


def raises(code, fn, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def cancelled_audits(project) -> int:
    return AuditEvent.objects.filter(
        action="project.cancel", target_type="projects.project", target_id=str(project.pk)
    ).count()


def reread(project) -> Project:
    return Project.objects.get(pk=project.pk)


# --- Modes ---------------------------------------------------------------------------------------


class TestModes:
    def test_all_needs_every_approver_in_any_order(self, company, project):
        # given a countersign (会签) step of three approvers
        chain = save_chain(
            company.pmo,
            "all-three",
            [
                step(
                    "会签",
                    [users(company.head), users(company.president), users(company.finance)],
                    "all",
                )
            ],
        )
        request = submit(chain, project, company.pmo)
        (only,) = steps_of(request)
        assert assignees(only, TaskStatus.PENDING) == [
            company.head,
            company.president,
            company.finance,
        ]
        # when they approve in the reverse order
        approve_as(request, company.finance)
        approve_as(request, company.president)
        # then the step still waits for the last one, and nothing happened to the project
        request.refresh_from_db()
        only.refresh_from_db()
        assert request.status == RequestStatus.PENDING
        assert only.status == StepStatus.ACTIVE
        assert reread(project).status == Status.DRAFT
        approve_as(request, company.head)
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        assert reread(project).status == Status.CANCELLED
        assert cancelled_audits(project) == 1
        assert actions(request).count(Action.APPROVE) == 3

    def test_any_first_approval_closes_the_step(self, company, project):
        # given an any-one (或签) step followed by a second step
        chain = save_chain(
            company.pmo,
            "any-two",
            [
                step("或签", [users(company.head, company.president)], "any"),
                step("财务", [users(company.finance)]),
            ],
        )
        request = submit(chain, project, company.pmo)
        loser = task_for(request, company.president)
        # when the head approves
        approve_as(request, company.head, comment="同意")
        # then the president's task is cancelled and the next step starts
        first, second = steps_of(request)
        assert first.status == StepStatus.APPROVED
        assert {t.assignee: t.status for t in tasks_of(first)} == {
            company.head: TaskStatus.APPROVED,
            company.president: TaskStatus.CANCELLED,
        }
        assert second.status == StepStatus.ACTIVE
        assert assignees(second, TaskStatus.PENDING) == [company.finance]
        # and the president, trying too, is told who decided
        error = raises(
            "already_decided", services.task_approve, actor=company.president, task_id=loser.pk
        )
        assert error.status == 409
        assert str(company.head) in error.message
        assert actions(request).count(Action.APPROVE) == 1
        assert not waiting_tasks(company.president).exists()

    def test_sequence_goes_in_order(self, company, project):
        # given a step where the head decides before the president (依次)
        chain = save_chain(
            company.pmo,
            "in-order",
            [step("依次", [users(company.head), users(company.president)], "sequence")],
        )
        request = submit(chain, project, company.pmo)
        second = task_for(request, company.president)
        assert second.status == TaskStatus.WAITING
        assert not waiting_tasks(company.president).exists()
        # when the president tries first, they are told it is not their turn
        error = raises(
            "not_your_turn", services.task_approve, actor=company.president, task_id=second.pk
        )
        assert error.status == 409
        assert task_for(request, company.president).status == TaskStatus.WAITING
        # then after the head, it is
        approve_as(request, company.head)
        second.refresh_from_db()
        assert second.status == TaskStatus.PENDING
        assert second.activated_at is not None and second.due_at is not None
        assert reread(project).status == Status.DRAFT
        services.task_approve(actor=company.president, task_id=second.pk)
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        decided = ApprovalTask.objects.filter(request=request).order_by("decided_at", "id")
        assert [t.assignee for t in decided] == [company.head, company.president]


# --- Conditions ----------------------------------------------------------------------------------

PRESIDENT_ABOVE_A_MILLION = {"field": "contract_amount", "op": ">", "value": "1000000"}


class TestConditions:
    @pytest.mark.parametrize(
        ("amount", "president_asked"),
        [
            (Decimal("1000000.00"), False),
            (Decimal("1000000.01"), True),
            (Decimal("999999.99"), False),
            (Decimal("25000000.00"), True),
            (None, False),  # no contract amount says nothing about the threshold
        ],
    )
    def test_contract_amount_threshold(self, company, make_project, amount, president_asked):
        # given a chain that asks the president above 1,000,000 only
        chain = save_chain(
            company.pmo,
            "big-deal",
            [
                step("PMO审核", [org(OrgRole.PMO_STAFF)]),
                step("总裁审批", [org(OrgRole.PRESIDENT)], condition=PRESIDENT_ABOVE_A_MILLION),
            ],
        )
        project = make_project(contract_amount=amount)
        # when the request is submitted
        request = submit(chain, project, company.pmo)
        # then the amount is kept as an exact decimal string and decides the second step
        assert request.values["contract_amount"] == (None if amount is None else str(amount))
        pmo_step, president_step = steps_of(request)
        assert pmo_step.status == StepStatus.ACTIVE
        if president_asked:
            assert president_step.status == StepStatus.WAITING
            assert assignees(president_step) == [company.president]
        else:
            assert president_step.status == StepStatus.SKIPPED
            assert president_step.skip_reason
            assert not president_step.tasks.exists()
        # and once the PMO approves, the request ends there or goes on to the president
        approve_as(request, company.pmo_staff)
        request.refresh_from_db()
        expected = RequestStatus.PENDING if president_asked else RequestStatus.APPROVED
        assert request.status == expected

    @pytest.mark.parametrize(
        ("type_code", "amount", "applies"),
        [
            ("smart", Decimal("100.00"), True),
            ("software", Decimal("5000000.00"), True),
            ("software", Decimal("4999999.99"), False),
        ],
    )
    def test_any_of_several_comparisons(self, company, make_project, type_code, amount, applies):
        condition = {
            "any": [
                {"field": "project_type", "op": "==", "value": "smart"},
                {"field": "contract_amount", "op": ">=", "value": "5000000"},
            ]
        }
        chain = save_chain(
            company.pmo,
            "smart-or-big",
            [
                step("PMO审核", [org(OrgRole.PMO_STAFF)]),
                step("专家", [org(OrgRole.EXPERT_COMMITTEE)], condition=condition),
            ],
        )
        project = make_project(type_code=type_code, contract_amount=amount)
        request = submit(chain, project, company.pmo)
        expert_step = steps_of(request)[1]
        assert (expert_step.status != StepStatus.SKIPPED) is applies

    def test_every_step_skipped_approves_at_once(self, company, make_project):
        # a request whose every step's condition is false has nobody to wait for
        chain = save_chain(
            company.pmo,
            "only-big",
            [step("总裁审批", [org(OrgRole.PRESIDENT)], condition=PRESIDENT_ABOVE_A_MILLION)],
        )
        project = make_project(contract_amount=Decimal("10.00"))
        request = submit(chain, project, company.pmo)
        assert request.status == RequestStatus.APPROVED
        assert reread(project).status == Status.CANCELLED

    def test_unknown_field_is_refused_when_saving(self, company):
        with pytest.raises(ApplicationError) as exc:
            save_chain(
                company.pmo,
                "bad-condition",
                [
                    step(
                        "总裁",
                        [org(OrgRole.PRESIDENT)],
                        condition={"field": "budget", "op": ">", "value": "1"},
                    )
                ],
            )
        assert exc.value.code == "invalid_chain"
        assert not Chain.objects.filter(code="bad-condition").exists()


# --- Approver rules ------------------------------------------------------------------------------


class TestApproverRules:
    def test_every_rule_kind(self, company, project, root_head):
        # given a project with an assistant, and a chain using every kind of rule
        project = project_update(actor=company.pmo, project=project, assistant=company.member)
        chain = save_chain(
            company.pmo,
            "every-rule",
            [
                step("项目经理", [project_role("pm")]),
                step("项目助理", [project_role("assistant")]),
                step("客户经理", [project_role("account_manager")]),
                step("项目部门负责人", [head(0)]),
                step("上级部门负责人", [head(1)]),
                step("提交人部门负责人", [head(0, of="submitter")]),
                step("财务", [org(OrgRole.FINANCE)]),
                step("指定人员", [users(company.expert, company.quality)], "all"),
            ],
        )
        # when someone from the other department submits
        request = submit(chain, project, company.stranger)
        # then each step is resolved now, for this project and submitter
        resolved = [assignees(s) for s in steps_of(request)]
        assert resolved == [
            [company.pm],
            [company.member],
            [company.am],
            [company.head],
            [root_head],
            [company.other_head],
            [company.finance],
            [company.expert, company.quality],
        ]

    def test_big_project_manager_of_a_sub_project(self, company, make_project, approve_all):
        from epm.projects.services import project_appoint_pm

        big = make_project(name="智慧校园", is_big_project=True, appoint=False)
        project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
        approve_all(big)
        child = make_project(name="一卡通", parent=big)
        chain = save_chain(
            company.pmo, "big-pm", [step("大项目经理", [project_role("big_project_manager")])]
        )
        request = submit(chain, child, company.pmo)
        assert assignees(steps_of(request)[0]) == [company.member]
        # a project that is no sub-project has nobody for that rule
        error = raises("no_approver", submit, chain=chain, project=big, actor=company.pmo)
        assert "大项目经理" in error.message

    def test_named_users_decide_in_the_order_they_were_named(self, company, project):
        # "依次: these two, in this order", named with the larger user id first
        first, second = sorted([company.head, company.president], key=lambda u: -u.pk)
        chain = save_chain(
            company.pmo, "named-order", [step("依次", [users(first, second)], "sequence")]
        )
        request = submit(chain, project, company.pmo)
        assert assignees(steps_of(request)[0]) == [first, second]

    def test_union_of_rules_in_one_step(self, company, project):
        # the finance person named twice (by role and by name) decides once
        chain = save_chain(
            company.pmo,
            "union",
            [
                step(
                    "评审",
                    [
                        org(OrgRole.FINANCE),
                        project_role("account_manager"),
                        users(company.finance, company.quality),
                    ],
                    "all",
                )
            ],
        )
        request = submit(chain, project, company.pmo)
        tasks = tasks_of(steps_of(request)[0])
        assert [t.assignee for t in tasks] == [company.finance, company.am, company.quality]
        assert [t.position for t in tasks] == [0, 1, 2]

    @pytest.mark.parametrize(
        ("rule", "blank"),
        [
            (project_role("assistant"), None),
            (org(OrgRole.QUALITY), "quality"),
            (head(0), "head"),
        ],
    )
    def test_nobody_to_approve_refuses_the_submission(self, company, project, rule, blank):
        # given a chain whose second step resolves to nobody
        if blank == "quality":
            user_update(actor=company.admin, user=company.quality, is_active=False)
        if blank == "head":  # no head in the project's department, nor any above it
            department_update(actor=company.admin, department=company.tech, head=None)
            department_update(actor=company.admin, department=company.root, head=None)
        chain = save_chain(
            company.pmo,
            "nobody",
            [step("PMO审核", [org(OrgRole.PMO_STAFF)]), step("无人审批的步骤", [rule])],
        )
        before = (ApprovalRequest.objects.count(), ApprovalEvent.objects.count())
        audits = AuditEvent.objects.filter(action="approvals.submit").count()
        # when it is submitted, it is refused with a message naming the step
        with pytest.raises(ApplicationError) as exc:
            submit(chain=chain, project=project, actor=company.pmo)
        error = exc.value
        assert error.code == "no_approver"
        assert "无人审批的步骤" in error.message
        assert error.detail["step"] == 1
        # and nothing was created, nothing changed
        assert (ApprovalRequest.objects.count(), ApprovalEvent.objects.count()) == before
        assert not RequestStep.objects.filter(request__chain__code="nobody").exists()
        assert AuditEvent.objects.filter(action="approvals.submit").count() == audits
        assert reread(project).status == Status.DRAFT


# --- Self-approval -------------------------------------------------------------------------------


class TestSelfApproval:
    @pytest.mark.parametrize(
        ("policy", "expected"),
        [
            ("allow", ["pm", "member"]),
            ("skip", ["member"]),
            ("escalate", ["member", "head"]),  # the PM's own department head instead
        ],
    )
    def test_policies(self, company, project, policy, expected):
        chain = save_chain(
            company.pmo,
            f"self-{policy}",
            [step("会签", [users(company.pm, company.member)], "all")],
            self_approval=policy,
        )
        request = submit(chain, project, company.pm)
        assert assignees(steps_of(request)[0]) == [getattr(company, n) for n in expected]

    def test_allow_lets_the_submitter_approve_their_own(self, company, project):
        chain = save_chain(
            company.pmo, "self-allow", [step("自审", [users(company.pm)])], self_approval="allow"
        )
        request = submit(chain, project, company.pm)
        approve_as(request, company.pm)
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED

    def test_skip_passes_over_a_step_left_with_nobody(self, company, project):
        chain = save_chain(
            company.pmo,
            "self-skip",
            [step("自审", [users(company.pm)]), step("总裁", [users(company.president)])],
            self_approval="skip",
        )
        request = submit(chain, project, company.pm)
        mine, president = steps_of(request)
        assert mine.status == StepStatus.SKIPPED and mine.skip_reason
        assert president.status == StepStatus.ACTIVE

    def test_escalate_goes_up_the_tree_for_a_head(self, company, project, root_head):
        # the head of tech submits a request their own step would go to: one level up decides
        chain = save_chain(company.pmo, "self-head", [step("部门负责人", [head(0)])])
        request = submit(chain, project, company.head)
        assert assignees(steps_of(request)[0]) == [root_head]

    def test_escalate_with_nobody_above_is_refused(self, company, project):
        department_update(actor=company.admin, department=company.root, head=None)
        chain = save_chain(company.pmo, "self-top", [step("部门负责人", [head(0)])])
        error = raises("no_approver", submit, chain=chain, project=project, actor=company.head)
        assert "部门负责人" in error.message
        assert not ApprovalRequest.objects.filter(chain=chain).exists()

    def test_nobody_adds_or_transfers_to_the_submitter(self, company, project):
        chain = save_chain(company.pmo, "no-self-add", [step("审批", [users(company.head)])])
        request = submit(chain, project, company.pm)
        task = task_for(request, company.head)
        raises(
            "self_approval",
            services.task_transfer,
            actor=company.head,
            task_id=task.pk,
            user=company.pm,
        )
        raises(
            "self_approval",
            services.task_add_before,
            actor=company.head,
            task_id=task.pk,
            user=company.pm,
        )
        raises(
            "self_approval",
            services.task_approve,
            actor=company.head,
            task_id=task.pk,
            add_after=company.pm,
        )
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING


# --- Actions -------------------------------------------------------------------------------------


@pytest.fixture
def two_steps(company, project):
    """A pending request of two any-one steps: the head, then the president (the submitter is
    the PMO administrator)."""
    chain = save_chain(
        company.pmo,
        "two-steps",
        [step("部门确认", [users(company.head)]), step("总裁审批", [users(company.president)])],
    )
    return submit(chain, project, company.pmo)


class TestApproveAndReject:
    def test_approving_the_last_step_applies_the_transition_once(self, company, two_steps):
        approve_as(two_steps, company.head)
        assert reread(two_steps.project).status == Status.DRAFT
        approve_as(two_steps, company.president)
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.APPROVED
        assert two_steps.finished_at is not None
        assert reread(two_steps.project).status == Status.CANCELLED
        assert cancelled_audits(two_steps.project) == 1
        assert [s.status for s in steps_of(two_steps)] == [StepStatus.APPROVED] * 2

    def test_reject_needs_a_comment(self, company, two_steps):
        task = task_for(two_steps, company.head)
        raises(
            "comment_required",
            services.task_reject,
            actor=company.head,
            task_id=task.pk,
            comment="  ",
        )
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING
        assert actions(two_steps) == [Action.SUBMIT]

    def test_reject_ends_the_request_without_the_transition(self, company, two_steps):
        task = task_for(two_steps, company.head)
        services.task_reject(actor=company.head, task_id=task.pk, comment="理由不充分")
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.REJECTED
        first, second = steps_of(two_steps)
        assert (first.status, second.status) == (StepStatus.REJECTED, StepStatus.CANCELLED)
        assert not ApprovalTask.objects.filter(
            request=two_steps, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        ).exists()
        assert reread(two_steps.project).status == Status.DRAFT
        assert cancelled_audits(two_steps.project) == 0
        event = ApprovalEvent.objects.get(request=two_steps, action=Action.REJECT)
        assert (event.actor, event.comment) == (company.head, "理由不充分")
        # a decision after the end is refused and says why
        error = raises(
            "request_closed",
            services.task_approve,
            actor=company.head,
            task_id=task.pk,
        )
        assert error.status == 409

    def test_who_is_not_the_approver_cannot_decide(self, company, two_steps):
        task = task_for(two_steps, company.head)
        # the PM sees the project (and so the request) but is not the approver: 403
        with pytest.raises(PermissionDenied):
            services.task_approve(actor=company.pm, task_id=task.pk)
        # someone who cannot see the request at all: 404, as for a task that does not exist
        error = raises("not_found", services.task_approve, actor=company.stranger, task_id=task.pk)
        assert error.status == 404
        raises("not_found", services.task_approve, actor=company.head, task_id=task.pk + 10_000)
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING


class TestReturnAndResubmit:
    def test_return_then_resubmit_starts_round_two_and_keeps_history(
        self, company, project, root_head
    ):
        # given a chain whose second step is "one level above the project's department"
        chain = save_chain(
            company.pmo,
            "return-me",
            [step("部门确认", [head(0)]), step("上级确认", [head(1)])],
        )
        request = submit(chain, project, company.pmo)
        approve_as(request, company.head)
        # when the second approver returns it
        task = task_for(request, root_head)
        raises(
            "comment_required", services.task_return, actor=root_head, task_id=task.pk, comment=""
        )
        services.task_return(actor=root_head, task_id=task.pk, comment="请补充客户函件")
        request.refresh_from_db()
        assert request.status == RequestStatus.RETURNED
        assert request.finished_at is None
        assert reread(project).status == Status.DRAFT
        # and the root department gets a new head before the resubmission
        department_update(actor=company.admin, department=company.root, head=company.finance)
        services.request_resubmit(actor=company.pmo, request_id=request.pk, comment="已补充")
        # then round 2 runs with freshly resolved steps, and round 1 is still there
        request.refresh_from_db()
        assert (request.round, request.status) == (2, RequestStatus.PENDING)
        round_one = steps_of(request, round=1)
        assert [s.status for s in round_one] == [StepStatus.APPROVED, StepStatus.CANCELLED]
        assert [t.status for t in tasks_of(round_one[1])] == [TaskStatus.RETURNED]
        round_two = steps_of(request, round=2)
        assert [assignees(s) for s in round_two] == [[company.head], [company.finance]]
        assert round_two[0].status == StepStatus.ACTIVE
        events = list(ApprovalEvent.objects.filter(request=request).order_by("id"))
        assert [(e.action, e.round) for e in events] == [
            (Action.SUBMIT, 1),
            (Action.APPROVE, 1),
            (Action.RETURN, 1),
            (Action.RESUBMIT, 2),
        ]
        # the old round's tasks cannot be decided again
        raises("already_decided", services.task_approve, actor=root_head, task_id=task.pk)

    def test_a_resubmission_nobody_can_approve_is_refused(self, company, two_steps):
        task = task_for(two_steps, company.head)
        services.task_return(actor=company.head, task_id=task.pk, comment="重写")
        user_update(actor=company.admin, user=company.president, is_active=False)
        error = raises(
            "no_approver", services.request_resubmit, actor=company.pmo, request_id=two_steps.pk
        )
        assert "总裁审批" in error.message
        two_steps.refresh_from_db()
        assert (two_steps.status, two_steps.round) == (RequestStatus.RETURNED, 1)
        assert not RequestStep.objects.filter(request=two_steps, round=2).exists()
        assert Action.RESUBMIT not in actions(two_steps)

    def test_only_a_returned_request_is_resubmitted_by_its_submitter(self, company, two_steps):
        raises(
            "not_returned", services.request_resubmit, actor=company.pmo, request_id=two_steps.pk
        )
        task = task_for(two_steps, company.head)
        services.task_return(actor=company.head, task_id=task.pk, comment="重写")
        with pytest.raises(PermissionDenied):
            services.request_resubmit(actor=company.head, request_id=two_steps.pk)
        two_steps.refresh_from_db()
        assert (two_steps.status, two_steps.round) == (RequestStatus.RETURNED, 1)


class TestWithdraw:
    def test_before_the_first_decision(self, company, two_steps):
        task = task_for(two_steps, company.head)
        services.request_withdraw(actor=company.pmo, request_id=two_steps.pk, comment="不需要了")
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.WITHDRAWN
        assert not ApprovalTask.objects.filter(
            request=two_steps, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        ).exists()
        assert reread(two_steps.project).status == Status.DRAFT
        raises("request_closed", services.task_approve, actor=company.head, task_id=task.pk)
        raises(
            "request_closed", services.request_withdraw, actor=company.pmo, request_id=two_steps.pk
        )

    def test_after_the_first_decision_is_refused(self, company, two_steps):
        approve_as(two_steps, company.head)
        error = raises(
            "already_decided", services.request_withdraw, actor=company.pmo, request_id=two_steps.pk
        )
        assert error.status == 409
        assert str(company.head) in error.message
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.PENDING
        assert Action.WITHDRAW not in actions(two_steps)

    def test_a_returned_request(self, company, two_steps):
        task = task_for(two_steps, company.head)
        services.task_return(actor=company.head, task_id=task.pk, comment="重写")
        services.request_withdraw(actor=company.pmo, request_id=two_steps.pk)
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.WITHDRAWN
        assert two_steps.finished_at is not None
        raises(
            "not_returned", services.request_resubmit, actor=company.pmo, request_id=two_steps.pk
        )

    def test_only_by_the_submitter(self, company, two_steps):
        with pytest.raises(PermissionDenied):
            services.request_withdraw(actor=company.head, request_id=two_steps.pk)
        raises(
            "not_found", services.request_withdraw, actor=company.stranger, request_id=two_steps.pk
        )
        two_steps.refresh_from_db()
        assert two_steps.status == RequestStatus.PENDING


class TestTransfer:
    def test_the_new_assignee_decides_the_old_one_no_longer(self, company, two_steps):
        mine = task_for(two_steps, company.head)
        services.task_transfer(
            actor=company.head, task_id=mine.pk, user=company.member, comment="我出差"
        )
        mine.refresh_from_db()
        assert mine.status == TaskStatus.TRANSFERRED
        theirs = task_for(two_steps, company.member)
        assert (theirs.status, theirs.origin) == (TaskStatus.PENDING, TaskOrigin.TRANSFER)
        event = ApprovalEvent.objects.get(request=two_steps, action=Action.TRANSFER)
        assert (event.actor, event.other) == (company.head, company.member)
        raises("already_decided", services.task_approve, actor=company.head, task_id=mine.pk)
        assert list(waiting_tasks(company.member)) == [theirs]
        services.task_approve(actor=company.member, task_id=theirs.pk)
        first = steps_of(two_steps)[0]
        assert first.status == StepStatus.APPROVED

    def test_refused_targets(self, company, two_steps):
        mine = task_for(two_steps, company.head)
        raises(
            "same_user",
            services.task_transfer,
            actor=company.head,
            task_id=mine.pk,
            user=company.head,
        )
        gone = user_update(actor=company.admin, user=company.member, is_active=False)
        raises(
            "inactive_user",
            services.task_transfer,
            actor=company.head,
            task_id=mine.pk,
            user=gone,
        )
        mine.refresh_from_db()
        assert mine.status == TaskStatus.PENDING


class TestAddApprovers:
    @pytest.mark.parametrize("mode", ["all", "any", "sequence"])
    def test_add_before_decides_first(self, company, project, mode):
        chain = save_chain(
            company.pmo,
            f"before-{mode}",
            [step("审批", [users(company.head), users(company.president)], mode)],
        )
        request = submit(chain, project, company.pmo)
        mine = task_for(request, company.head)
        # when the head asks the member to decide before them (前加签)
        services.task_add_before(actor=company.head, task_id=mine.pk, user=company.member)
        # then the member decides now and the head waits
        added = task_for(request, company.member)
        mine.refresh_from_db()
        assert (added.status, added.origin) == (TaskStatus.PENDING, TaskOrigin.ADD_BEFORE)
        assert mine.status == TaskStatus.WAITING
        raises("not_your_turn", services.task_approve, actor=company.head, task_id=mine.pk)
        event = ApprovalEvent.objects.get(request=request, action=Action.ADD_BEFORE)
        assert event.other == company.member
        # and once the member approved, the head's task is theirs to decide
        services.task_approve(actor=company.member, task_id=added.pk)
        mine.refresh_from_db()
        assert mine.status == TaskStatus.PENDING
        request.refresh_from_db()
        assert request.status == RequestStatus.PENDING
        services.task_approve(actor=company.head, task_id=mine.pk)
        request.refresh_from_db()
        if mode == "any":
            assert request.status == RequestStatus.APPROVED
        else:
            assert request.status == RequestStatus.PENDING
            approve_as(request, company.president)
            request.refresh_from_db()
            assert request.status == RequestStatus.APPROVED
        order = ApprovalTask.objects.filter(request=request, status=TaskStatus.APPROVED)
        decided = [t.assignee for t in order.order_by("decided_at", "id")]
        assert decided[:2] == [company.member, company.head]

    @pytest.mark.parametrize("mode", ["all", "any", "sequence"])
    def test_add_after_holds_the_step_until_the_added_person_approves(self, company, project, mode):
        chain = save_chain(
            company.pmo,
            f"after-{mode}",
            [
                step("审批", [users(company.head), users(company.president)], mode),
                step("财务", [users(company.finance)]),
            ],
        )
        request = submit(chain, project, company.pmo)
        # when the head approves and adds the member after themself (后加签)
        approve_as(request, company.head, add_after=company.member)
        first = steps_of(request)[0]
        added = task_for(request, company.member)
        assert added.origin == TaskOrigin.ADD_AFTER
        assert added.status == TaskStatus.PENDING
        president = ApprovalTask.objects.get(request=request, assignee=company.president)
        assert (
            president.status
            == {
                "all": TaskStatus.PENDING,
                "any": TaskStatus.CANCELLED,  # the head's approval satisfied the rule
                "sequence": TaskStatus.WAITING,  # the member now comes before the president
            }[mode]
        )
        if mode != "sequence":
            first.refresh_from_db()
            assert first.status == StepStatus.ACTIVE
        if mode == "all":
            approve_as(request, company.president)
        # then the step is still open until the member approves
        first.refresh_from_db()
        assert first.status == StepStatus.ACTIVE
        assert steps_of(request)[1].status == StepStatus.WAITING
        services.task_approve(actor=company.member, task_id=added.pk)
        if mode == "sequence":
            first.refresh_from_db()
            assert first.status == StepStatus.ACTIVE
            approve_as(request, company.president)
        first.refresh_from_db()
        assert first.status == StepStatus.APPROVED
        assert steps_of(request)[1].status == StepStatus.ACTIVE
        event = ApprovalEvent.objects.get(request=request, action=Action.ADD_AFTER)
        assert (event.actor, event.other) == (company.head, company.member)

    def test_refused_additions(self, company, project):
        chain = save_chain(
            company.pmo,
            "add-refused",
            [step("审批", [users(company.head, company.president)], "all")],
        )
        request = submit(chain, project, company.pmo)
        mine = task_for(request, company.head)
        raises(
            "same_user",
            services.task_add_before,
            actor=company.head,
            task_id=mine.pk,
            user=company.head,
        )
        raises(
            "already_approver",
            services.task_approve,
            actor=company.head,
            task_id=mine.pk,
            add_after=company.president,
        )
        # a refused add-after leaves the approval itself undone too
        mine.refresh_from_db()
        assert mine.status == TaskStatus.PENDING
        assert actions(request) == [Action.SUBMIT]


class TestUrge:
    def test_urge_notifies_and_is_rate_limited(
        self, company, project, django_capture_on_commit_callbacks
    ):
        chain = save_chain(
            company.pmo,
            "urge",
            [step("会签", [users(company.head), users(company.president)], "sequence")],
        )
        request = submit(chain, project, company.pmo)
        # when the submitter urges
        with django_capture_on_commit_callbacks(execute=True):
            services.request_urge(actor=company.pmo, request_id=request.pk, comment="客户在等")
        # then only the approver now deciding is reminded, with the comment
        urged = Notification.objects.filter(kind="approval.urge")
        assert [n.recipient for n in urged] == [company.head]
        assert urged.get().body == "客户在等"
        request.refresh_from_db()
        assert request.last_urged_at is not None
        # a second urge within the interval is refused
        error = raises(
            "urge_too_soon", services.request_urge, actor=company.pmo, request_id=request.pk
        )
        assert error.status == 429
        # still too soon a minute before the interval ends
        interval = dt.timedelta(minutes=60)
        ApprovalRequest.objects.filter(pk=request.pk).update(
            last_urged_at=timezone.now() - interval + dt.timedelta(minutes=1)
        )
        raises("urge_too_soon", services.request_urge, actor=company.pmo, request_id=request.pk)
        # after the interval it is allowed again, and reaches the approver a second time
        ApprovalRequest.objects.filter(pk=request.pk).update(
            last_urged_at=timezone.now() - interval - dt.timedelta(seconds=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.request_urge(actor=company.pmo, request_id=request.pk)
        assert (
            Notification.objects.filter(kind="approval.urge", recipient=company.head).count() == 2
        )
        assert actions(request).count(Action.URGE) == 2

    def test_only_the_submitter_urges_an_open_request(self, company, two_steps):
        with pytest.raises(PermissionDenied):
            services.request_urge(actor=company.head, request_id=two_steps.pk)
        services.request_withdraw(actor=company.pmo, request_id=two_steps.pk)
        raises("request_closed", services.request_urge, actor=company.pmo, request_id=two_steps.pk)


class TestCommentsAndAttachments:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def test_a_decision_carries_its_comment_and_files(self, company, two_steps):
        upload = SimpleUploadedFile(
            "实施方案.pdf", b"%PDF-1.4 plan", content_type="application/pdf"
        )
        approve_as(two_steps, company.head, comment="同意，见附件", files=[upload])
        event = ApprovalEvent.objects.get(request=two_steps, action=Action.APPROVE)
        assert event.comment == "同意，见附件"
        (attachment,) = event.attachments.all()
        assert (attachment.name, attachment.size, attachment.content_type) == (
            "实施方案.pdf",
            len(b"%PDF-1.4 plan"),
            "application/pdf",
        )
        assert attachment.file.name.startswith(f"approvals/{two_steps.pk}/")
        with attachment.file.open("rb") as f:
            assert f.read() == b"%PDF-1.4 plan"
        task = ApprovalTask.objects.get(request=two_steps, assignee=company.head)
        assert task.comment == "同意，见附件"

    def test_a_comment_by_someone_who_can_see_the_request(self, company, two_steps):
        services.request_comment(
            actor=company.pm,
            request_id=two_steps.pk,
            comment="",
            files=[SimpleUploadedFile("a.txt", b"abc")],
        )
        raises(
            "comment_required",
            services.request_comment,
            actor=company.pm,
            request_id=two_steps.pk,
            comment=" ",
        )
        raises(
            "not_found",
            services.request_comment,
            actor=company.stranger,
            request_id=two_steps.pk,
            comment="看看",
        )
        assert ApprovalEvent.objects.filter(request=two_steps, action=Action.COMMENT).count() == 1

    def test_a_file_too_large_saves_nothing(self, company, two_steps, tmp_path):
        small = SimpleUploadedFile("ok.txt", b"fine")
        big = SimpleUploadedFile("big.bin", b"\0" * (services.MAX_ATTACHMENT_BYTES + 1))
        task = task_for(two_steps, company.head)
        error = raises(
            "file_too_large",
            services.task_approve,
            actor=company.head,
            task_id=task.pk,
            comment="同意",
            files=[small, big],
        )
        assert "big.bin" in error.message
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING
        assert actions(two_steps) == [Action.SUBMIT]
        assert not ApprovalAttachment.objects.exists()
        assert not [p for p in tmp_path.rglob("*") if p.is_file()]
        # exactly the limit is fine
        limit = SimpleUploadedFile("limit.bin", b"\0" * services.MAX_ATTACHMENT_BYTES)
        services.task_approve(actor=company.head, task_id=task.pk, files=[limit])
        assert ApprovalAttachment.objects.get().size == services.MAX_ATTACHMENT_BYTES

    def test_too_many_files_or_too_long_a_comment(self, company, two_steps):
        task = task_for(two_steps, company.head)
        files = [SimpleUploadedFile(f"{i}.txt", b"x") for i in range(services.MAX_ATTACHMENTS + 1)]
        raises(
            "too_many_files",
            services.task_approve,
            actor=company.head,
            task_id=task.pk,
            files=files,
        )
        raises(
            "comment_too_long",
            services.task_reject,
            actor=company.head,
            task_id=task.pk,
            comment="长" * (services.MAX_COMMENT + 1),
        )
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING
        assert not ApprovalAttachment.objects.exists()


# --- Delegation ----------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


class TestDelegation:
    def test_the_delegate_decides_on_behalf_during_the_range(self, company, two_steps):
        services.delegation_create(
            actor=company.head,
            delegate=company.member,
            starts_on=today(),
            ends_on=today() + dt.timedelta(days=3),
        )
        task = task_for(two_steps, company.head)
        assert list(waiting_tasks(company.member)) == [task]
        services.task_approve(actor=company.member, task_id=task.pk, comment="代批")
        event = ApprovalEvent.objects.get(request=two_steps, action=Action.APPROVE)
        assert (event.actor, event.on_behalf_of) == (company.member, company.head)
        task.refresh_from_db()
        assert (task.assignee, task.decided_by) == (company.head, company.member)

    @pytest.mark.parametrize("when", ["not_yet", "over", "cancelled"])
    def test_no_decision_outside_the_delegation(self, company, two_steps, when):
        # the PM can see the request (it is their project), so only the delegation decides
        delegation = services.delegation_create(
            actor=company.head,
            delegate=company.pm,
            starts_on=today() + dt.timedelta(days=1) if when == "not_yet" else today(),
            ends_on=today() + dt.timedelta(days=5),
        )
        if when == "over":  # time travel: the range ended yesterday
            Delegation.objects.filter(pk=delegation.pk).update(
                starts_on=today() - dt.timedelta(days=5), ends_on=today() - dt.timedelta(days=1)
            )
        if when == "cancelled":
            services.delegation_cancel(actor=company.head, delegation_id=delegation.pk)
        task = task_for(two_steps, company.head)
        assert not waiting_tasks(company.pm).exists()
        with pytest.raises(PermissionDenied):
            services.task_approve(actor=company.pm, task_id=task.pk)
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING

    def test_a_delegate_who_cannot_see_the_project_sees_the_request_only_meanwhile(
        self, company, two_steps
    ):
        task = task_for(two_steps, company.head)
        delegation = services.delegation_create(
            actor=company.head, delegate=company.stranger, starts_on=today(), ends_on=today()
        )
        assert list(waiting_tasks(company.stranger)) == [task]
        assert access_request(company.stranger, two_steps.pk) == two_steps
        services.delegation_cancel(actor=company.head, delegation_id=delegation.pk)
        assert not waiting_tasks(company.stranger).exists()
        raises("not_found", services.task_approve, actor=company.stranger, task_id=task.pk)

    def test_a_delegation_is_not_passed_on(self, company, two_steps):
        # head → member and member → PM: the PM cannot decide for the head
        services.delegation_create(
            actor=company.head, delegate=company.member, starts_on=today(), ends_on=today()
        )
        services.delegation_create(
            actor=company.member, delegate=company.pm, starts_on=today(), ends_on=today()
        )
        task = task_for(two_steps, company.head)
        with pytest.raises(PermissionDenied):
            services.task_approve(actor=company.pm, task_id=task.pk)

    def test_the_submitter_cannot_approve_their_own_request_as_a_delegate(self, company, project):
        # the head lets the PM decide for them; the PM then submits a request the head approves
        services.delegation_create(
            actor=company.head, delegate=company.pm, starts_on=today(), ends_on=today()
        )
        chain = save_chain(company.pmo, "own-as-delegate", [step("部门确认", [head(0)])])
        request = submit(chain, project, company.pm)
        task = task_for(request, company.head)
        with pytest.raises(ApplicationError):
            services.task_approve(actor=company.pm, task_id=task.pk)
        task.refresh_from_db()
        assert task.status == TaskStatus.PENDING

    def test_refused_delegations(self, company):
        start, end = today() + dt.timedelta(days=2), today() + dt.timedelta(days=9)
        create = services.delegation_create
        raises(
            "same_user",
            create,
            actor=company.head,
            delegate=company.head,
            starts_on=start,
            ends_on=end,
        )
        create(actor=company.head, delegate=company.member, starts_on=start, ends_on=end)
        # overlapping the first one, even partly
        raises(
            "overlapping",
            create,
            actor=company.head,
            delegate=company.president,
            starts_on=end,
            ends_on=end + dt.timedelta(days=3),
        )
        # the member delegating back to the head for the same days
        raises(
            "circular",
            create,
            actor=company.member,
            delegate=company.head,
            starts_on=start + dt.timedelta(days=1),
            ends_on=start + dt.timedelta(days=1),
        )
        raises(
            "ends_before_start",
            create,
            actor=company.pm,
            delegate=company.member,
            starts_on=end,
            ends_on=start,
        )
        raises(
            "in_the_past",
            create,
            actor=company.pm,
            delegate=company.member,
            starts_on=today() - dt.timedelta(days=3),
            ends_on=today() - dt.timedelta(days=1),
        )
        with pytest.raises(PermissionDenied):
            create(
                actor=company.pm,
                user=company.head,
                delegate=company.member,
                starts_on=start,
                ends_on=end,
            )
        # the day after the first delegation ends is free again
        create(
            actor=company.head,
            delegate=company.president,
            starts_on=end + dt.timedelta(days=1),
            ends_on=end + dt.timedelta(days=2),
        )
        assert Delegation.objects.filter(user=company.head).count() == 2


# --- Versions ------------------------------------------------------------------------------------


class TestVersions:
    def test_saving_makes_a_version_only_when_something_changed(self, company):
        steps = [step("部门确认", [head(0)])]
        chain = save_chain(company.pmo, "versioned", steps)
        assert chain.current_version.number == 1
        # identical steps and settings: no new version, even with a new name
        chain = services.chain_save(
            actor=company.pmo,
            code="versioned",
            name="改名后的审批",
            steps=[dict(s) for s in steps],
            self_approval="escalate",
            escalate_after_days=2,
        )
        assert chain.current_version.number == 1
        assert chain.name == "改名后的审批"
        assert ChainVersion.objects.filter(chain=chain).count() == 1
        # a different step, or a different policy, makes a new version each
        chain = save_chain(company.pmo, "versioned", [step("部门确认", [head(1)])])
        assert chain.current_version.number == 2
        chain = save_chain(
            company.pmo, "versioned", [step("部门确认", [head(1)])], self_approval="skip"
        )
        assert chain.current_version.number == 3
        assert ChainVersion.objects.get(chain=chain, number=1).steps[0]["approvers"] == [head(0)]

    def test_only_the_pmo_administrator_edits_chains(self, company):
        with pytest.raises(PermissionDenied):
            save_chain(company.pmo_staff, "not-mine", [step("部门确认", [head(0)])])
        assert not Chain.objects.filter(code="not-mine").exists()

    def test_a_running_request_keeps_its_version(self, company, project, make_project):
        chain = save_chain(
            company.pmo,
            "keeps-version",
            [step("部门确认", [users(company.head)]), step("总裁", [users(company.president)])],
        )
        request = submit(chain, project, company.pmo)
        # when the PMO changes the chain while the request runs
        save_chain(
            company.pmo,
            "keeps-version",
            [step("财务", [users(company.finance)]), step("质量", [users(company.quality)])],
        )
        # then the request goes on along its own version, also after a return
        request.refresh_from_db()
        assert request.version.number == 1
        approve_as(request, company.head)
        task = task_for(request, company.president)
        services.task_return(actor=company.president, task_id=task.pk, comment="补充材料")
        services.request_resubmit(actor=company.pmo, request_id=request.pk)
        request.refresh_from_db()
        assert [assignees(s) for s in steps_of(request)] == [[company.head], [company.president]]
        # and a new request uses the new version
        other = submit(chain, make_project(name="另一个项目"), company.pmo)
        assert other.version.number == 2
        assert [assignees(s) for s in steps_of(other)] == [[company.finance], [company.quality]]

    def test_an_inactive_chain_takes_no_requests(self, company, project):
        save_chain(company.pmo, "switched-off", [step("部门确认", [head(0)])])
        chain = services.chain_save(
            actor=company.pmo,
            code="switched-off",
            name="停用",
            steps=[step("部门确认", [head(0)])],
            is_active=False,
        )
        raises("no_chain", submit, chain=chain, project=project, actor=company.pmo)

    def test_one_open_request_per_subject_and_chain(self, company, two_steps):
        error = raises(
            "already_in_approval",
            submit,
            chain=two_steps.chain,
            project=two_steps.project,
            actor=company.pmo,
        )
        assert error.status == 409
        assert ApprovalRequest.objects.filter(chain=two_steps.chain).count() == 1
