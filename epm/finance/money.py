"""Reading money and months from what people and scripts type."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.core.money import MONEY_LIMIT, NUMBER_TEXT

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def parse_amount(value: Any) -> Decimal:
    """A non-negative amount with at most two decimals; empty means zero (an empty grid cell).

    Thousands separators are allowed ("12,000.50"), as people copy them from spreadsheets.
    """
    if value is None:
        return ZERO
    if isinstance(value, bool):
        raise ApplicationError(_("The amount is not a number."), "not_a_number")
    text = str(value).strip().replace(",", "").replace("，", "")
    if text == "":
        return ZERO
    if not NUMBER_TEXT.fullmatch(text):
        raise ApplicationError(
            _("“%(value)s” is not a number.") % {"value": str(value)[:40]}, "not_a_number"
        )
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("“%(value)s” is not a number.") % {"value": str(value)[:40]}, "not_a_number"
        ) from None
    if not amount.is_finite():
        raise ApplicationError(_("The amount is not a number."), "not_a_number")
    if amount < 0:
        raise ApplicationError(_("The amount cannot be negative."), "negative_amount")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(CENT):
        raise ApplicationError(_("The amount has at most two decimals."), "too_many_decimals")
    if amount >= MONEY_LIMIT:
        raise ApplicationError(_("The amount is too large."), "amount_too_large")
    return amount.quantize(CENT)


def parse_month(value: Any) -> dt.date:
    """The first day of a month given as "YYYY-MM", an ISO date or a date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.replace(day=1)
    text = str(value or "").strip()
    match = _MONTH.match(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), 1)
        if _DATE.match(text):
            return dt.date.fromisoformat(text).replace(day=1)
    except ValueError:
        pass
    raise ApplicationError(
        _("“%(value)s” is not a month (write it as YYYY-MM).") % {"value": text[:40]},
        "invalid_month",
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, both included (first days of the months)."""
    months = []
    month = month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def format_money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"
