"""Reading approvals: the inbox tabs, one request with everything its page shows, chains."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q, QuerySet

from epm.core.errors import NotFound
from epm.core.models import User

from . import rules
from .models import (
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    Delegation,
    RequestStatus,
    RequestStep,
    TaskStatus,
)
from .services import acting_as
from .stepforms import form_of
from .subjects import is_registered, subject_kind

DECISIONS = (
    Action.APPROVE,
    Action.REJECT,
    Action.RETURN,
    Action.TRANSFER,
    Action.ADD_BEFORE,
    Action.ADD_AFTER,
)


class Tab(StrEnum):
    WAITING = "waiting"  # 待我审批
    STARTED = "started"  # 我发起的
    DONE = "done"  # 我已处理
    COPIED = "copied"  # 抄送我


def waiting_tasks(user: User) -> QuerySet[ApprovalTask]:
    """Tasks waiting for the user's decision: their own, those of people who delegated to them
    today, and those escalated to them."""
    return (
        ApprovalTask.objects.filter(
            status=TaskStatus.PENDING, request__status=RequestStatus.PENDING
        )
        .filter(
            Q(assignee=user)
            | (
                (Q(escalated_to=user) | Q(assignee__in=rules.delegators_of(user).values("user_id")))
                # Standing in for someone never lets a submitter decide their own request.
                & (~Q(request__submitter=user) | Q(request__version__self_approval="allow"))
            )
        )
        .select_related(
            "request",
            "request__submitter",
            "request__project",
            "request__chain",
            "step",
            "assignee",
        )
        .order_by("due_at", "id")
    )


def inbox_requests(user: User, tab: Tab) -> QuerySet[ApprovalRequest]:
    """The requests of one tab except "waiting", which lists tasks (`waiting_tasks`)."""
    qs = ApprovalRequest.objects.select_related("submitter", "project", "chain")
    if tab == Tab.STARTED:
        return qs.filter(submitter=user)
    if tab == Tab.DONE:
        return qs.filter(
            pk__in=ApprovalEvent.objects.filter(actor=user, action__in=DECISIONS).values(
                "request_id"
            )
        )
    if tab == Tab.COPIED:
        return qs.filter(copies__user=user)
    raise ValueError(tab)


def tab_counts(user: User) -> dict[str, int]:
    return {
        Tab.WAITING: waiting_tasks(user).count(),
        Tab.STARTED: inbox_requests(user, Tab.STARTED).filter(status=RequestStatus.PENDING).count(),
        Tab.DONE: inbox_requests(user, Tab.DONE).count(),
        Tab.COPIED: inbox_requests(user, Tab.COPIED).count(),
    }


def access_request(user: User, request_id) -> ApprovalRequest:
    """The request if the user may see it; the same NotFound for missing and forbidden."""
    try:
        request_id = int(request_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = (
        rules.visible_requests(user)
        .select_related("submitter", "project", "chain", "version")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


@dataclass
class StepView:
    step: RequestStep
    tasks: list[ApprovalTask]


@dataclass
class RequestView:
    """Everything the approval page shows, for one viewer."""

    request: ApprovalRequest
    summary: list[tuple[str, str]]
    subject_url: str
    rounds: dict[int, list[StepView]]
    events: list[ApprovalEvent]
    my_tasks: list[ApprovalTask] = field(default_factory=list)  # the viewer may decide these
    can_withdraw: bool = False
    can_resubmit: bool = False
    can_urge: bool = False
    batchable: bool = False


def request_view(user: User, request: ApprovalRequest) -> RequestView:
    kind = subject_kind(request.subject_kind) if is_registered(request.subject_kind) else None
    steps = list(
        RequestStep.objects.filter(request=request).prefetch_related(
            "tasks", "tasks__assignee", "tasks__decided_by", "tasks__escalated_to"
        )
    )
    rounds: dict[int, list[StepView]] = {}
    for step in steps:
        tasks = sorted(step.tasks.all(), key=lambda t: (t.position, t.pk))
        spec = form_of(request.subject_kind, step.form) if step.form else None
        for task in tasks:
            # What the approver filled in (the review board's scores), ready to show.
            task.answer_rows = spec.rows(task.answers) if spec and task.answers else []  # type: ignore[attr-defined]
        rounds.setdefault(step.round, []).append(StepView(step, tasks))
    events = list(
        request.events.select_related("actor", "on_behalf_of", "other").prefetch_related(
            "attachments"
        )
    )
    mine: list[ApprovalTask] = []
    if request.status == RequestStatus.PENDING:
        for task in ApprovalTask.objects.filter(
            request=request, status=TaskStatus.PENDING
        ).select_related("assignee", "step"):
            try:
                acting_as(user, task)
            except Exception:
                continue
            mine.append(task)
    own = request.submitter_id == user.pk
    decided = ApprovalTask.objects.filter(
        request=request,
        step__round=request.round,
        status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED],
    ).exists()
    return RequestView(
        request=request,
        summary=kind.summary(request) if kind else [],
        subject_url=kind.url(request) if kind else "",
        rounds=rounds,
        events=events,
        my_tasks=mine,
        can_withdraw=own
        and (
            request.status == RequestStatus.RETURNED
            or (request.status == RequestStatus.PENDING and not decided)
        ),
        can_resubmit=own and request.status == RequestStatus.RETURNED,
        can_urge=own and request.status == RequestStatus.PENDING,
        batchable=bool(kind and kind.batchable(request)),
    )


def chain_list() -> QuerySet[Chain]:
    return Chain.objects.select_related("current_version").order_by("code")


def access_chain(user: User, code: str) -> Chain:
    chain = chain_list().filter(code=code).first()
    if chain is None or not rules.can_edit_chains(user):
        raise NotFound()
    return chain


def delegations_of(user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(Q(user=user) | Q(delegate=user)).select_related(
        "user", "delegate"
    )
