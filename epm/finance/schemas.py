"""API shapes for cost budgets and cost categories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import StrictFloat, StrictInt


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    sort_order: int
    is_active: bool


class CategoryCreateIn(Schema):
    code: str = Field(..., max_length=40, description="Lower-case slug; never changes.")
    name: str
    name_en: str = ""
    sort_order: int = 0


class CategoryUpdateIn(Schema):
    name: str | None = None
    name_en: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class BudgetLineIn(Schema):
    category: str = Field(..., description="A cost category's code, e.g. labour.")
    month: str = Field(..., description="YYYY-MM.", examples=["2026-04"])
    # A string keeps the exact decimal; numbers are accepted and read through their text.
    amount: str | StrictInt | StrictFloat = Field(..., examples=["12000.00"])


class BudgetIn(Schema):
    lines: list[BudgetLineIn] = Field(
        ...,
        description="The whole budget: it replaces the lines there were. Zero amounts are dropped.",
    )
    total: str | StrictInt | StrictFloat | None = Field(
        None, description="If given, the lines must add up to it exactly (else total_mismatch)."
    )


class BudgetLineOut(Schema):
    category: str
    category_name: str
    month: str
    amount: Decimal


class BudgetRowOut(Schema):
    category: str
    category_name: str
    is_active: bool
    cells: list[Decimal] = Field(..., description="One amount per month of `months`.")
    total: Decimal


class EffectiveMonthOut(Schema):
    month: str
    amount: Decimal
    source: str
    effective_at: dt.datetime | None


class BudgetOut(Schema):
    project_id: int
    editable: bool
    months: list[str]
    lines: list[BudgetLineOut]
    rows: list[BudgetRowOut]
    column_totals: list[Decimal]
    grand_total: Decimal
    effective: list[EffectiveMonthOut]
