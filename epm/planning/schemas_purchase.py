"""API shapes of the purchase plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

# Numbers may be sent as JSON numbers or strings; either way the service reads them as exact
# decimals and refuses zero, negatives and too many decimal places with its own messages.
Number = Decimal | str


class PurchaseLineIn(Schema):
    item: str = Field(..., max_length=200)
    specification: str = Field("", max_length=4000)
    quantity: Number = Field(..., description="Greater than 0, at most 3 decimal places.")
    unit: str = Field(..., max_length=20)
    unit_price: Number = Field(..., description="Yuan; greater than 0, at most 2 decimals.")
    supplier: str = Field("", max_length=200)
    delivery_on: dt.date = Field(..., description="Not before the contract was signed.")
    note: str = Field("", max_length=500)


class PurchaseLinePatch(Schema):
    """Fields left out keep their value; the whole line is checked again."""

    item: str | None = Field(None, max_length=200)
    specification: str | None = Field(None, max_length=4000)
    quantity: Number | None = None
    unit: str | None = Field(None, max_length=20)
    unit_price: Number | None = None
    supplier: str | None = Field(None, max_length=200)
    delivery_on: dt.date | None = None
    note: str | None = Field(None, max_length=500)


class PurchaseLineOut(Schema):
    id: int
    position: int
    item: str
    specification: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal = Field(..., description="Quantity × unit price, rounded half-up to cents.")
    supplier: str
    delivery_on: dt.date
    note: str


class PurchasePlanOut(Schema):
    project_id: int
    editable: bool
    frozen_reason: str | None = Field(..., description="Why the plan cannot be changed now.")
    lines: list[PurchaseLineOut]
    total: Decimal = Field(..., description="The sum of the lines' amounts.")


class PurchaseImportOut(Schema):
    mode: str
    imported: int
    removed: int
    lines: int
    total_before: Decimal
    total_after: Decimal
