"""Approval pages: the inbox and one request with the actions its viewer may take (delegations
and the chain editor: setup_views.py). Views fetch through accessors, call one service, and
redirect.

Someone who may not see a request gets the 404 page for it and for everything under it;
someone who sees it but may not take an action gets the 403 page (the engine raises
PermissionDenied, the ApplicationErrorMiddleware renders it). Any other refusal — a decision
already taken, a missing reason — comes back as a message on the request's page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import User

from . import rules, selectors, services
from .forms import (
    ApproveForm,
    CommentForm,
    NoteForm,
    PersonForm,
    ReasonForm,
)
from .models import (
    Action,
    ApprovalAttachment,
    ApprovalRequest,
    ApprovalTask,
    RequestStatus,
    RequestStep,
    StepStatus,
    TaskStatus,
)
from .selectors import Tab
from .stepforms import StepForm, form_of

PAGE_SIZE = 25

TAB_LABELS = {
    Tab.WAITING: gettext_lazy("Waiting for me"),
    Tab.STARTED: gettext_lazy("Started by me"),
    Tab.DONE: gettext_lazy("Done by me"),
    Tab.COPIED: gettext_lazy("Copied to me"),
}


def render_page(request, template: str, context: dict[str, Any], *, status: int = 200):
    """Every approvals list page shows the same sub-navigation (chains only for their editor)."""
    context = {**context, "can_edit_chains": rules.can_edit_chains(request.user)}
    return render(request, template, context, status=status)


# --- Inbox ---------------------------------------------------------------------------------------


@dataclass
class InboxRow:
    request: ApprovalRequest
    task: ApprovalTask | None = None
    step_name: str = ""
    due_at: Any = None
    overdue: bool = False
    on_behalf_of: User | None = None
    batchable: bool = False


def _task_row(task: ApprovalTask, viewer: User, now) -> InboxRow:
    return InboxRow(
        request=task.request,
        task=task,
        step_name=task.step.name,
        due_at=task.due_at,
        overdue=bool(task.due_at and task.due_at < now),
        on_behalf_of=task.assignee if task.assignee_id != viewer.pk else None,
        batchable=services.task_batchable(task),
    )


def _request_row(approval: ApprovalRequest, now) -> InboxRow:
    active = getattr(approval, "active_steps", [])
    dues = [s.due_at for s in active if s.due_at]
    due = min(dues) if dues else None
    return InboxRow(
        request=approval,
        step_name=" · ".join(s.name for s in active),
        due_at=due,
        overdue=bool(due and due < now and approval.status == RequestStatus.PENDING),
    )


@login_required
def inbox(request):
    """待我审批 / 我发起的 / 我已处理 / 抄送我."""
    try:
        tab = Tab(request.GET.get("tab") or Tab.WAITING)
    except ValueError:
        tab = Tab.WAITING
    text = (request.GET.get("q") or "").strip()[:100]
    now = timezone.now()
    page: Any
    if tab == Tab.WAITING:
        tasks = selectors.waiting_tasks(request.user)
        if text:
            tasks = tasks.filter(
                Q(request__title__icontains=text) | Q(request__project__number__icontains=text)
            )
        page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_task_row(task, request.user, now) for task in page]
    else:
        found = selectors.inbox_requests(request.user, tab).prefetch_related(
            Prefetch(
                "steps",
                queryset=RequestStep.objects.filter(status=StepStatus.ACTIVE),
                to_attr="active_steps",
            )
        )
        if text:
            found = found.filter(Q(title__icontains=text) | Q(project__number__icontains=text))
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_request_row(approval, now) for approval in page]
    counts = selectors.tab_counts(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        "approvals/inbox.html",
        {
            "tab": tab,
            "tabs": [(t.value, TAB_LABELS[t], counts.get(t, 0)) for t in Tab],
            "page": page,
            "rows": rows,
            "text": text,
            "query": query.urlencode(),
            "any_batchable": any(row.batchable for row in rows),
            "batchable_ids": json.dumps(
                [str(row.task.pk) for row in rows if row.batchable and row.task]
            ),
        },
    )


@login_required
@require_POST
def batch_approve(request):
    ids = [int(v) for v in request.POST.getlist("task") if v.isdigit()]
    back = f"{reverse('approvals:inbox')}?tab={Tab.WAITING}"
    if not ids:
        messages.error(request, _("Choose the requests to approve."))
        return redirect(back)
    results = services.batch_approve(
        actor=request.user, task_ids=ids, comment=request.POST.get("comment", "")
    )
    done = sum(1 for _task, code, _message in results if code == "ok")
    if done:
        messages.success(
            request,
            ngettext("%(n)d request approved.", "%(n)d requests approved.", done) % {"n": done},
        )
    for message in dict.fromkeys(m for _task, code, m in results if code != "ok"):
        messages.error(request, message)
    return redirect(back)


# --- One request ---------------------------------------------------------------------------------


@dataclass
class TaskForms:
    task: ApprovalTask
    on_behalf_of: User | None
    approve: ApproveForm
    reject: ReasonForm
    give_back: ReasonForm
    transfer: PersonForm
    add_before: PersonForm
    step_form: StepForm | None = None


def _task_forms(task: ApprovalTask, viewer: User) -> TaskForms:
    def ids(name: str) -> str:
        return f"id_t{task.pk}_{name}_%s"

    return TaskForms(
        task=task,
        on_behalf_of=task.assignee if task.assignee_id != viewer.pk else None,
        approve=ApproveForm(auto_id=ids("approve")),
        reject=ReasonForm(auto_id=ids("reject")),
        give_back=ReasonForm(auto_id=ids("return")),
        transfer=PersonForm(auto_id=ids("transfer")),
        add_before=PersonForm(auto_id=ids("add")),
        step_form=form_of(task.request.subject_kind, task.step.form) if task.step.form else None,
    )


@login_required
def request_detail(request, request_id: int):
    approval = selectors.access_request(request.user, request_id)
    view = selectors.request_view(request.user, approval)
    starts = {
        event.round: event
        for event in view.events
        if event.action in (Action.SUBMIT, Action.RESUBMIT)
    }
    for steps in view.rounds.values():
        for sv in steps:
            # A return ends its round with the step cancelled; show it as the return it was.
            returned = any(t.status == TaskStatus.RETURNED for t in sv.tasks)
            sv.outcome = "returned" if returned else sv.step.status  # type: ignore[attr-defined]
    rounds = [
        (number, steps, number == approval.round, starts.get(number))
        for number, steps in sorted(view.rounds.items(), reverse=True)
    ]
    submitter_actions = [
        (code, label, style, hint)
        for code, label, style, hint, allowed in (
            (
                "resubmit",
                _("Resubmit"),
                "primary",
                _("The approval starts again from the first step."),
                view.can_resubmit,
            ),
            (
                "urge",
                _("Urge"),
                "outline-primary",
                _("The approvers deciding now get a reminder."),
                view.can_urge,
            ),
            (
                "withdraw",
                _("Withdraw"),
                "danger",
                _("The request ends; you can submit again later."),
                view.can_withdraw,
            ),
        )
        if allowed
    ]
    return render(
        request,
        "approvals/detail.html",
        {
            "approval": approval,
            "view": view,
            "rounds": rounds,
            "now": timezone.now(),
            "task_forms": [_task_forms(task, request.user) for task in view.my_tasks],
            "submitter_actions": submitter_actions,
            "comment_form": CommentForm(auto_id="id_comment_%s"),
        },
    )


def _act(request, approval: ApprovalRequest, call: Callable[[], object], done: str):
    """Run one engine action and go back to the request's page with what happened.

    Not found / not allowed propagate to the 404 and 403 pages; anything else the engine
    refused (already decided, closed, a reason missing, urged too recently) is a message.
    """
    try:
        call()
    except ApplicationError as exc:
        raise_access_errors(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("approvals:detail", approval.pk)


def raise_access_errors(exc: ApplicationError) -> None:
    """Show the 404 and 403 pages also for refusals the engine raises as plain errors with
    those statuses (it reports "not found" that way in places)."""
    if isinstance(exc, NotFound | PermissionDenied):
        raise exc
    if exc.status == 404:
        raise NotFound() from exc
    if exc.status == 403:
        raise PermissionDenied(exc.message) from exc


def _form_problem(request, approval: ApprovalRequest, form) -> Any:
    errors = [str(e) for field in form.errors.values() for e in field]
    messages.error(request, " ".join(errors) or _("Please check the form."))
    return redirect("approvals:detail", approval.pk)


def _step_form_answers(request, approval: ApprovalRequest, task_id: int) -> dict | None:
    """The step form's answers posted as `form-<field>` (None when the step asks for none)."""
    task = approval.tasks.select_related("step").get(pk=task_id)
    spec = form_of(approval.subject_kind, task.step.form) if task.step.form else None
    if spec is None:
        return None
    return {f.name: request.POST.get(f"form-{f.name}") for f in spec.fields}


TASK_ACTIONS = ("approve", "reject", "return", "transfer", "add-before")


@login_required
@require_POST
def task_action(request, request_id: int, task_id: int, action: str):
    """Approve, reject, return, transfer or add an approver before oneself."""
    approval = selectors.access_request(request.user, request_id)
    if action not in TASK_ACTIONS or not approval.tasks.filter(pk=task_id).exists():
        raise NotFound()
    user = request.user
    if action == "approve":
        form: Any = ApproveForm(request.POST, request.FILES)
        if not form.is_valid():
            return _form_problem(request, approval, form)
        data = form.cleaned_data
        return _act(
            request,
            approval,
            lambda: services.task_approve(
                actor=user,
                task_id=task_id,
                comment=data["comment"],
                files=data["files"],
                add_after=data["add_after"],
                form=_step_form_answers(request, approval, task_id),
            ),
            _("Approved."),
        )
    if action in ("reject", "return"):
        form = ReasonForm(request.POST, request.FILES)
        if not form.is_valid():
            return _form_problem(request, approval, form)
        data = form.cleaned_data
        service = services.task_reject if action == "reject" else services.task_return
        return _act(
            request,
            approval,
            lambda: service(
                actor=user, task_id=task_id, comment=data["comment"], files=data["files"]
            ),
            _("Rejected.") if action == "reject" else _("Returned to the submitter."),
        )
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _form_problem(request, approval, form)
    data = form.cleaned_data
    if action == "transfer":
        return _act(
            request,
            approval,
            lambda: services.task_transfer(
                actor=user, task_id=task_id, user=data["user"], comment=data["comment"]
            ),
            _("Transferred to %(user)s.") % {"user": data["user"]},
        )
    return _act(
        request,
        approval,
        lambda: services.task_add_before(
            actor=user, task_id=task_id, user=data["user"], comment=data["comment"]
        ),
        _("%(user)s now decides before you.") % {"user": data["user"]},
    )


SUBMITTER_ACTIONS: dict[str, tuple[Callable[..., object], Any]] = {
    "withdraw": (services.request_withdraw, lambda: _("Withdrawn.")),
    "resubmit": (services.request_resubmit, lambda: _("Resubmitted: the approval starts again.")),
    "urge": (services.request_urge, lambda: _("The approvers were reminded.")),
}


@login_required
@require_POST
def request_action(request, request_id: int, action: str):
    """The submitter's withdraw, resubmit and urge."""
    approval = selectors.access_request(request.user, request_id)
    if action not in SUBMITTER_ACTIONS:
        raise NotFound()
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _form_problem(request, approval, form)
    service, done = SUBMITTER_ACTIONS[action]
    return _act(
        request,
        approval,
        lambda: service(
            actor=request.user, request_id=approval.pk, comment=form.cleaned_data["comment"]
        ),
        done(),
    )


@login_required
@require_POST
def request_comment(request, request_id: int):
    approval = selectors.access_request(request.user, request_id)
    form = CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_problem(request, approval, form)
    return _act(
        request,
        approval,
        lambda: services.request_comment(
            actor=request.user,
            request_id=approval.pk,
            comment=form.cleaned_data["comment"],
            files=form.cleaned_data["files"],
        ),
        _("Comment added."),
    )


@login_required
def attachment_download(request, request_id: int, attachment_id: int):
    """Files are served only through here, to people who may see their request."""
    approval = selectors.access_request(request.user, request_id)
    attachment = ApprovalAttachment.objects.filter(
        pk=attachment_id, event__request=approval
    ).first()
    if attachment is None:
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
