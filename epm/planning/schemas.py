"""API shapes of the initiation application, its schedule and its review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from epm.core.schemas import UserRef

from .services.initiation import MAX_TEXT

Text = Field(None, max_length=MAX_TEXT)


class InitiationIn(Schema):
    """Fields left out keep their text."""

    background: str | None = Text
    goals: str | None = Text
    scope: str | None = Text
    expected_benefits: str | None = Text
    risks: str | None = Text


class ApplicationOut(Schema):
    background: str
    goals: str
    scope: str
    expected_benefits: str
    risks: str
    updated_at: dt.datetime | None


class MilestoneIn(Schema):
    name: str = Field(..., max_length=200)
    planned_on: dt.date
    work_products: str = Field("", max_length=4000, description="One work product per line.")


class MilestonePatch(Schema):
    name: str | None = Field(None, max_length=200)
    planned_on: dt.date | None = None
    work_products: str | None = Field(None, max_length=4000)


class MilestoneOut(Schema):
    id: int
    name: str
    planned_on: dt.date
    work_products: list[str]

    @staticmethod
    def resolve_work_products(obj) -> list[str]:
        return obj.work_product_list


class ScoreRowOut(Schema):
    reviewer: UserRef
    decided_at: dt.datetime | None
    scores: dict[str, int]
    total: int
    comment: str


class CheckOut(Schema):
    label: str
    value: str


class PurchaseCheckOut(Schema):
    reviewer: UserRef
    checks: list[CheckOut]
    comment: str


class ScorecardOut(Schema):
    request_id: int | None
    rows: list[ScoreRowOut]
    averages: dict[str, Decimal]
    average_total: Decimal | None
    purchase_checks: list[PurchaseCheckOut]


class InitiationOut(Schema):
    project_id: int
    status: str
    editable: bool
    can_submit: bool
    problems: list[str] = Field(..., description="What still stops the submission (R3).")
    application: ApplicationOut
    milestones: list[MilestoneOut]
    purchase_total: Decimal
    budget_total: Decimal
    preliminary_budget: Decimal = Field(..., description="Purchase plan plus cost budget.")
    request_id: int | None
    request_status: str | None
    scorecard: ScorecardOut
