"""Reading cost budgets: the category × month matrix with exact totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from epm.core.models import User
from epm.projects.models import Project
from epm.projects.services import company_today

from . import rules
from .models import BudgetLine, CostCategory, MonthlyBudget, MonthlyBudgetStatus
from .money import ZERO, add_months, month_start, months_between
from .services import budget_bounds

# Columns shown when the project has no planned finish yet, and the most ever shown.
DEFAULT_MONTHS = 12
MAX_MONTHS = 120


@dataclass(frozen=True)
class BudgetRow:
    category: CostCategory
    cells: list[Decimal]  # one per month of the matrix
    total: Decimal


@dataclass(frozen=True)
class BudgetMatrix:
    months: list[dt.date]
    rows: list[BudgetRow]
    column_totals: list[Decimal]
    grand_total: Decimal
    lines: list[BudgetLine] = field(default_factory=list)


def budget_months(project: Project, lines: list[BudgetLine]) -> list[dt.date]:
    """The budget's months: the project's span (contract or planned start to planned finish)
    and every month that has a line, whichever is wider."""
    first, last = budget_bounds(project)
    line_months = {line.month for line in lines}
    if first is None:
        first = min(line_months) if line_months else month_start(company_today())
    if last is None or last < first:
        last = add_months(first, DEFAULT_MONTHS - 1)
    span = months_between(first, last)[:MAX_MONTHS]
    return sorted(set(span) | line_months)


def budget_totals(project: Project) -> BudgetMatrix:
    """The cost budget as categories × months with row, column and grand totals (exact:
    Decimal sums of the stored two-decimal amounts). Rows are the active categories and any
    category that has lines; columns are `budget_months`."""
    lines = list(BudgetLine.objects.filter(project=project).select_related("category"))
    used = {line.category_id for line in lines}
    categories = [c for c in CostCategory.objects.all() if c.is_active or c.pk in used]
    months = budget_months(project, lines)
    index = {month: i for i, month in enumerate(months)}
    cells: dict[int, list[Decimal]] = {c.pk: [ZERO] * len(months) for c in categories}
    for line in lines:
        cells[line.category_id][index[line.month]] += line.amount
    rows = [
        BudgetRow(category=c, cells=cells[c.pk], total=sum(cells[c.pk], start=ZERO))
        for c in categories
    ]
    column_totals = [sum((row.cells[i] for row in rows), start=ZERO) for i in range(len(months))]
    return BudgetMatrix(
        months=months,
        rows=rows,
        column_totals=column_totals,
        grand_total=sum((line.amount for line in lines), start=ZERO),
        lines=lines,
    )


@dataclass(frozen=True)
class BudgetOverview:
    project: Project
    matrix: BudgetMatrix
    editable: bool
    effective: list[MonthlyBudget]
    bounds: tuple[dt.date | None, dt.date | None]

    @property
    def effective_months(self) -> set[dt.date]:
        return {record.month for record in self.effective}


def budget_overview(user: User, project: Project) -> BudgetOverview:
    """What the budget page and the API show `user` (who reached the project by an accessor)."""
    return BudgetOverview(
        project=project,
        matrix=budget_totals(project),
        editable=rules.can_edit_budget(user, project),
        effective=list(
            MonthlyBudget.objects.filter(project=project, status=MonthlyBudgetStatus.EFFECTIVE)
        ),
        bounds=budget_bounds(project),
    )


def category_list(*, active: bool | None = None) -> list[CostCategory]:
    qs = CostCategory.objects.all()
    if active is not None:
        qs = qs.filter(is_active=active)
    return list(qs)
