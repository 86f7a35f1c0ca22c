"""API shapes for projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from epm.core.schemas import DepartmentRef, ObjectId, Page, UserRef

from .selectors import ProjectFilterSchema


class ProjectTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class ProjectRef(Schema):
    id: int
    number: str | None
    name: str


class ProjectOut(Schema):
    id: int
    number: str | None
    name: str
    short_name: str
    project_type: str
    status: str
    status_label: str
    customer: str
    department: DepartmentRef
    pm: UserRef | None
    planned_start: dt.date | None
    planned_finish: dt.date | None
    parent: ProjectRef | None
    is_big_project: bool

    @staticmethod
    def resolve_project_type(obj) -> str:
        return obj.project_type.code

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class MemberOut(Schema):
    id: int
    user: UserRef
    role: str


class TransitionOut(Schema):
    code: str
    label: str
    needs_reason: bool
    needs_approval: bool


class OpenApprovalOut(Schema):
    """An approval the project is waiting for (or that was returned for editing)."""

    id: int
    title: str
    chain: str = Field(..., description="The chain's code.")
    chain_name: str
    status: str
    submitted_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    description: str
    contract_number: str
    contract_amount: Decimal | None
    contract_signed_on: dt.date | None
    is_virtual_contract: bool
    contract_initial_acceptance_on: dt.date | None
    contract_final_acceptance_on: dt.date | None
    initial_accepted_on: dt.date | None
    final_accepted_on: dt.date | None
    account_manager: UserRef | None
    assistant: UserRef | None
    status_changed_at: dt.datetime | None
    created_at: dt.datetime
    members: list[MemberOut]
    transitions: list[TransitionOut]
    open_approvals: list[OpenApprovalOut] = Field(
        ...,
        description="Approvals in progress or returned; appoint-pm and gated transitions "
        "start one instead of changing the project at once.",
    )


class ProjectPage(Page):
    items: list[ProjectOut]


class ProjectFilterQuery(ProjectFilterSchema):
    """The list filters as query parameters, ids bounded to what the database can compare."""

    department: ObjectId | None = None
    pm: ObjectId | None = None


class _ProjectFields(Schema):
    short_name: str = Field("", max_length=60)
    description: str = Field("", max_length=20000)
    contract_number: str = Field("", max_length=60)
    contract_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    contract_signed_on: dt.date | None = None
    is_virtual_contract: bool = False
    contract_initial_acceptance_on: dt.date | None = None
    contract_final_acceptance_on: dt.date | None = None
    account_manager_id: int | None = None
    assistant_id: int | None = None
    is_big_project: bool = False
    parent_id: int | None = None
    planned_start: dt.date | None = None
    planned_finish: dt.date | None = None


class ProjectCreateIn(_ProjectFields):
    name: str = Field(..., min_length=1, max_length=200)
    project_type: str = Field(..., max_length=40, description="Project type code")
    customer: str = Field(..., min_length=1, max_length=200)
    department_id: int


class ProjectUpdateIn(_ProjectFields):
    name: str = Field(None, min_length=1, max_length=200)
    customer: str = Field(None, min_length=1, max_length=200)
    department_id: int = None


class TransitionIn(Schema):
    reason: str = Field("", max_length=2000)


class AppointIn(Schema):
    pm_id: int
    short_name: str = Field("", max_length=60)


class MemberIn(Schema):
    user_id: int
    role: str = Field(..., max_length=30)


class HistoryOut(Schema):
    id: int
    at: dt.datetime
    actor: UserRef | None
    action: str
    target_repr: str
    changes: dict
    note: str


class FinalAcceptanceIn(Schema):
    accepted_on: dt.date


# --- Contract intake and PM nomination (R1–R3) ---------------------------------------------------


class DeliverableOut(Schema):
    id: int
    position: int
    name: str
    description: str
    quantity: Decimal | None
    unit: str


class DeliverableIn(Schema):
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    quantity: Decimal | None = Field(None, description="Optional; more than zero, 3 decimals.")
    unit: str = Field("", max_length=20)


class DeliverablePatch(Schema):
    position: int | None = Field(None, ge=0, le=100000)
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    quantity: Decimal | None = None
    unit: str | None = Field(None, max_length=20)


class OutsourcingOut(Schema):
    id: int
    scope: str
    description: str
    supplier: str
    amount: Decimal
    contract_number: str = Field(..., description="The outsourcing contract's number, if signed.")
    status: str = Field(..., description="draft, in_approval, approved or rejected")
    status_label: str
    cleared: bool = Field(..., description="Approved or under contract: initiation may go on.")
    request_id: int | None = Field(None, description="The newest outsourcing application.")
    request_status: str | None = None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_cleared(obj) -> bool:
        return obj.is_cleared


class OutsourcingIn(Schema):
    scope: str = Field(..., max_length=200)
    supplier: str = Field(..., max_length=200)
    amount: Decimal = Field(..., description="Yuan, at most 2 decimals, not negative.")
    description: str = Field("", max_length=5000)
    contract_number: str = Field("", max_length=60)


class OutsourcingPatch(Schema):
    scope: str | None = Field(None, max_length=200)
    supplier: str | None = Field(None, max_length=200)
    amount: Decimal | None = None
    description: str | None = Field(None, max_length=5000)
    contract_number: str | None = Field(None, max_length=60)


class NominationOut(Schema):
    id: int
    status: str = Field(..., description="open, nominated or cancelled")
    department: DepartmentRef
    started_by: UserRef
    started_at: dt.datetime
    due_on: dt.date = Field(..., description="Nominate by the end of this working day.")
    reminded_at: dt.datetime | None
    escalated_at: dt.datetime | None
    nominated_pm: UserRef | None
    nominated_at: dt.datetime | None


class NominationStateOut(Schema):
    project_id: int
    pm: UserRef | None
    nomination: NominationOut | None = Field(None, description="The newest nomination.")
    appointment_request_id: int | None = None
    appointment_status: str | None = None


class NominateIn(Schema):
    pm_id: int
    short_name: str = Field("", max_length=60)


class NumberIn(Schema):
    number: str = Field(..., max_length=100)
    short_name: str = Field("", max_length=100)
