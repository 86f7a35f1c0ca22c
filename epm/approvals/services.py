"""Running approvals: every action is one function that takes effect exactly once.

Each action locks the request row first (`select_for_update`), then re-reads the task it acts on
and checks its state inside the lock. Two approvers of an any-one step, a double click, or a
withdrawal racing an approval therefore serialise on that row: the first wins and the second is
told, in words, what happened instead. On SQLite, writes are serialised by IMMEDIATE transactions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, diff
from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import User
from epm.core.notifications import notify
from epm.core.selectors import head_of_user
from epm.core.sweep import sweep
from epm.core.workcalendar import CalendarCoverageError, get_calendar
from epm.projects.models import Project

from . import rules
from .models import (
    Action,
    ApprovalAttachment,
    ApprovalCopy,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    ChainVersion,
    Delegation,
    Mode,
    RequestStatus,
    RequestStep,
    StepStatus,
    TaskOrigin,
    TaskStatus,
)
from .resolution import SelfApproval
from .stepforms import form_of, forms_for
from .steps import normalise_cc, normalise_steps, people_of, resolve_steps
from .subjects import SubjectKind, is_registered, subject_kind

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_COMMENT = 4000


# --- Chains (definitions) ------------------------------------------------------------------------


def _chain_settings(self_approval: str, escalate_after_days: Any) -> tuple[str, int]:
    if self_approval not in SelfApproval.__members__.values():
        raise ApplicationError(
            _("Unknown self-approval policy: %(p)s") % {"p": self_approval}, "invalid_chain"
        )
    if (
        isinstance(escalate_after_days, bool)
        or not isinstance(escalate_after_days, int)
        or not 0 <= escalate_after_days <= 30
    ):
        raise ApplicationError(
            _("Escalation days must be a whole number from 0 to 30."), "invalid_chain"
        )
    return self_approval, escalate_after_days


def _kind_fields(code: str):
    if not is_registered(code):
        return None, None
    kind = subject_kind(code)
    return kind.fields, kind.choices


@transaction.atomic
def chain_save(
    *,
    actor: User | None,
    code: str,
    name: str,
    subject_kind_code: str = "",
    name_en: str = "",
    description: str = "",
    is_active: bool = True,
    steps: Any,
    cc: Any = None,
    self_approval: str = SelfApproval.ESCALATE,
    escalate_after_days: Any = 2,
    note: str = "",
) -> Chain:
    """Create a chain or save a new version of it; running requests keep their version."""
    if actor is not None and not rules.can_edit_chains(actor):
        raise PermissionDenied()
    name = name.strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            _("A chain needs a name of at most 100 characters."), "name_required"
        )
    policy, escalate = _chain_settings(self_approval, escalate_after_days)
    chain = Chain.objects.select_for_update().filter(code=code).first()
    if chain is None:
        from django.utils.text import slugify

        if not code or slugify(code) != code or len(code) > 60:
            raise ApplicationError(
                _("A chain code uses lower-case letters, digits, - and _."), "invalid_code"
            )
        if not subject_kind_code:
            raise ApplicationError(_("Say what the chain approves."), "subject_required")
        chain = Chain(code=code, subject_kind=subject_kind_code)
    fields, choices = _kind_fields(chain.subject_kind)
    normalised = normalise_steps(
        steps, fields=fields, choices=choices, forms=forms_for(chain.subject_kind)
    )
    copies = normalise_cc(cc)
    before = _chain_state(chain) if chain.pk else {}
    chain.name, chain.name_en = name, name_en.strip()[:100]
    chain.description, chain.is_active = description.strip(), bool(is_active)
    chain.save()
    current = chain.current_version
    same_version = current is not None and (
        current.steps == normalised
        and current.cc == copies
        and current.self_approval == policy
        and current.escalate_after_days == escalate
    )
    if not same_version:
        number = (current.number if current else 0) + 1
        chain.current_version = ChainVersion.objects.create(
            chain=chain,
            number=number,
            steps=normalised,
            cc=copies,
            self_approval=policy,
            escalate_after_days=escalate,
            created_by=actor,
            note=note.strip()[:200],
        )
        chain.save(update_fields=["current_version"])
    changes = diff(before, _chain_state(chain))
    if changes:
        audit_record(actor=actor, action="approvals.chain_save", target=chain, changes=changes)
    return chain


def _chain_state(chain: Chain) -> dict[str, Any]:
    version = chain.current_version
    return {
        "name": chain.name,
        "name_en": chain.name_en,
        "is_active": chain.is_active,
        "version": version.number if version else None,
    }


def chain_preview(
    *, viewer: User, chain: Chain, project: Project, submitter: User | None = None, steps=None
):
    """Who would approve each step if `submitter` asked about `project` now (errors included)."""
    if not rules.can_edit_chains(viewer):
        raise PermissionDenied()
    kind = subject_kind(chain.subject_kind)
    version = chain.current_version
    if steps is None:
        steps = version.steps if version else []
    policy = SelfApproval(version.self_approval if version else SelfApproval.ESCALATE)
    submitter = submitter or viewer
    probe = ApprovalRequest(
        chain=chain, subject_kind=kind.code, subject_id=project.pk, project=project, payload={}
    )
    return resolve_steps(
        steps,
        project=project,
        submitter=submitter,
        values=kind.values(probe),
        fields=kind.fields,
        self_approval=policy,
        collect_errors=True,
    )


# --- Working-day deadlines -----------------------------------------------------------------------


def _due_at(start: dt.datetime, days: int) -> dt.datetime:
    """End of the `days`-th working day after `start` (0: end of that day or the next working
    day). Beyond the years the calendar covers, Monday to Friday stand in, so a request made in
    late December is not refused for want of next year's holiday table."""
    calendar = get_calendar()
    day = timezone.localtime(start, calendar.tz).date()
    try:
        return calendar.end_of_day(calendar.add_working_days(day, days))
    except CalendarCoverageError:
        remaining = days
        while remaining > 0 or day.weekday() >= 5:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return calendar.end_of_day(day)


# --- Submission ----------------------------------------------------------------------------------


def _lock_request(request_id: int) -> ApprovalRequest:
    """Lock a request for an action, after its project.

    Every path that touches both takes the project first: a project transition locks the
    project and then cancels the requests it made pointless, and a final approval changes the
    project; opposite orders would deadlock. `no_key` lets rows that merely point at the
    request (events, tasks) be inserted by others meanwhile.
    """
    project_id = (
        ApprovalRequest.objects.filter(pk=request_id).values_list("project_id", flat=True).first()
    )
    if project_id is not None:
        list(Project.objects.select_for_update(of=("self",)).filter(pk=project_id).values("pk"))
    request = (
        ApprovalRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("chain", "version", "project", "submitter")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound()
    return request


def _event(
    request: ApprovalRequest,
    action: str,
    *,
    actor: User | None,
    task: ApprovalTask | None = None,
    comment: str = "",
    on_behalf_of: User | None = None,
    other: User | None = None,
    files: Sequence[UploadedFile] = (),
) -> ApprovalEvent:
    event = ApprovalEvent.objects.create(
        request=request,
        task=task,
        action=action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        other=other,
        round=request.round,
        comment=comment,
    )
    for upload in files:
        ApprovalAttachment.objects.create(
            event=event,
            file=upload,
            name=(upload.name or "file")[:200],
            size=upload.size or 0,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
        )
    return event


def _clean_comment(comment: str, *, required: bool = False) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ApplicationError(_("Please write a comment."), "comment_required")
    if len(comment) > MAX_COMMENT:
        raise ApplicationError(
            _("A comment has at most %(n)d characters.") % {"n": MAX_COMMENT}, "comment_too_long"
        )
    return comment


def _check_files(files: Sequence[UploadedFile]) -> list[UploadedFile]:
    files = [f for f in files if f]
    if len(files) > MAX_ATTACHMENTS:
        raise ApplicationError(
            _("At most %(n)d attachments at a time.") % {"n": MAX_ATTACHMENTS}, "too_many_files"
        )
    for upload in files:
        if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
            raise ApplicationError(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": upload.name, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
                "file_too_large",
            )
    return files


def approval_submit(
    *,
    actor: User,
    chain_code: str,
    subject_kind_code: str,
    subject_id: int,
    title: str,
    project: Project | None = None,
    payload: dict[str, Any] | None = None,
    comment: str = "",
) -> ApprovalRequest:
    """Start the chain `chain_code` for a subject. Runs inside the caller's transaction when
    there is one (a project transition locks its project first, then calls this)."""
    with transaction.atomic():
        kind = subject_kind(subject_kind_code)
        chain = Chain.objects.select_related("current_version").filter(code=chain_code).first()
        if chain is None or not chain.is_active or chain.current_version is None:
            raise ApplicationError(
                _(
                    "There is no active approval chain “%(code)s”; "
                    "ask the PMO administrator to set it up."
                )
                % {"code": chain_code},
                "no_chain",
            )
        if chain.subject_kind != kind.code:
            raise ApplicationError(
                _("The chain “%(chain)s” does not approve this kind of request.")
                % {"chain": chain},
                "wrong_chain",
            )
        existing = _open_request(chain, kind.code, subject_id)
        if existing is not None:
            raise ApplicationError(
                _("“%(title)s” is already in approval.") % {"title": existing.title},
                "already_in_approval",
                detail={"request": existing.pk},
                status=409,
            )
        request = ApprovalRequest(
            chain=chain,
            version=chain.current_version,
            subject_kind=kind.code,
            subject_id=subject_id,
            project=project,
            payload=payload or {},
            title=title[:200],
            submitter=actor,
            submitted_at=timezone.now(),
        )
        comment = _clean_comment(comment)
        kind.check_submit(request, actor)
        request.values = kind.values(request)
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            raise ApplicationError(
                _("This is already in approval."), "already_in_approval", status=409
            ) from None
        _event(request, Action.SUBMIT, actor=actor, comment=comment)
        _start_round(request, kind, actor)
        audit_record(
            actor=actor,
            action="approvals.submit",
            target=request,
            scope=f"projects.project:{project.pk}" if project else None,
            changes={"request": [None, request.title]},
        )
        return request


def _open_request(chain: Chain, kind_code: str, subject_id: int) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(
        chain=chain,
        subject_kind=kind_code,
        subject_id=subject_id,
        status__in=[RequestStatus.PENDING, RequestStatus.RETURNED],
    ).first()


def _start_round(request: ApprovalRequest, kind: SubjectKind, actor: User) -> None:
    """Resolve every step of the request's version now (an empty step is an error now, not a
    request stuck later), create the steps and tasks of this round and start the first."""
    version = request.version
    project = kind.project(request)
    if project is None:
        raise ApplicationError(_("This request belongs to no project."), "no_project")
    resolved = resolve_steps(
        version.steps,
        project=project,
        submitter=request.submitter,
        values=request.values,
        fields=kind.fields,
        self_approval=SelfApproval(version.self_approval),
    )
    for item, data in zip(resolved, version.steps, strict=True):
        step = RequestStep.objects.create(
            request=request,
            round=request.round,
            index=item.index,
            name=item.name,
            mode=item.mode,
            rule=data["approvers"],
            form=data.get("form", ""),
            due_days=item.due_days,
            status=StepStatus.SKIPPED if item.skipped else StepStatus.WAITING,
            skip_reason=item.skip_reason,
        )
        for position, user in enumerate(item.approvers):
            ApprovalTask.objects.create(
                step=step,
                request=request,
                assignee=user,
                position=position,
                status=TaskStatus.WAITING,
            )
    for data in version.cc:
        try:
            people = people_of([data], project=project, submitter=request.submitter)
        except ApplicationError:
            continue  # a copy nobody can receive does not stop an approval
        for user in people:
            ApprovalCopy.objects.get_or_create(request=request, user=user)
    kind.on_submitted(request, actor)
    _advance(request, kind, actor)


def _current_step(request: ApprovalRequest) -> RequestStep | None:
    return (
        RequestStep.objects.select_for_update()
        .filter(request=request, round=request.round, status=StepStatus.ACTIVE)
        .first()
    )


def _advance(request: ApprovalRequest, kind: SubjectKind, actor: User) -> None:
    """Start the next waiting step, or finish the request as approved when none is left."""
    step = (
        RequestStep.objects.filter(request=request, round=request.round, status=StepStatus.WAITING)
        .order_by("index")
        .first()
    )
    if step is None:
        _finish(request, kind, RequestStatus.APPROVED, actor)
        return
    now = timezone.now()
    step.status = StepStatus.ACTIVE
    step.started_at = now
    step.due_at = _due_at(now, step.due_days)
    step.save(update_fields=["status", "started_at", "due_at"])
    _refresh(step, request)


def _refresh(step: RequestStep, request: ApprovalRequest) -> None:
    """Set which open tasks of the step may decide now, and notify those newly asked."""
    tasks = list(
        ApprovalTask.objects.filter(step=step, status__in=[TaskStatus.WAITING, TaskStatus.PENDING])
        .select_related("assignee")
        .order_by("position", "id")
    )
    open_ids = {t.pk for t in tasks}
    now = timezone.now()
    for index, task in enumerate(tasks):
        # In order: only the first open task decides; otherwise all but those waiting (前加签).
        sequential = step.mode == Mode.SEQUENCE
        should_wait = index > 0 if sequential else task.waits_for_id in open_ids
        target = TaskStatus.WAITING if should_wait else TaskStatus.PENDING
        if task.status == target:
            continue
        task.status = target
        if target == TaskStatus.PENDING:
            task.activated_at = now
            task.due_at = step.due_at if step.due_at and step.due_at > now else None
            task.due_at = task.due_at or _due_at(now, step.due_days)
            task.reminded_at = None
            task.save(update_fields=["status", "activated_at", "due_at", "reminded_at"])
            _ask(task, request)
        else:
            task.save(update_fields=["status"])


def _request_url(request: ApprovalRequest) -> str:
    return reverse("approvals:detail", args=[request.pk])


def _ask(task: ApprovalTask, request: ApprovalRequest) -> None:
    """Tell the approver (and whoever holds their delegation today) that a decision waits."""
    recipients = [task.assignee, *active_delegates(task.assignee)]
    if task.escalated_to is not None:
        recipients.append(task.escalated_to)
    title = request.title
    key = f"approval-task:{task.pk}:{task.activated_at.isoformat() if task.activated_at else ''}"
    url = _request_url(request)
    transaction.on_commit(
        lambda: notify(
            recipients=recipients,
            kind="approval.task",
            title=lambda: _("Please approve: %(title)s") % {"title": title},
            url=url,
            dedupe_key=key,
        )
    )


def _finish(request: ApprovalRequest, kind: SubjectKind, status: str, actor: User) -> None:
    """Close the request with `status` and run the subject's outcome hook in this transaction."""
    now = timezone.now()
    ApprovalTask.objects.filter(
        request=request, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
    ).update(status=TaskStatus.CANCELLED)
    RequestStep.objects.filter(
        request=request, status__in=[StepStatus.WAITING, StepStatus.ACTIVE]
    ).update(status=StepStatus.CANCELLED, finished_at=now)
    request.status = status
    request.finished_at = None if status == RequestStatus.RETURNED else now
    request.save(update_fields=["status", "finished_at"])
    hook = {
        RequestStatus.APPROVED: kind.on_approved,
        RequestStatus.REJECTED: kind.on_rejected,
        RequestStatus.RETURNED: kind.on_returned,
        RequestStatus.WITHDRAWN: kind.on_withdrawn,
    }.get(RequestStatus(status))
    if hook is not None:
        hook(request, actor)
    _tell_outcome(request, status, actor)


OUTCOME_TITLES = {
    RequestStatus.APPROVED: lambda t: _("Approved: %(title)s") % {"title": t},
    RequestStatus.REJECTED: lambda t: _("Rejected: %(title)s") % {"title": t},
    RequestStatus.RETURNED: lambda t: _("Returned to you: %(title)s") % {"title": t},
    RequestStatus.WITHDRAWN: lambda t: _("Withdrawn: %(title)s") % {"title": t},
    RequestStatus.CANCELLED: lambda t: _("Cancelled: %(title)s") % {"title": t},
}


def _tell_outcome(request: ApprovalRequest, status: str, actor: User) -> None:
    title, url = request.title, _request_url(request)
    render = OUTCOME_TITLES[RequestStatus(status)]
    submitter = [request.submitter] if request.submitter_id != actor.pk else []
    key = f"approval:{request.pk}:{request.round}:{status}"
    copies = (
        list(User.objects.filter(approval_copies__request=request))
        if status == RequestStatus.APPROVED
        else []
    )
    transaction.on_commit(
        lambda: notify(
            recipients=[*submitter, *copies],
            kind="approval.outcome",
            title=lambda: render(title),
            url=url,
            dedupe_key=key,
        )
    )


# --- Who may act ---------------------------------------------------------------------------------


def active_delegates(user: User, on: dt.date | None = None) -> list[User]:
    on = on or timezone.localdate()
    return list(
        User.objects.filter(
            delegated_to_me__user=user,
            delegated_to_me__starts_on__lte=on,
            delegated_to_me__ends_on__gte=on,
            delegated_to_me__cancelled_at__isnull=True,
            is_active=True,
        ).distinct()
    )


def acting_as(user: User, task: ApprovalTask) -> User | None:
    """Whom `user` stands in for when deciding `task`: None for the approver themself, the
    approver for a delegate or an escalation head; raises PermissionDenied for anyone else."""
    if task.assignee_id == user.pk:
        return None
    stands_in = task.escalated_to_id == user.pk or any(
        d.pk == user.pk for d in active_delegates(task.assignee)
    )
    if not stands_in:
        raise PermissionDenied(_("Only the approver (or their delegate) can decide this."))
    request = task.request
    if request.submitter_id == user.pk and request.version.self_approval != SelfApproval.ALLOW:
        raise PermissionDenied(
            _("You submitted this request, so you cannot decide it in someone else's place.")
        )
    return task.assignee


def _lock_task(actor: User, task_id: int) -> tuple[ApprovalRequest, ApprovalTask, User | None]:
    """Lock the request of a task, then check the task is the actor's and still waits for them."""
    task = ApprovalTask.objects.filter(pk=task_id).only("request_id").first()
    if task is None or not rules.may_view_request(actor, task.request_id):
        raise NotFound()
    request = _lock_request(task.request_id)
    task = ApprovalTask.objects.select_related("assignee", "step", "decided_by").get(pk=task_id)
    on_behalf_of = acting_as(actor, task)
    if request.status != RequestStatus.PENDING:
        raise ApplicationError(
            _("This request is no longer in approval: it was %(status)s.")
            % {"status": request.get_status_display().lower()},
            "request_closed",
            status=409,
        )
    if task.status == TaskStatus.WAITING:
        raise ApplicationError(
            _("It is not your turn yet: an earlier approver has still to decide."),
            "not_your_turn",
            status=409,
        )
    if task.status != TaskStatus.PENDING:
        raise ApplicationError(_already_decided(task), "already_decided", status=409)
    return request, task, on_behalf_of


def _already_decided(task: ApprovalTask) -> str:
    if task.status == TaskStatus.CANCELLED:
        step = task.step
        winner = (
            ApprovalTask.objects.filter(step=step, status=TaskStatus.APPROVED)
            .exclude(pk=task.pk)
            .select_related("decided_by")
            .order_by("decided_at")
            .first()
        )
        if winner is not None and winner.decided_by is not None:
            return _("%(user)s already decided this step at %(time)s.") % {
                "user": winner.decided_by,
                "time": date_format(timezone.localtime(winner.decided_at), "DATETIME_FORMAT"),
            }
        return _("This decision is no longer needed.")
    when = (
        date_format(timezone.localtime(task.decided_at), "DATETIME_FORMAT")
        if task.decided_at
        else ""
    )
    return _("%(user)s already %(status)s this at %(time)s.") % {
        "user": task.decided_by or task.assignee,
        "status": task.get_status_display().lower(),
        "time": when,
    }


def _close_task(task: ApprovalTask, status: str, actor: User, comment: str) -> None:
    task.status = status
    task.decided_by = actor
    task.decided_at = timezone.now()
    task.comment = comment
    task.save(update_fields=["status", "decided_by", "decided_at", "comment"])


# --- Decisions -----------------------------------------------------------------------------------


def task_approve(
    *,
    actor: User,
    task_id: int,
    comment: str = "",
    files: Sequence[UploadedFile] = (),
    add_after: User | None = None,
    form: Any = None,
) -> ApprovalRequest:
    """Approve; with `add_after`, also ask another approver to decide after oneself (后加签).
    A step that asks for a form (the review board's scores) needs its answers in `form`."""
    with transaction.atomic():
        request, task, on_behalf_of = _lock_task(actor, task_id)
        comment = _clean_comment(comment)
        files = _check_files(files)
        step = RequestStep.objects.select_for_update().get(pk=task.step_id)
        answers = _form_answers(request, step, form)
        if add_after is not None:
            _check_added(request, step, add_after, actor)
        if answers is not None:
            task.answers = answers
            task.save(update_fields=["answers"])
        _close_task(task, TaskStatus.APPROVED, actor, comment)
        _event(
            request,
            Action.APPROVE,
            actor=actor,
            task=task,
            comment=comment,
            on_behalf_of=on_behalf_of,
            files=files,
        )
        if add_after is not None:
            _insert(step, task, add_after, TaskOrigin.ADD_AFTER)
            _event(request, Action.ADD_AFTER, actor=actor, task=task, other=add_after)
        if step.mode == Mode.ANY and task.origin in (TaskOrigin.RULE, TaskOrigin.TRANSFER):
            # One approval satisfies an any-one step; those added after must still decide.
            ApprovalTask.objects.filter(
                step=step, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
            ).exclude(origin=TaskOrigin.ADD_AFTER).update(status=TaskStatus.CANCELLED)
        _settle(step, request, actor)
        return request


def _form_answers(request: ApprovalRequest, step: RequestStep, form: Any) -> dict | None:
    """The cleaned answers to the step's form (None when the step asks for none)."""
    if not step.form:
        return None
    spec = form_of(request.subject_kind, step.form)
    if spec is None:  # the app that declared it is gone: do not block the approval
        return None
    return spec.clean(form)


def _settle(step: RequestStep, request: ApprovalRequest, actor: User) -> None:
    """After a task closed: finish the step when nobody is left, else re-activate tasks."""
    if ApprovalTask.objects.filter(
        step=step, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
    ).exists():
        _refresh(step, request)
        return
    step.status = StepStatus.APPROVED
    step.finished_at = timezone.now()
    step.save(update_fields=["status", "finished_at"])
    _advance(request, subject_kind(request.subject_kind), actor)


def task_reject(
    *, actor: User, task_id: int, comment: str, files: Sequence[UploadedFile] = ()
) -> ApprovalRequest:
    """Reject: the request ends at once, whatever the mode (a reason is required)."""
    return _end_request(actor, task_id, comment, files, Action.REJECT)


def task_return(
    *, actor: User, task_id: int, comment: str, files: Sequence[UploadedFile] = ()
) -> ApprovalRequest:
    """Return to the submitter (退回), who edits and resubmits; the history stays."""
    return _end_request(actor, task_id, comment, files, Action.RETURN)


def _end_request(
    actor: User, task_id: int, comment: str, files: Sequence[UploadedFile], action: Action
) -> ApprovalRequest:
    """A decision that ends the request for everyone: a rejection or a return, with a reason."""
    rejected = action == Action.REJECT
    with transaction.atomic():
        request, task, on_behalf_of = _lock_task(actor, task_id)
        comment = _clean_comment(comment, required=True)
        files = _check_files(files)
        _close_task(task, TaskStatus.REJECTED if rejected else TaskStatus.RETURNED, actor, comment)
        if rejected:
            RequestStep.objects.filter(pk=task.step_id).update(
                status=StepStatus.REJECTED, finished_at=timezone.now()
            )
        _event(
            request,
            action,
            actor=actor,
            task=task,
            comment=comment,
            on_behalf_of=on_behalf_of,
            files=files,
        )
        outcome = RequestStatus.REJECTED if rejected else RequestStatus.RETURNED
        _finish(request, subject_kind(request.subject_kind), outcome, actor)
        return request


def _check_added(request: ApprovalRequest, step: RequestStep, user: User, actor: User) -> None:
    if not user.is_active:
        raise ApplicationError(_("%(u)s is not an active user.") % {"u": user}, "inactive_user")
    if user.pk == actor.pk:
        raise ApplicationError(_("Choose someone other than yourself."), "same_user")
    if user.pk == request.submitter_id and request.version.self_approval != SelfApproval.ALLOW:
        raise ApplicationError(
            _("The submitter cannot approve their own request."), "self_approval"
        )
    if ApprovalTask.objects.filter(
        step=step, assignee=user, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
    ).exists():
        raise ApplicationError(
            _("%(u)s is already an approver of this step.") % {"u": user}, "already_approver"
        )


def _insert(step: RequestStep, mine: ApprovalTask, user: User, origin: str) -> ApprovalTask:
    """A new task in `step` just before (前加签) or after (后加签) `mine`."""
    if step.mode == Mode.SEQUENCE:
        position = mine.position if origin == TaskOrigin.ADD_BEFORE else mine.position + 1
        ApprovalTask.objects.filter(step=step, position__gte=position).update(
            position=F("position") + 1
        )
    else:
        position = mine.position
    task = ApprovalTask.objects.create(
        step=step,
        request=step.request,
        assignee=user,
        position=position,
        origin=origin,
        status=TaskStatus.WAITING,
    )
    if origin == TaskOrigin.ADD_BEFORE and step.mode != Mode.SEQUENCE:
        ApprovalTask.objects.filter(pk=mine.pk).update(waits_for=task)
    return task


def task_add_before(*, actor: User, task_id: int, user: User, comment: str = "") -> ApprovalRequest:
    """Ask `user` to decide before oneself (前加签); one's own decision waits for theirs."""
    with transaction.atomic():
        request, task, on_behalf_of = _lock_task(actor, task_id)
        comment = _clean_comment(comment)
        step = RequestStep.objects.select_for_update().get(pk=task.step_id)
        _check_added(request, step, user, actor)
        _insert(step, task, user, TaskOrigin.ADD_BEFORE)
        _event(
            request,
            Action.ADD_BEFORE,
            actor=actor,
            task=task,
            other=user,
            comment=comment,
            on_behalf_of=on_behalf_of,
        )
        _refresh(step, request)
        return request


def task_transfer(*, actor: User, task_id: int, user: User, comment: str = "") -> ApprovalRequest:
    """Hand one's decision to someone else (转交); they take one's place in the step."""
    with transaction.atomic():
        request, task, on_behalf_of = _lock_task(actor, task_id)
        comment = _clean_comment(comment)
        step = RequestStep.objects.select_for_update().get(pk=task.step_id)
        _check_added(request, step, user, actor)
        if user.pk == task.assignee_id:
            raise ApplicationError(_("Choose someone other than the approver."), "same_user")
        _close_task(task, TaskStatus.TRANSFERRED, actor, comment)
        origin = (
            TaskOrigin.TRANSFER
            if task.origin in (TaskOrigin.RULE, TaskOrigin.TRANSFER)
            else task.origin
        )
        successor = ApprovalTask.objects.create(
            step=step,
            request=request,
            assignee=user,
            position=task.position,
            origin=origin,
            waits_for=task.waits_for,
            status=TaskStatus.WAITING,
        )
        ApprovalTask.objects.filter(waits_for=task).update(waits_for=successor)
        _event(
            request,
            Action.TRANSFER,
            actor=actor,
            task=task,
            other=user,
            comment=comment,
            on_behalf_of=on_behalf_of,
        )
        _refresh(step, request)
        return request


# --- The submitter's actions ---------------------------------------------------------------------


def _lock_own(actor: User, request_id: int) -> ApprovalRequest:
    if not rules.may_view_request(actor, request_id):
        raise NotFound()
    request = _lock_request(request_id)
    if request.submitter_id != actor.pk:
        raise PermissionDenied(_("Only the submitter can do this."))
    return request


def request_withdraw(*, actor: User, request_id: int, comment: str = "") -> ApprovalRequest:
    """Withdraw (撤回) before anyone has decided in this round."""
    with transaction.atomic():
        request = _lock_own(actor, request_id)
        comment = _clean_comment(comment)
        if request.status not in (RequestStatus.PENDING, RequestStatus.RETURNED):
            raise ApplicationError(
                _("This request is no longer in approval: it was %(status)s.")
                % {"status": request.get_status_display().lower()},
                "request_closed",
                status=409,
            )
        if request.status == RequestStatus.PENDING:
            decided = (
                ApprovalTask.objects.filter(request=request, step__round=request.round)
                .filter(status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
                .select_related("decided_by")
                .first()
            )
            if decided is not None:
                raise ApplicationError(
                    _("%(user)s has already approved, so it can no longer be withdrawn.")
                    % {"user": decided.decided_by},
                    "already_decided",
                    status=409,
                )
        _event(request, Action.WITHDRAW, actor=actor, comment=comment)
        _finish(request, subject_kind(request.subject_kind), RequestStatus.WITHDRAWN, actor)
        return request


def request_resubmit(*, actor: User, request_id: int, comment: str = "") -> ApprovalRequest:
    """Send a returned request through its chain again, from the first step (a new round)."""
    with transaction.atomic():
        request = _lock_own(actor, request_id)
        comment = _clean_comment(comment)
        if request.status != RequestStatus.RETURNED:
            raise ApplicationError(
                _("Only a request returned to you can be resubmitted."),
                "not_returned",
                status=409,
            )
        return _resubmit(request, actor, comment)


def _resubmit(
    request: ApprovalRequest,
    actor: User,
    comment: str,
    payload: dict[str, Any] | None = None,
    title: str = "",
) -> ApprovalRequest:
    kind = subject_kind(request.subject_kind)
    if payload is not None:
        request.payload = payload
    if title:
        request.title = title[:200]
    if not kind.may_resubmit(request, actor):
        raise PermissionDenied()
    kind.check_submit(request, actor)
    previous = request.submitter
    # Whoever resubmits owns the request from now on: self-approval is judged against them,
    # and they are the one who may withdraw or urge it.
    request.submitter = actor
    request.round += 1
    request.status = RequestStatus.PENDING
    request.values = kind.values(request)
    request.save(update_fields=["round", "status", "values", "payload", "title", "submitter"])
    _event(request, Action.RESUBMIT, actor=actor, comment=comment)
    if previous.pk != actor.pk:
        log.info("request %s resubmitted by %s instead of %s", request.pk, actor.pk, previous.pk)
    _start_round(request, kind, actor)
    return request


def approval_submit_or_resubmit(
    *,
    actor: User,
    chain_code: str,
    subject_kind_code: str,
    subject_id: int,
    title: str,
    project: Project | None = None,
    payload: dict[str, Any] | None = None,
    comment: str = "",
) -> ApprovalRequest:
    """Ask for a subject's approval: resubmit its returned request when there is one (the
    history stays on it), else start the chain afresh."""
    again = request_resubmit_subject(
        actor=actor,
        chain_code=chain_code,
        subject_kind_code=subject_kind_code,
        subject_id=subject_id,
        comment=comment,
        payload=payload,
        title=title,
    )
    if again is not None:
        return again
    return approval_submit(
        actor=actor,
        chain_code=chain_code,
        subject_kind_code=subject_kind_code,
        subject_id=subject_id,
        project=project,
        payload=payload,
        title=title,
        comment=comment,
    )


def request_resubmit_subject(
    *,
    actor: User,
    chain_code: str,
    subject_kind_code: str,
    subject_id: int,
    comment: str = "",
    payload: dict[str, Any] | None = None,
    title: str = "",
) -> ApprovalRequest | None:
    """Resubmit the returned request of a subject, if there is one (None otherwise).

    The caller has checked that the actor may ask for the subject again (a project transition
    checks its own actors), so a PM may resubmit what their assistant first submitted.
    """
    chain = Chain.objects.filter(code=chain_code).first()
    if chain is None:
        return None
    found = ApprovalRequest.objects.filter(
        chain=chain,
        subject_kind=subject_kind_code,
        subject_id=subject_id,
        status=RequestStatus.RETURNED,
    ).first()
    if found is None:
        return None
    with transaction.atomic():
        request = _lock_request(found.pk)
        if request.status != RequestStatus.RETURNED:
            return None
        return _resubmit(request, actor, _clean_comment(comment), payload, title)


def _urge_interval() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "EPM_APPROVAL_URGE_MINUTES", 60))


def request_urge(*, actor: User, request_id: int, comment: str = "") -> ApprovalRequest:
    """Remind the approvers now deciding (催办); at most once per interval per request."""
    with transaction.atomic():
        request = _lock_own(actor, request_id)
        comment = _clean_comment(comment)
        if request.status != RequestStatus.PENDING:
            raise ApplicationError(
                _("This request is no longer in approval: it was %(status)s.")
                % {"status": request.get_status_display().lower()},
                "request_closed",
                status=409,
            )
        now = timezone.now()
        if request.last_urged_at and now < request.last_urged_at + _urge_interval():
            again = timezone.localtime(request.last_urged_at + _urge_interval())
            raise ApplicationError(
                _("You urged this request recently; you can urge again after %(time)s.")
                % {"time": date_format(again, "TIME_FORMAT")},
                "urge_too_soon",
                status=429,
            )
        request.last_urged_at = now
        request.save(update_fields=["last_urged_at"])
        event = _event(request, Action.URGE, actor=actor, comment=comment)
        pending = ApprovalTask.objects.filter(
            request=request, status=TaskStatus.PENDING
        ).select_related("assignee", "escalated_to")
        recipients: list[User] = []
        for task in pending:
            recipients += [task.assignee, *active_delegates(task.assignee)]
            if task.escalated_to:
                recipients.append(task.escalated_to)
        title, url, submitter = request.title, _request_url(request), request.submitter
        transaction.on_commit(
            lambda: notify(
                recipients=recipients,
                kind="approval.urge",
                title=lambda: (
                    _("%(user)s is waiting for your decision: %(title)s")
                    % {"user": submitter, "title": title}
                ),
                body=comment,
                url=url,
                dedupe_key=f"approval-urge:{event.pk}",
            )
        )
        return request


def request_comment(
    *, actor: User, request_id: int, comment: str, files: Sequence[UploadedFile] = ()
) -> ApprovalEvent:
    """A comment (with attachments) by anyone who can see the request."""
    with transaction.atomic():
        if not rules.may_view_request(actor, request_id):
            raise NotFound()
        request = _lock_request(request_id)
        comment = _clean_comment(comment, required=not files)
        files = _check_files(files)
        event = _event(request, Action.COMMENT, actor=actor, comment=comment, files=files)
        recipients = {request.submitter_id} | set(
            ApprovalTask.objects.filter(request=request).values_list("assignee_id", flat=True)
        )
        recipients.discard(actor.pk)
        people = list(User.objects.filter(pk__in=recipients))
        title, url = request.title, _request_url(request)
        transaction.on_commit(
            lambda: notify(
                recipients=people,
                kind="approval.comment",
                title=lambda: (
                    _("%(user)s commented on %(title)s") % {"user": actor, "title": title}
                ),
                body=comment,
                url=url,
                dedupe_key=f"approval-comment:{event.pk}",
            )
        )
        return event


def requests_cancel_for_subject(
    *,
    actor: User | None,
    subject_kind_code: str,
    subject_id: int,
    reason: str,
    keep: Iterable[int] = (),
    only: Iterable[str] | None = None,
) -> int:
    """Cancel the open requests of a subject that no longer make sense (the project moved on).

    `only` limits it to the given chain codes; `keep` names requests to leave alone.
    """
    qs = ApprovalRequest.objects.filter(
        subject_kind=subject_kind_code,
        subject_id=subject_id,
        status__in=[RequestStatus.PENDING, RequestStatus.RETURNED],
    ).exclude(pk__in=list(keep))
    if only is not None:
        qs = qs.filter(chain__code__in=list(only))
    count = 0
    for found in qs:
        request = _lock_request(found.pk)
        if not request.is_open:
            continue
        _event(request, Action.CANCEL, actor=actor, comment=reason)
        now = timezone.now()
        ApprovalTask.objects.filter(
            request=request, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        ).update(status=TaskStatus.CANCELLED)
        RequestStep.objects.filter(
            request=request, status__in=[StepStatus.WAITING, StepStatus.ACTIVE]
        ).update(status=StepStatus.CANCELLED, finished_at=now)
        request.status = RequestStatus.CANCELLED
        request.finished_at = now
        request.save(update_fields=["status", "finished_at"])
        if actor is not None:
            _tell_outcome(request, RequestStatus.CANCELLED, actor)
        count += 1
    return count


# --- Batch ---------------------------------------------------------------------------------------


def task_batchable(task: ApprovalTask) -> bool:
    """Whether the task may be approved from a list: its subject kind allows it and its step
    asks for no form (scores and checks are given on the approval page)."""
    if task.step.form or not is_registered(task.request.subject_kind):
        return False
    return subject_kind(task.request.subject_kind).batchable(task.request)


def batch_approve(
    *, actor: User, task_ids: Iterable[int], comment: str = ""
) -> list[tuple[int, str, str]]:
    """Approve several simple requests; each in its own transaction. Returns, per task,
    (task id, "ok" or an error code, a message)."""
    results: list[tuple[int, str, str]] = []
    for task_id in list(dict.fromkeys(task_ids))[:200]:
        try:
            task = (
                ApprovalTask.objects.select_related(
                    "request", "request__version", "assignee", "step"
                )
                .filter(pk=task_id)
                .first()
            )
            if task is None or not rules.may_view_request(actor, task.request_id):
                raise NotFound()
            acting_as(actor, task)  # someone else's task is refused before anything else
            form = form_of(task.request.subject_kind, task.step.form) if task.step.form else None
            if form is not None:
                raise ApplicationError(
                    _("“%(title)s” asks for %(form)s: open it to fill that in and decide.")
                    % {"title": task.request.title, "form": form.label},
                    "not_batchable",
                )
            if not task_batchable(task):
                raise ApplicationError(
                    _("“%(title)s” needs to be opened and reviewed on its own.")
                    % {"title": task.request.title},
                    "not_batchable",
                )
            task_approve(actor=actor, task_id=task_id, comment=comment)
        except ApplicationError as exc:
            results.append((task_id, exc.code, exc.message))
        else:
            results.append((task_id, "ok", ""))
    return results


# --- Delegation ----------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *,
    actor: User,
    delegate: User,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
    user: User | None = None,
) -> Delegation:
    """`user` (default: the actor) lets `delegate` decide their approvals for a date range."""
    user = user or actor
    if user.pk != actor.pk and not rules.can_manage_delegations_of_others(actor):
        raise PermissionDenied()
    if delegate.pk == user.pk:
        raise ApplicationError(_("You cannot delegate to yourself."), "same_user")
    if user.pk != actor.pk and delegate.pk == actor.pk:
        raise ApplicationError(
            _("An administrator cannot make themself someone else's delegate."), "self_delegate"
        )
    if not delegate.is_active:
        raise ApplicationError(_("%(u)s is not an active user.") % {"u": delegate}, "inactive_user")
    if ends_on < starts_on:
        raise ApplicationError(
            _("The delegation cannot end before it starts."), "ends_before_start"
        )
    if ends_on < timezone.localdate():
        raise ApplicationError(_("The delegation would already be over."), "in_the_past")
    if (ends_on - starts_on).days > 366:
        raise ApplicationError(_("A delegation lasts at most a year."), "too_long")
    overlapping = Delegation.objects.filter(
        user=user, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise ApplicationError(
            _("Another delegation already covers part of these dates."), "overlapping"
        )
    if Delegation.objects.filter(
        user=delegate,
        delegate=user,
        cancelled_at__isnull=True,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).exists():
        raise ApplicationError(
            _("%(u)s has delegated to you for these dates; delegations cannot go in a circle.")
            % {"u": delegate},
            "circular",
        )
    delegation = Delegation.objects.create(
        user=user, delegate=delegate, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:200]
    )
    audit_record(
        actor=actor,
        action="approvals.delegate",
        target=delegation,
        changes={"delegation": [None, f"{delegate} {starts_on} – {ends_on}"]},
    )
    if user.pk != actor.pk:
        transaction.on_commit(
            lambda: notify(
                recipients=[user],
                kind="approval.delegation_set",
                title=lambda: (
                    _("%(admin)s let %(user)s decide your approvals from %(a)s to %(b)s")
                    % {
                        "admin": actor,
                        "user": delegate,
                        "a": starts_on.isoformat(),
                        "b": ends_on.isoformat(),
                    }
                ),
                url=reverse("approvals:delegations"),
                dedupe_key=f"delegation:{delegation.pk}:owner",
            )
        )
    transaction.on_commit(
        lambda: notify(
            recipients=[delegate],
            kind="approval.delegation",
            title=lambda: (
                _("%(user)s asked you to decide their approvals from %(a)s to %(b)s")
                % {"user": user, "a": starts_on.isoformat(), "b": ends_on.isoformat()}
            ),
            url=reverse("approvals:inbox"),
            dedupe_key=f"delegation:{delegation.pk}",
        )
    )
    return delegation


@transaction.atomic
def delegation_cancel(*, actor: User, delegation_id: int) -> Delegation:
    delegation = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
    if delegation is None or (
        delegation.user_id != actor.pk and not rules.can_manage_delegations_of_others(actor)
    ):
        raise NotFound()
    if delegation.cancelled_at is None:
        delegation.cancelled_at = timezone.now()
        delegation.save(update_fields=["cancelled_at"])
        audit_record(
            actor=actor,
            action="approvals.delegation_cancel",
            target=delegation,
            changes={"delegation": [str(delegation), None]},
        )
    return delegation


# --- SLA: reminders and escalation (epm tick) ----------------------------------------------------


def _escalation_time(task: ApprovalTask) -> dt.datetime | None:
    if task.due_at is None:
        return None
    return _due_at(task.due_at, task.request.version.escalate_after_days)


def _escalation_head(task: ApprovalTask) -> User | None:
    """The approver's department head, or the next one up when they head it themself."""
    for levels in range(0, 11):
        try:
            head = head_of_user(task.assignee, levels_up=levels)
        except ApplicationError as exc:
            if exc.code == "no_department_head":
                continue
            return None
        if head.pk not in (task.assignee_id, task.request.submitter_id):
            return head
    return None


def _overdue_title(title: str) -> str:
    return _("Overdue, please decide: %(title)s") % {"title": title}


def _escalated_title(assignee: str, title: str) -> str:
    return _("Escalated to you: %(user)s has not decided %(title)s") % {
        "user": assignee,
        "title": title,
    }


@sweep("approvals.sla")
def approvals_sla(now: dt.datetime) -> int:
    """Remind an approver once when their step is overdue; escalate to their head after the
    chain's further working days. Idempotent: each is claimed by a conditional update."""
    done = 0
    overdue = ApprovalTask.objects.filter(
        status=TaskStatus.PENDING,
        request__status=RequestStatus.PENDING,
        due_at__lt=now,
    ).select_related("assignee", "request", "request__version")
    for task in overdue.filter(reminded_at__isnull=True):
        with transaction.atomic():
            _lock_request(task.request_id)  # the same lock order as a decision
            if not ApprovalTask.objects.filter(
                pk=task.pk, status=TaskStatus.PENDING, reminded_at__isnull=True
            ).update(reminded_at=now):
                continue
            request = task.request
            _event(request, Action.REMIND, actor=None, task=task, other=task.assignee)
            recipients = [task.assignee, *active_delegates(task.assignee)]
            title, url = request.title, _request_url(request)
            notify(
                recipients=recipients,
                kind="approval.overdue",
                title=partial(_overdue_title, title),
                url=url,
                dedupe_key=f"approval-overdue:{task.pk}:{task.activated_at}",
            )
            done += 1
    for task in overdue.filter(escalated_at__isnull=True, reminded_at__isnull=False):
        when = _escalation_time(task)
        if when is None or now < when:
            continue
        head = _escalation_head(task)
        with transaction.atomic():
            _lock_request(task.request_id)
            if not ApprovalTask.objects.filter(
                pk=task.pk, status=TaskStatus.PENDING, escalated_at__isnull=True
            ).update(escalated_at=now, escalated_to=head):
                continue
            request = task.request
            if head is None:
                _event(
                    request,
                    Action.ESCALATE,
                    actor=None,
                    task=task,
                    comment=_("Nobody above the approver to escalate to."),
                )
                continue
            _event(request, Action.ESCALATE, actor=None, task=task, other=head)
            title, url, assignee = request.title, _request_url(request), task.assignee
            notify(
                recipients=[head],
                kind="approval.escalated",
                title=partial(_escalated_title, str(assignee), title),
                url=url,
                dedupe_key=f"approval-escalated:{task.pk}",
            )
            done += 1
    return done


def pending_for_subject(subject_kind_code: str, subject_id: int) -> list[ApprovalRequest]:
    return list(
        ApprovalRequest.objects.filter(
            subject_kind=subject_kind_code,
            subject_id=subject_id,
            status__in=[RequestStatus.PENDING, RequestStatus.RETURNED],
        ).select_related("chain")
    )
