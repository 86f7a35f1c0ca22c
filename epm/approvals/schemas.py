"""API shapes for approvals: inbox, one request with its history, actions, chains, delegations."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import field_validator

from epm.core.schemas import ObjectId, Page, UserRef
from epm.projects.schemas import ProjectRef

from .services import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_COMMENT

Comment = Annotated[str, Field(max_length=MAX_COMMENT)]


class ChainRef(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


# --- the inbox -----------------------------------------------------------------------------


class WaitingTaskOut(Schema):
    """A task waiting for the caller's decision (their own, a delegator's, or escalated)."""

    id: int = Field(..., description="The task id, for /tasks/{task_id}/… actions.")
    request_id: int
    title: str
    chain: ChainRef
    step: str
    assignee: UserRef
    on_behalf_of: UserRef | None = Field(
        None, description="The approver the caller stands in for (as delegate or escalation head)."
    )
    submitter: UserRef
    project: ProjectRef | None
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    batchable: bool


class _RequestFields(Schema):
    id: int
    title: str
    status: str
    status_label: str
    round: int
    chain: ChainRef
    submitter: UserRef
    project: ProjectRef | None
    submitted_at: dt.datetime
    finished_at: dt.datetime | None


class RequestRowOut(_RequestFields):
    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class WaitingPage(Page):
    tab: Literal["waiting"]
    counts: dict[str, int]
    items: list[WaitingTaskOut]


class RequestPage(Page):
    tab: Literal["started", "done", "copied"]
    counts: dict[str, int]
    items: list[RequestRowOut]


# --- one request -------------------------------------------------------------------------


class SummaryLineOut(Schema):
    label: str
    value: str


class TaskOut(Schema):
    id: int
    assignee: UserRef
    status: str
    status_label: str
    origin: str
    due_at: dt.datetime | None
    escalated_to: UserRef | None
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    comment: str
    answers: dict[str, Any] | None = Field(None, description="The step form, as answered.")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class StepOut(Schema):
    id: int
    index: int
    name: str
    mode: str
    status: str
    status_label: str
    skip_reason: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    form: str = Field("", description="The form its approvers fill in, if any.")
    tasks: list[TaskOut]

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_tasks(obj) -> list:
        return obj.ordered_tasks  # in decision order, set by the API from `request_view`


class RoundOut(Schema):
    round: int
    steps: list[StepOut]


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str = Field(..., description="Where to download it (access-checked).")

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("api:approvals_attachment", kwargs={"attachment_id": obj.pk})


class EventOut(Schema):
    id: int
    action: str
    action_label: str
    actor: UserRef | None
    on_behalf_of: UserRef | None
    other: UserRef | None
    round: int
    comment: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_action_label(obj) -> str:
        return str(obj.get_action_display())


class FormFieldOut(Schema):
    name: str
    label: str
    kind: Literal["score", "check", "text"]
    low: int
    high: int
    required: bool


class StepFormOut(Schema):
    """What the approver fills in when approving (send the answers as `form`)."""

    code: str
    label: str
    fields: list[FormFieldOut]


class MyTaskOut(Schema):
    """A task the caller may decide now on this request."""

    id: int
    step: str
    assignee: UserRef
    on_behalf_of: UserRef | None
    form: StepFormOut | None = None


class RequestDetailOut(_RequestFields):
    version: int
    subject_kind: str
    subject_url: str
    summary: list[SummaryLineOut]
    rounds: list[RoundOut]
    events: list[EventOut]
    my_tasks: list[MyTaskOut]
    can_withdraw: bool
    can_resubmit: bool
    can_urge: bool
    batchable: bool


# --- actions -----------------------------------------------------------------------------


class CommentIn(Schema):
    comment: Comment = ""


class ApproveIn(CommentIn):
    add_after: ObjectId | None = Field(
        None, description="Also ask this user to decide after you (后加签)."
    )
    form: dict[str, Any] | None = Field(
        None,
        description=(
            "Answers to the step's form when it asks for one (`my_tasks[].form` names the "
            "fields), e.g. the review board's scores. In multipart/form-data, a JSON string."
        ),
    )

    @field_validator("form", mode="before")
    @classmethod
    def _form_from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("form must be a JSON object") from None
        return value


class UserCommentIn(CommentIn):
    user: ObjectId


FILES_FIELD = {
    "type": "array",
    "items": {"type": "string", "format": "binary"},
    "title": "Files",
    "description": (
        f"Attachments: at most {MAX_ATTACHMENTS}, each up to "
        f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."
    ),
}


def _form_field(prop: dict[str, Any]) -> dict[str, Any]:
    """A JSON property as a form field: a form cannot send null, only leave the field out."""
    options = [o for o in prop.get("anyOf", ()) if o.get("type") != "null"]
    if len(options) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k != "anyOf"}
    return {**options[0], **rest}


def decision_body(schema: type[Schema]) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a decision that takes `schema` either as JSON or as
    multipart/form-data with the same fields plus any number of `files` (attachments).

    The view reads the body itself (see `api._decision_body`), so ninja documents none."""
    as_json = schema.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
    )
    assert "$defs" not in as_json, "only flat schemas can be inlined here"
    fields = {name: _form_field(prop) for name, prop in as_json["properties"].items()}
    as_form = {
        "title": f"{schema.__name__}Form",
        "type": "object",
        "properties": {**fields, "files": FILES_FIELD},
    }
    return {
        "content": {
            "application/json": {"schema": as_json},
            "multipart/form-data": {"schema": as_form},
        },
        "required": True,
    }


class BatchApproveIn(Schema):
    task_ids: list[ObjectId] = Field(..., min_length=1, max_length=200)
    comment: Comment = ""


class BatchResultOut(Schema):
    task_id: int
    ok: bool
    code: str = Field(..., description='"ok", or the error code of why it was not approved.')
    message: str


class BatchApproveOut(Schema):
    approved: int
    results: list[BatchResultOut]


# --- chains ------------------------------------------------------------------------------


class _ChainFields(Schema):
    code: str
    name: str
    name_en: str
    subject_kind: str
    description: str
    is_active: bool
    version: int | None


class ChainOut(_ChainFields):
    @staticmethod
    def resolve_version(obj) -> int | None:
        return obj.current_version.number if obj.current_version else None


class VersionOut(Schema):
    number: int
    created_at: dt.datetime
    created_by: UserRef | None
    note: str


class ChainDetailOut(_ChainFields):
    steps: list[dict[str, Any]]
    cc: list[dict[str, Any]]
    self_approval: str
    escalate_after_days: int
    versions: list[VersionOut]


STEPS_HELP = (
    'A list of {"name", "mode": "all"|"any"|"sequence", "due_days", "approvers": [rule, …], '
    '"condition": null or {"field", "op", "value"} / {"all"|"any": […]}}; a rule is '
    '{"kind": "project_role", "role"}, {"kind": "department_head", "of": "project"|"submitter", '
    '"levels"}, {"kind": "org_role", "role"} or {"kind": "users", "user_ids": […]}.'
)


class ChainIn(Schema):
    """A new version of a chain; what does not change the steps or policies makes none."""

    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    is_active: bool = True
    steps: list[Any] = Field(..., max_length=100, description=STEPS_HELP)
    cc: list[Any] = Field(default_factory=list, max_length=100, description="Approver rules.")
    self_approval: str = Field("escalate", max_length=10, description="skip, escalate or allow")
    escalate_after_days: int = Field(2, ge=0, le=30)
    note: str = Field("", max_length=200)


class ChainCreateIn(ChainIn):
    code: str = Field(..., min_length=1, max_length=60)
    subject_kind: str = Field(..., min_length=1, max_length=60)


class PreviewStepOut(Schema):
    index: int
    name: str
    mode: str
    due_days: int
    skipped: bool
    skip_reason: str
    approvers: list[UserRef]
    error: str | None
    error_code: str | None


# --- delegations -------------------------------------------------------------------------


class DelegationOut(Schema):
    id: int
    user: UserRef
    delegate: UserRef
    starts_on: dt.date
    ends_on: dt.date
    note: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None


class DelegationIn(Schema):
    delegate: ObjectId
    starts_on: dt.date
    ends_on: dt.date
    note: str = Field("", max_length=200)
    user: ObjectId | None = Field(
        None, description="Whose approvals (default: yours; others' for PMO or system admins)."
    )
