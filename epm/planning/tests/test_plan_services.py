"""The implementation plan's services: versions, refusals, the approval round trip (R4)."""

from __future__ import annotations

import pytest

from epm.approvals.models import ApprovalTask, RequestStatus, TaskStatus
from epm.approvals.services import task_approve, task_reject, task_return
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.planning.models import ImplementationPlan, PlanComment, PlanSeen, PlanStatus
from epm.planning.plan_sections import SECTION_CODES
from epm.planning.selectors_plan import plan_overview, versions_diff
from epm.planning.services.plan import (
    effective_status,
    pending_plan_request,
    plan_comment_add,
    plan_mark_seen,
    plan_save,
    plan_submit,
)
from epm.projects.models import Status
from epm.projects.services import project_transition

FULL = {
    "background": "某市交通局需要统一的交通数据平台。",
    "scope": "数据汇聚、分析展示、移动端三个子系统。\n不含硬件采购。",
    "quality": "系统可用性不低于99.9%。",
    "schedule": "需求 4月，设计 5月，开发 6–9月，上线 10月。",
    "organisation": "项目经理王经理；技术负责人张工。",
    "risk": "需求变更：每周与客户确认范围。",
    "tracking": "每周二提交周报，每月召开例会。",
}


@pytest.fixture
def planning(make_project, walk):
    """A project whose initiation is approved, now in planning."""
    return walk(make_project(), "submit", "start_planning")


def reread(project):
    project.refresh_from_db()
    return project


def plan_of(project) -> ImplementationPlan:
    return ImplementationPlan.objects.get(project=project)


def open_task(project, user) -> ApprovalTask:
    return ApprovalTask.objects.get(
        request__project=project,
        request__status=RequestStatus.PENDING,
        assignee=user,
        status=TaskStatus.PENDING,
    )


@pytest.mark.django_db
class TestSave:
    def test_first_save_creates_version_one_and_edits_it_until_submitted(self, company, planning):
        # given a project in planning without a plan
        assert planning.status == Status.PLANNING
        # when the PM writes two sections, then a third
        v1 = plan_save(actor=company.pm, project=planning, sections={"background": " 背景 "})
        again = plan_save(actor=company.pm, project=planning, sections={"scope": "范围"})
        # then one draft version holds all of them, stripped
        assert v1.number == again.number == 1
        again.refresh_from_db()
        assert again.sections["background"] == "背景" and again.sections["scope"] == "范围"
        assert set(again.sections) == set(SECTION_CODES)
        assert again.submitted_at is None
        assert plan_of(planning).status == PlanStatus.DRAFT
        assert AuditEvent.objects.filter(action="planning.plan_save").count() == 2

    def test_saving_nothing_new_writes_nothing(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections={"background": "背景"})
        before = AuditEvent.objects.count()
        plan_save(actor=company.pm, project=planning, sections={"background": "背景"})
        assert AuditEvent.objects.count() == before

    def test_assistant_and_pmo_may_write_others_may_not(self, company, planning):
        plan_save(actor=company.pmo, project=planning, sections={"background": "PMO写"})
        for user in (company.member, company.quality, company.head, company.stranger):
            with pytest.raises(PermissionDenied):
                plan_save(actor=user, project=planning, sections={"background": "x"})
        assert plan_of(planning).versions.get().sections["background"] == "PMO写"

    def test_unknown_section_and_too_long_text_change_nothing(self, company, planning):
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=planning, sections={"budget": "x", "scope": "y"})
        assert exc.value.code == "unknown_section" and exc.value.detail == ["budget"]
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=planning, sections={"scope": "字" * 50_001})
        assert exc.value.code == "too_long"
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=planning, sections={"scope": 12})
        assert exc.value.code == "invalid_sections"
        assert not ImplementationPlan.objects.filter(project=planning).exists()

    def test_refused_before_initiation_and_after_execution(self, company, project, walk):
        # a draft project: the plan comes after initiation
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=project, sections={"scope": "x"})
        assert exc.value.code == "plan_closed" and exc.value.status == 409

    def test_approved_project_may_write_the_plan_before_planning_starts(
        self, company, make_project, walk
    ):
        initiated = walk(make_project(), "submit")
        assert initiated.status == Status.APPROVED
        assert plan_save(actor=company.pm, project=initiated, sections=FULL).number == 1


@pytest.mark.django_db
class TestSubmit:
    def test_incomplete_plan_lists_the_empty_sections(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections={"background": "背景"})
        with pytest.raises(ApplicationError) as exc:
            plan_submit(actor=company.pm, project=planning)
        assert exc.value.code == "plan_incomplete"
        assert exc.value.detail == [c for c in SECTION_CODES if c != "background"]
        assert plan_of(planning).status == PlanStatus.DRAFT
        assert plan_of(planning).versions.get().submitted_at is None
        assert pending_plan_request(planning) is None

    def test_nothing_written(self, company, planning):
        with pytest.raises(ApplicationError) as exc:
            plan_submit(actor=company.pm, project=planning)
        assert exc.value.code == "plan_required"

    def test_only_preparers_submit(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        with pytest.raises(PermissionDenied):
            plan_submit(actor=company.quality, project=planning)
        assert pending_plan_request(planning) is None

    def test_start_execution_without_a_submitted_plan_is_refused(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)  # written, not submitted
        with pytest.raises(ApplicationError) as exc:
            project_transition(actor=company.pm, project=planning, code="start_execution")
        assert exc.value.code == "plan_required"
        assert pending_plan_request(planning) is None

    def test_submit_starts_the_countersign_and_freezes_the_plan(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan = plan_submit(actor=company.pm, project=planning, reason="请评审")
        assert plan.status == PlanStatus.IN_REVIEW
        request = pending_plan_request(planning)
        assert request is not None and request.payload["plan_version"] == 1
        assert reread(planning).status == Status.PLANNING
        assert plan.versions.get().submitted_at is not None
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=planning, sections={"scope": "改"})
        assert exc.value.code == "in_approval" and exc.value.status == 409
        with pytest.raises(ApplicationError) as exc:
            plan_submit(actor=company.pm, project=planning)
        assert exc.value.code == "in_approval"
        assert plan.versions.get().sections["scope"] == FULL["scope"]

    def test_ungated_type_starts_execution_at_once_and_approves_the_plan(self, company, planning):
        template = planning.project_type.lifecycle
        template.gates = [g for g in template.gates if g != "start_execution"]
        template.save()
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan = plan_submit(actor=company.pm, project=planning)
        assert plan.status == PlanStatus.APPROVED
        assert plan.versions.get().approved_at is not None
        assert reread(planning).status == Status.EXECUTING


@pytest.mark.django_db
class TestApprovalRoundTrip:
    def test_return_new_version_diff_resubmit_approve(self, company, planning, approve_all):
        # given a submitted plan
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan_submit(actor=company.pm, project=planning)
        plan_mark_seen(user=company.quality, project=planning)
        # when quality comments and returns it
        plan_comment_add(
            actor=company.quality, project=planning, section="quality", text="可用性目标需量化"
        )
        task_return(
            actor=company.quality,
            task_id=open_task(planning, company.quality).pk,
            comment="质量目标不明确",
        )
        # then the plan is being written again, and editable
        plan = plan_of(planning)
        assert plan.status == PlanStatus.DRAFT
        assert effective_status(plan, planning) == PlanStatus.DRAFT
        assert reread(planning).status == Status.PLANNING
        # and the first save makes version 2 from version 1
        v2 = plan_save(
            actor=company.pm,
            project=planning,
            sections={"quality": "系统可用性不低于99.95%，缺陷修复率100%。"},
        )
        assert v2.number == 2 and v2.sections["background"] == FULL["background"]
        assert plan.versions.get(number=1).sections["quality"] == FULL["quality"]
        v2b = plan_save(actor=company.pm, project=planning, sections={"risk": FULL["risk"] + "补"})
        assert v2b.number == 2
        # the difference names the changed sections only
        _old, _new, diff = versions_diff(planning, 1, 2)
        changed = [s.code for s in diff if s.changed]
        assert changed == ["quality", "risk"]
        # resubmitted: the same request goes round again, on version 2
        plan = plan_submit(actor=company.pm, project=planning)
        request = pending_plan_request(planning)
        assert request.round == 2 and request.payload["plan_version"] == 2
        # quality sees what changed since version 1, their sections marked
        overview = plan_overview(company.quality, planning)
        assert overview.diff_base == 1 and overview.diff_changed
        assert overview.needs_my_review and overview.my_sections == ["quality", "risk"]
        # approved by everyone: execution starts with version 2 in force
        approve_all(planning)
        assert reread(planning).status == Status.EXECUTING
        plan = plan_of(planning)
        assert plan.status == PlanStatus.APPROVED
        assert plan.versions.get(number=2).approved_at is not None
        assert plan.versions.get(number=1).approved_at is None
        assert PlanComment.objects.get().version.number == 1
        # and the plan is final now
        with pytest.raises(ApplicationError) as exc:
            plan_save(actor=company.pm, project=planning, sections={"scope": "改"})
        assert exc.value.code == "plan_closed"

    def test_a_rejected_plan_is_rewritten_and_submitted_anew(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan_submit(actor=company.pm, project=planning)
        task_reject(
            actor=company.president,
            task_id=open_task(planning, company.president).pk,
            comment="范围过大",
        )
        assert plan_of(planning).status == PlanStatus.DRAFT
        plan_save(actor=company.pm, project=planning, sections={"scope": "缩小后的范围"})
        plan_submit(actor=company.pm, project=planning)
        request = pending_plan_request(planning)
        assert request.round == 1 and request.payload["plan_version"] == 2

    def test_approval_cancelled_by_suspension_leaves_the_plan_writable(
        self, company, planning, approve_all
    ):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan_submit(actor=company.pm, project=planning)
        # suspending (approved) cancels the plan's approval without a decision on it
        project_transition(actor=company.pm, project=planning, code="suspend", reason="客户暂停")
        for user in (company.pmo_staff, company.head):
            task = ApprovalTask.objects.filter(
                request__payload__code="suspend", assignee=user, status=TaskStatus.PENDING
            ).first()
            task_approve(actor=user, task_id=task.pk)
        assert reread(planning).status == Status.SUSPENDED
        assert pending_plan_request(planning) is None
        plan = plan_of(planning)
        assert plan.status == PlanStatus.IN_REVIEW  # stored; the approval is gone
        assert effective_status(plan, planning) == PlanStatus.DRAFT
        project_transition(actor=company.pm, project=planning, code="resume", reason="恢复")
        task = ApprovalTask.objects.get(
            request__payload__code="resume", assignee=company.pmo_staff, status=TaskStatus.PENDING
        )
        task_approve(actor=company.pmo_staff, task_id=task.pk)
        assert reread(planning).status == Status.PLANNING
        version = plan_save(actor=company.pm, project=planning, sections={"scope": "恢复后"})
        assert version.number == 2
        assert plan_of(planning).status == PlanStatus.DRAFT


@pytest.mark.django_db
class TestComments:
    def test_reviewers_and_pm_comment_others_not(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        with pytest.raises(ApplicationError) as exc:
            plan_comment_add(actor=company.pm, project=planning, section="scope", text="x")
        assert exc.value.code == "not_in_review"
        plan_submit(actor=company.pm, project=planning)
        # commerce reviews scope, and may comment on another section
        c = plan_comment_add(
            actor=company.commerce, project=planning, section="risk", text="供货风险未列出"
        )
        assert c.version.number == 1 and c.section == "risk"
        plan_comment_add(actor=company.pm, project=planning, section="risk", text="已补充")
        for user in (company.member, company.stranger, company.finance):
            with pytest.raises(PermissionDenied):
                plan_comment_add(actor=user, project=planning, section="risk", text="x")
        with pytest.raises(ApplicationError) as exc:
            plan_comment_add(actor=company.commerce, project=planning, section="nope", text="x")
        assert exc.value.code == "unknown_section"
        with pytest.raises(ApplicationError) as exc:
            plan_comment_add(actor=company.commerce, project=planning, section="risk", text="  ")
        assert exc.value.code == "comment_required"
        assert PlanComment.objects.count() == 2


@pytest.mark.django_db
class TestSeen:
    def test_seen_moves_with_the_latest_version(self, company, planning):
        assert plan_mark_seen(user=company.quality, project=planning) is None
        plan_save(actor=company.pm, project=planning, sections=FULL)
        assert plan_mark_seen(user=company.quality, project=planning).version_number == 1
        assert PlanSeen.objects.count() == 1
