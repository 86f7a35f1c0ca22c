"""API shapes of the implementation plan (R4)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from epm.core.schemas import UserRef


class PlanSectionOut(Schema):
    code: str
    label: str
    reviewers: list[str]  # department roles: pmo, technical_head, quality, commerce
    text: str
    mine: bool  # the caller reviews this section


class PlanVersionSummary(Schema):
    number: int
    created_at: dt.datetime
    created_by: UserRef | None
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None


class PlanCommentOut(Schema):
    id: int
    version: int
    section: str
    author: UserRef
    text: str
    created_at: dt.datetime


class PlanOut(Schema):
    project_id: int
    status: str
    status_label: str
    version: int | None  # the latest version's number
    versions: list[PlanVersionSummary]
    sections: list[PlanSectionOut]
    my_roles: list[str]
    my_sections: list[str]
    editable: bool
    can_submit: bool
    missing: list[str]  # codes of the empty sections
    approval_id: int | None  # the pending (else the last) approval of the plan
    comments: list[PlanCommentOut]


class PlanVersionOut(PlanVersionSummary):
    sections: dict[str, str]


class PlanSaveIn(Schema):
    sections: dict[str, str | None] = Field(..., description="section code → text")


class PlanSubmitIn(Schema):
    reason: str = Field("", max_length=2000)


class PlanCommentIn(Schema):
    section: str = Field(..., max_length=30)
    text: str = Field(..., min_length=1, max_length=5000)


class DiffSegmentOut(Schema):
    kind: str  # equal, ins, del
    text: str


class DiffLineOut(Schema):
    kind: str  # equal, insert, delete, change, skip
    segments: list[DiffSegmentOut]
    count: int  # lines folded, for "skip"


class DiffSectionOut(Schema):
    code: str
    label: str
    changed: bool
    added: int
    removed: int
    lines: list[DiffLineOut]


class PlanDiffOut(Schema):
    a: int
    b: int
    sections: list[DiffSectionOut]
