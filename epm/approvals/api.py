"""API endpoints for approvals: inbox, requests and their actions, chains, delegations.

Every action is fetch-check-call: the caller must be able to see the task or request (else the
same 404 as a missing one), then one service takes the action and re-checks everything inside
its lock (403 for someone who sees it but may not act, 409 for a decision already taken).
"""

from __future__ import annotations

import functools
import re
from typing import TypeVar

import pydantic
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile

from epm.core.api import PageQuery, paginate, resolve
from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import User
from epm.core.schemas import SLUG, ObjectId
from epm.projects.models import Project

from . import rules, selectors, services
from .models import (
    ApprovalAttachment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    Delegation,
)
from .schemas import (
    ApproveIn,
    BatchApproveIn,
    BatchApproveOut,
    ChainCreateIn,
    ChainDetailOut,
    ChainIn,
    ChainOut,
    CommentIn,
    DelegationIn,
    DelegationOut,
    EventOut,
    PreviewStepOut,
    RequestDetailOut,
    RequestPage,
    UserCommentIn,
    WaitingPage,
    decision_body,
)
from .selectors import Tab
from .stepforms import form_of

router = Router(tags=["approvals"])


def _user(user_id: int | None, field: str) -> User | None:
    return resolve(User, user_id, field=field)


def _someone(user_id: int, field: str) -> User:
    return resolve(User, user_id, field=field)


# --- inbox ---------------------------------------------------------------------------------


class InboxQuery(PageQuery):
    tab: Tab = Tab.WAITING


def _waiting_row(user: User, task: ApprovalTask) -> dict:
    request = task.request
    return {
        "id": task.pk,
        "request_id": request.pk,
        "title": request.title,
        "chain": request.chain,
        "step": task.step.name,
        "assignee": task.assignee,
        "on_behalf_of": None if task.assignee_id == user.pk else task.assignee,
        "submitter": request.submitter,
        "project": request.project,
        "submitted_at": request.submitted_at,
        "due_at": task.due_at,
        "batchable": services.task_batchable(task),
    }


@router.get("/inbox", response=WaitingPage | RequestPage)
def inbox(request, query: Query[InboxQuery]):
    """`tab=waiting` (待我审批) lists tasks to decide; `started`, `done` and `copied` list
    requests. `counts` holds what the tab badges show."""
    user = request.auth
    if query.tab == Tab.WAITING:
        result = paginate(selectors.waiting_tasks(user), query)
        result["items"] = [_waiting_row(user, task) for task in result["items"]]
    else:
        result = paginate(selectors.inbox_requests(user, query.tab), query)
    counts = {str(tab): count for tab, count in selectors.tab_counts(user).items()}
    return {**result, "tab": query.tab.value, "counts": counts}


# --- one request ---------------------------------------------------------------------------


def _request_detail(user: User, request: ApprovalRequest) -> dict:
    view = selectors.request_view(user, request)
    step_views = [s for steps in view.rounds.values() for s in steps]
    for s in step_views:
        s.step.ordered_tasks = s.tasks  # see StepOut.resolve_tasks
    tasks = [task for s in step_views for task in s.tasks]
    # Who decided and who it escalated to, in one query rather than one per task.
    people = User.objects.in_bulk(
        {t.decided_by_id for t in tasks if t.decided_by_id}
        | {t.escalated_to_id for t in tasks if t.escalated_to_id}
    )
    for task in tasks:
        task.decided_by = people.get(task.decided_by_id)
        task.escalated_to = people.get(task.escalated_to_id)
    rounds = [
        {"round": number, "steps": [s.step for s in steps]}
        for number, steps in sorted(view.rounds.items())
    ]
    return {
        "id": request.pk,
        "title": request.title,
        "status": request.status,
        "status_label": str(request.get_status_display()),
        "round": request.round,
        "chain": request.chain,
        "version": request.version.number,
        "submitter": request.submitter,
        "project": request.project,
        "submitted_at": request.submitted_at,
        "finished_at": request.finished_at,
        "subject_kind": request.subject_kind,
        "subject_url": view.subject_url,
        "summary": [{"label": str(k), "value": str(v)} for k, v in view.summary],
        "rounds": rounds,
        "events": view.events,
        "my_tasks": [
            {
                "id": t.pk,
                "step": t.step.name,
                "assignee": t.assignee,
                "on_behalf_of": None if t.assignee_id == user.pk else t.assignee,
                "form": _form_out(request.subject_kind, t.step.form),
            }
            for t in view.my_tasks
        ],
        "can_withdraw": view.can_withdraw,
        "can_resubmit": view.can_resubmit,
        "can_urge": view.can_urge,
        "batchable": view.batchable,
    }


def _form_out(kind_code: str, code: str) -> dict | None:
    spec = form_of(kind_code, code) if code else None
    if spec is None:
        return None
    return {
        "code": spec.code,
        "label": str(spec.label),
        "fields": [
            {
                "name": f.name,
                "label": str(f.label),
                "kind": f.kind,
                "low": f.low,
                "high": f.high,
                "required": f.required,
            }
            for f in spec.fields
        ],
    }


def _detail(user: User, request_id: int) -> dict:
    return _request_detail(user, selectors.access_request(user, request_id))


@router.get("/requests/{request_id}", response=RequestDetailOut)
def request_detail(request, request_id: int):
    """The request, its steps and tasks per round, its history, and what the caller may do."""
    return _detail(request.auth, request_id)


# --- decisions on a task -------------------------------------------------------------------


def _visible_task(user: User, task_id: int) -> int:
    """The request id of a task the user can see; the same 404 for missing and invisible, so
    the body (which may name users) is looked at only after that."""
    task = ApprovalTask.objects.filter(pk=task_id).only("request_id").first()
    if task is None or not rules.may_view_request(user, task.request_id):
        raise NotFound()
    return task.request_id


In = TypeVar("In", bound=Schema)


@functools.cache
def _body_model(schema: type[In]) -> type[pydantic.BaseModel]:
    """What ninja validates a JSON body against for a `payload: schema` parameter."""
    return pydantic.create_model(f"{schema.__name__}Body", payload=(schema, ...))


def _invalid(error: pydantic.ValidationError, source: str) -> ValidationError:
    """A pydantic error reported as ninja reports a parameter's (a 422 `validation_error`)."""
    errors = []
    for item in error.errors(include_url=False):
        item.pop("input", None)
        if isinstance(item.get("ctx", {}).get("error"), Exception):
            item["ctx"]["error"] = str(item["ctx"]["error"])
        errors.append({**item, "loc": (source, *item["loc"])})
    return ValidationError(errors)


def _decision_body(request, schema: type[In]) -> tuple[In, list[UploadedFile]]:
    """The body of a decision, read only once the task is known to be visible: JSON, read
    exactly as ninja reads a `payload: schema` parameter, or multipart/form-data with the same
    fields plus any number of `files`, the attachments (see `schemas.decision_body`)."""
    from epm.api import api  # its parser refuses NUL characters (a circular import at the top)

    if request.content_type == "multipart/form-data":
        try:
            fields = api.parser.parse_querydict(request.POST, [], request)
            files = request.FILES.getlist("files")
        except RequestDataTooBig:
            raise  # the API's 413
        except (MultiPartParserError, SuspiciousOperation) as exc:
            raise HttpError(400, _("Cannot parse request body")) from exc
        # A form cannot send null: an empty field is one left out.
        data = {name: value for name, value in fields.items() if value != ""}
        try:
            return schema.model_validate(data, context={"request": request}), files
        except pydantic.ValidationError as exc:
            raise _invalid(exc, "form") from None
    data = {}
    if request.body:
        try:
            data = {"payload": api.parser.parse_body(request)}
        except Exception as exc:  # as ninja: a NUL character is unwrapped by the API's handler
            raise HttpError(400, _("Cannot parse request body")) from exc
    try:
        body = _body_model(schema).model_validate(data, context={"request": request})
    except pydantic.ValidationError as exc:
        raise _invalid(exc, "body") from None
    return body.payload, []


@router.post(
    "/tasks/{task_id}/approve",
    response=RequestDetailOut,
    openapi_extra={"requestBody": decision_body(ApproveIn)},
)
def task_approve(request, task_id: int):
    """Approve; `add_after` also asks another user to decide after you (后加签). JSON, or
    multipart/form-data with the same fields and any number of `files` (attachments)."""
    request_id = _visible_task(request.auth, task_id)
    payload, files = _decision_body(request, ApproveIn)
    add_after = _user(payload.add_after, "add_after")
    services.task_approve(
        actor=request.auth,
        task_id=task_id,
        comment=payload.comment,
        files=files,
        add_after=add_after,
        form=payload.form,
    )
    return _detail(request.auth, request_id)


@router.post(
    "/tasks/{task_id}/reject",
    response=RequestDetailOut,
    openapi_extra={"requestBody": decision_body(CommentIn)},
)
def task_reject(request, task_id: int):
    """Reject (a comment is required): the request ends. JSON, or multipart/form-data with
    `comment` and any number of `files` (attachments)."""
    request_id = _visible_task(request.auth, task_id)
    payload, files = _decision_body(request, CommentIn)
    services.task_reject(actor=request.auth, task_id=task_id, comment=payload.comment, files=files)
    return _detail(request.auth, request_id)


@router.post(
    "/tasks/{task_id}/return",
    response=RequestDetailOut,
    openapi_extra={"requestBody": decision_body(CommentIn)},
)
def task_return(request, task_id: int):
    """Return to the submitter (退回, a comment is required), who may edit and resubmit. JSON,
    or multipart/form-data with `comment` and any number of `files` (attachments)."""
    request_id = _visible_task(request.auth, task_id)
    payload, files = _decision_body(request, CommentIn)
    services.task_return(actor=request.auth, task_id=task_id, comment=payload.comment, files=files)
    return _detail(request.auth, request_id)


@router.post("/tasks/{task_id}/transfer", response=RequestDetailOut)
def task_transfer(request, task_id: int, payload: UserCommentIn):
    """Hand the decision to `user` (转交)."""
    request_id = _visible_task(request.auth, task_id)
    user = _someone(payload.user, "user")
    services.task_transfer(actor=request.auth, task_id=task_id, user=user, comment=payload.comment)
    return _detail(request.auth, request_id)


@router.post("/tasks/{task_id}/add-before", response=RequestDetailOut)
def task_add_before(request, task_id: int, payload: UserCommentIn):
    """Ask `user` to decide before you (前加签); your task waits for theirs."""
    request_id = _visible_task(request.auth, task_id)
    user = _someone(payload.user, "user")
    services.task_add_before(
        actor=request.auth, task_id=task_id, user=user, comment=payload.comment
    )
    return _detail(request.auth, request_id)


@router.post("/batch-approve", response=BatchApproveOut)
def batch_approve(request, payload: BatchApproveIn):
    """Approve several simple requests at once; each succeeds or fails on its own."""
    results = services.batch_approve(
        actor=request.auth, task_ids=payload.task_ids, comment=payload.comment
    )
    rows = [
        {"task_id": task_id, "ok": code == "ok", "code": code, "message": message}
        for task_id, code, message in results
    ]
    return {"approved": sum(row["ok"] for row in rows), "results": rows}


# --- the submitter's actions and comments --------------------------------------------------


@router.post("/requests/{request_id}/withdraw", response=RequestDetailOut)
def request_withdraw(request, request_id: int, payload: CommentIn):
    """Withdraw your request (撤回) before anyone has decided in this round."""
    selectors.access_request(request.auth, request_id)
    services.request_withdraw(actor=request.auth, request_id=request_id, comment=payload.comment)
    return _detail(request.auth, request_id)


@router.post("/requests/{request_id}/resubmit", response=RequestDetailOut)
def request_resubmit(request, request_id: int, payload: CommentIn):
    """Send a request returned to you through its chain again (a new round)."""
    selectors.access_request(request.auth, request_id)
    services.request_resubmit(actor=request.auth, request_id=request_id, comment=payload.comment)
    return _detail(request.auth, request_id)


@router.post("/requests/{request_id}/urge", response=RequestDetailOut)
def request_urge(request, request_id: int, payload: CommentIn):
    """Remind the approvers now deciding (催办); 429 when urged too recently."""
    selectors.access_request(request.auth, request_id)
    services.request_urge(actor=request.auth, request_id=request_id, comment=payload.comment)
    return _detail(request.auth, request_id)


@router.post("/requests/{request_id}/comments", response={201: EventOut})
def request_comment(
    request,
    request_id: int,
    comment: Form[str] = "",
    files: File[list[UploadedFile] | None] = None,
):
    """A comment with attachments (multipart: `comment` and any number of `files`), by anyone
    who can see the request."""
    selectors.access_request(request.auth, request_id)
    event = services.request_comment(
        actor=request.auth, request_id=request_id, comment=comment, files=files or []
    )
    event = (
        ApprovalEvent.objects.select_related("actor", "on_behalf_of", "other")
        .prefetch_related("attachments")
        .get(pk=event.pk)
    )
    return Status(201, event)


@router.get(
    "/attachments/{attachment_id}",
    url_name="approvals_attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def attachment_download(request, attachment_id: int):
    """Download an attachment of a request the caller can see (404 otherwise)."""
    attachment = ApprovalAttachment.objects.select_related("event").filter(pk=attachment_id).first()
    if attachment is None or not rules.may_view_request(request.auth, attachment.event.request_id):
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound() from None
    # Always a download of opaque bytes: an uploaded "text/html" must never render in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )


# --- chains (the PMO administrator's) -------------------------------------------------------


def _chain(user: User, code: str) -> Chain:
    if not re.fullmatch(SLUG, code) or len(code) > 60:
        raise NotFound()
    return selectors.access_chain(user, code)


def _chain_detail(chain: Chain) -> dict:
    chain = selectors.chain_list().get(pk=chain.pk)
    version = chain.current_version
    return {
        "code": chain.code,
        "name": chain.name,
        "name_en": chain.name_en,
        "subject_kind": chain.subject_kind,
        "description": chain.description,
        "is_active": chain.is_active,
        "version": version.number if version else None,
        "steps": version.steps if version else [],
        "cc": version.cc if version else [],
        "self_approval": version.self_approval if version else "escalate",
        "escalate_after_days": version.escalate_after_days if version else 2,
        "versions": list(chain.versions.select_related("created_by").order_by("-number")),
    }


def _require_chain_editor(user: User) -> None:
    if not rules.can_edit_chains(user):
        raise PermissionDenied()


@router.get("/chains", response=list[ChainOut])
def chain_list(request):
    """The approval chains (PMO administrator)."""
    _require_chain_editor(request.auth)
    return list(selectors.chain_list())


@router.post("/chains", response={201: ChainDetailOut})
def chain_create(request, payload: ChainCreateIn):
    """Create a chain with its first version."""
    _require_chain_editor(request.auth)
    if Chain.objects.filter(code=payload.code).exists():
        raise ApplicationError(
            _("A chain with the code %(code)s exists already.") % {"code": payload.code},
            "chain_exists",
            status=409,
        )
    fields = payload.dict()
    fields["subject_kind_code"] = fields.pop("subject_kind")
    chain = services.chain_save(actor=request.auth, **fields)
    return Status(201, _chain_detail(chain))


@router.get("/chains/{code}", response=ChainDetailOut)
def chain_detail(request, code: str):
    """The chain, the steps of its current version, and every version."""
    return _chain_detail(_chain(request.auth, code))


@router.put("/chains/{code}", response=ChainDetailOut)
def chain_update(request, code: str, payload: ChainIn):
    """Save the chain; changed steps or policies make a new version (running requests keep
    theirs). Invalid steps are a 400 whose `detail` lists every problem."""
    chain = _chain(request.auth, code)
    chain = services.chain_save(actor=request.auth, code=chain.code, **payload.dict())
    return _chain_detail(chain)


class PreviewQuery(Schema):
    project: ObjectId
    submitter: ObjectId | None = None


@router.get("/chains/{code}/preview", response=list[PreviewStepOut])
def chain_preview(request, code: str, query: Query[PreviewQuery]):
    """Who would approve each step if `submitter` (default: you) asked about `project` now."""
    chain = _chain(request.auth, code)
    project = resolve(Project, query.project, field="project")
    submitter = _user(query.submitter, "submitter")
    steps = services.chain_preview(
        viewer=request.auth, chain=chain, project=project, submitter=submitter
    )
    return [
        {
            "index": step.index,
            "name": step.name,
            "mode": step.mode,
            "due_days": step.due_days,
            "skipped": step.skipped,
            "skip_reason": step.skip_reason,
            "approvers": step.approvers,
            "error": step.error.message if step.error else None,
            "error_code": step.error.code if step.error else None,
        }
        for step in steps
    ]


# --- delegations ---------------------------------------------------------------------------


@router.get("/delegations", response=list[DelegationOut])
def delegation_list(request, user: ObjectId | None = None):
    """Delegations from and to you; `user=` another person's (PMO or system administrator)."""
    person = request.auth
    if user is not None and user != request.auth.pk:
        if not rules.can_manage_delegations_of_others(request.auth):
            raise PermissionDenied()
        person = _user(user, "user")
    return list(selectors.delegations_of(person)[:500])


@router.post("/delegations", response={201: DelegationOut})
def delegation_create(request, payload: DelegationIn):
    """Let `delegate` decide your approvals (or `user`'s) from `starts_on` to `ends_on`."""
    delegation = services.delegation_create(
        actor=request.auth,
        delegate=_someone(payload.delegate, "delegate"),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        note=payload.note,
        user=_user(payload.user, "user"),
    )
    return Status(201, Delegation.objects.select_related("user", "delegate").get(pk=delegation.pk))


@router.post("/delegations/{delegation_id}/cancel", response=DelegationOut)
def delegation_cancel(request, delegation_id: int):
    delegation = services.delegation_cancel(actor=request.auth, delegation_id=delegation_id)
    return Delegation.objects.select_related("user", "delegate").get(pk=delegation.pk)
