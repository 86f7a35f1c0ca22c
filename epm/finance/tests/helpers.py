"""What the finance tests share."""

from __future__ import annotations

import datetime as dt

from epm.finance.money import add_months, month_start
from epm.projects.services import company_today


def this_month() -> dt.date:
    return month_start(company_today())


def ym(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def around_today() -> dict:
    """Project dates that put the company's current month inside the budget's months."""
    first = add_months(this_month(), -2)
    return {
        "contract_signed_on": first,
        "planned_start": add_months(first, 1),
        "planned_finish": add_months(this_month(), 6),
    }


def line(category: str, month: dt.date | str, amount: str) -> dict:
    return {
        "category": category,
        "month": month if isinstance(month, str) else ym(month),
        "amount": amount,
    }
