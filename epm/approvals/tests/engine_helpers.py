"""Helpers shared by the engine tests: chains saved through `chain_save`, requests submitted for
the real project subject ("project.transition"), and reading a request's steps and tasks.

A request built with `submit` asks to cancel a draft project (cancellation is possible from
draft and needs only a reason), so approving it has a visible effect: the project is cancelled.
"""

from __future__ import annotations

from typing import Any

from conftest import answers_for
from epm.approvals.models import (
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    RequestStep,
    TaskStatus,
)
from epm.approvals.services import approval_submit, chain_save, task_approve
from epm.core.models import User
from epm.projects.models import Project

TRANSITION = "project.transition"


def users(*people: User) -> dict[str, Any]:
    return {"kind": "users", "user_ids": [p.pk for p in people]}


def org(role: str) -> dict[str, Any]:
    return {"kind": "org_role", "role": role}


def head(levels: int = 0, of: str = "project") -> dict[str, Any]:
    return {"kind": "department_head", "of": of, "levels": levels}


def project_role(role: str) -> dict[str, Any]:
    return {"kind": "project_role", "role": role}


def step(
    name: str,
    approvers: list[dict[str, Any]],
    mode: str = "any",
    due_days: int = 2,
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "mode": mode,
        "due_days": due_days,
        "approvers": approvers,
        "condition": condition,
    }


def save_chain(
    actor: User,
    code: str,
    steps: list[dict[str, Any]],
    *,
    self_approval: str = "escalate",
    escalate_after_days: int = 2,
    name: str = "测试审批",
) -> Chain:
    return chain_save(
        actor=actor,
        code=code,
        name=name,
        subject_kind_code=TRANSITION,
        steps=steps,
        self_approval=self_approval,
        escalate_after_days=escalate_after_days,
    )


def submit(
    chain: Chain,
    project: Project,
    actor: User,
    *,
    code: str = "cancel",
    reason: str = "客户取消合同",
    comment: str = "",
) -> ApprovalRequest:
    return approval_submit(
        actor=actor,
        chain_code=chain.code,
        subject_kind_code=TRANSITION,
        subject_id=project.pk,
        project=project,
        payload={"code": code, "reason": reason},
        title=f"{project}: {code}",
        comment=comment,
    )


def steps_of(request: ApprovalRequest, round: int | None = None) -> list[RequestStep]:
    return list(
        RequestStep.objects.filter(request=request, round=round or request.round).order_by("index")
    )


def tasks_of(step: RequestStep) -> list[ApprovalTask]:
    return list(step.tasks.select_related("assignee").order_by("position", "id"))


def assignees(step: RequestStep, *statuses: str) -> list[User]:
    """The step's task assignees in order, optionally only the tasks in `statuses`."""
    return [t.assignee for t in tasks_of(step) if not statuses or t.status in statuses]


def task_for(request: ApprovalRequest, user: User, *statuses: str) -> ApprovalTask:
    """The one task of `user` in the request's current round (open by default)."""
    statuses = statuses or (TaskStatus.WAITING, TaskStatus.PENDING)
    return ApprovalTask.objects.get(
        request=request, step__round=request.round, assignee=user, status__in=statuses
    )


def approve_as(request: ApprovalRequest, user: User, **kwargs: Any) -> ApprovalRequest:
    return task_approve(actor=user, task_id=task_for(request, user).pk, **kwargs)


def approve_request(request: ApprovalRequest) -> ApprovalRequest:
    """Approve the request's pending tasks one by one, each as its approver, until it closes;
    a step that asks for a form is answered (conftest's `answers_for`)."""
    for _ in range(50):
        request.refresh_from_db()
        task = (
            ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING)
            .select_related("assignee", "step", "request")
            .order_by("id")
            .first()
        )
        if task is None:
            break
        task_approve(actor=task.assignee, task_id=task.pk, form=answers_for(task))
    request.refresh_from_db()
    return request


def actions(request: ApprovalRequest) -> list[str]:
    return list(
        ApprovalEvent.objects.filter(request=request)
        .order_by("id")
        .values_list("action", flat=True)
    )
