"""Every change to cost budgets and cost categories: one function per business action.

Each runs in one transaction, locks the row it changes first (the project for its budget),
checks its guard inside the lock, and writes an audit event. Bad input changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, diff, scope_of, snapshot
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.planning.rules import check_initiation_editable
from epm.projects.models import Project
from epm.projects.services import lock_project

from . import rules
from .models import BudgetLine, CostCategory, MonthlyBudget, MonthlyBudgetSource
from .models import MonthlyBudgetStatus as MBStatus
from .money import ZERO, format_money, month_start, parse_amount, parse_month

# 10 years of 12 months in 20 categories: far more than any project budgets.
MAX_LINES = 2400
# Problems listed in the message; `detail` has all of them.
PROBLEMS_IN_MESSAGE = 5
CATEGORY_FIELDS = ["name", "name_en", "sort_order", "is_active"]
# PositiveIntegerField's range on every database Django supports.
MAX_SORT_ORDER = 2_147_483_647
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def budget_bounds(project: Project) -> tuple[dt.date | None, dt.date | None]:
    """The months a budget may cover: from the contract signing or the planned start (the
    earlier) to the planned finish; None where the project has no such date yet."""
    starts = [d for d in (project.contract_signed_on, project.planned_start) if d is not None]
    first = month_start(min(starts)) if starts else None
    last = month_start(project.planned_finish) if project.planned_finish else None
    return first, last


def _parse_lines(
    project: Project, lines: Any
) -> tuple[dict[tuple[int, dt.date], Decimal], list[dict[str, Any]]]:
    """The non-zero cells {(category id, month): amount} and every problem found, by line."""
    if not isinstance(lines, list | tuple):
        raise ApplicationError(_("The budget lines must be a list."), "invalid_lines")
    if len(lines) > MAX_LINES:
        raise ApplicationError(
            _("A cost budget has at most %(n)d lines.") % {"n": MAX_LINES}, "too_many_lines"
        )
    categories = {c.code: c for c in CostCategory.objects.all()}
    first, last = budget_bounds(project)
    cells: dict[tuple[int, dt.date], Decimal] = {}
    seen: dict[tuple[str, dt.date], int] = {}
    problems: list[dict[str, Any]] = []

    def problem(number: int, code: str, message: str) -> None:
        text = _("Line %(n)d: %(problem)s") % {"n": number, "problem": message}
        problems.append({"line": number, "code": code, "message": text})

    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            problem(number, "invalid_line", _("a line needs a category, a month and an amount."))
            continue
        code = str(line.get("category") or "").strip()
        category = categories.get(code)
        found = 0
        if category is None:
            problem(
                number,
                "unknown_category",
                _("“%(code)s” is not a cost category.") % {"code": code[:40]}
                if code
                else _("the cost category is missing."),
            )
            found += 1
        try:
            month = parse_month(line.get("month"))
        except ApplicationError as exc:
            problem(number, exc.code, exc.message)
            month = None
            found += 1
        try:
            amount = parse_amount(line.get("amount"))
        except ApplicationError as exc:
            problem(number, exc.code, exc.message)
            amount = None
            found += 1
        if found or category is None or month is None or amount is None:
            continue
        label = f"{category.name} {month:%Y-%m}"
        if (code, month) in seen:
            problem(
                number,
                "duplicate_line",
                _("%(cell)s is already on line %(other)d.")
                % {"cell": label, "other": seen[(code, month)]},
            )
            continue
        seen[(code, month)] = number
        if amount == 0:
            continue  # an empty cell: nothing is budgeted there
        if not category.is_active:
            problem(
                number,
                "inactive_category",
                _("%(category)s is no longer used; move its amounts to another category.")
                % {"category": category.name},
            )
            continue
        if first is not None and month < first:
            problem(
                number,
                "month_out_of_range",
                _("%(month)s is before the project starts (%(first)s).")
                % {"month": f"{month:%Y-%m}", "first": f"{first:%Y-%m}"},
            )
            continue
        if last is not None and month > last:
            problem(
                number,
                "month_out_of_range",
                _("%(month)s is after the planned finish (%(last)s).")
                % {"month": f"{month:%Y-%m}", "last": f"{last:%Y-%m}"},
            )
            continue
        cells[(category.pk, month)] = amount
    return cells, problems


def _refuse(problems: list[dict[str, Any]]) -> None:
    codes = {p["code"] for p in problems}
    code = codes.pop() if len(codes) == 1 else "invalid_budget"
    if len(problems) == 1:
        message = problems[0]["message"]
    else:
        shown = " ".join(p["message"] for p in problems[:PROBLEMS_IN_MESSAGE])
        if len(problems) > PROBLEMS_IN_MESSAGE:
            shown += " …"
        message = _("The cost budget has %(n)d problems. %(problems)s") % {
            "n": len(problems),
            "problems": shown,
        }
    raise ApplicationError(message, code, detail=problems)


@transaction.atomic
def budget_save(
    *,
    actor: User,
    project: Project,
    lines: list[dict[str, Any]],
    total: Decimal | str | None = None,
) -> list[BudgetLine]:
    """Replace the project's cost budget (R3) with `lines`.

    Each line is {"category": code, "month": "YYYY-MM" or a date, "amount": "decimal"}; zero
    amounts are dropped. With `total`, the lines must add up to it exactly.
    """
    project = lock_project(project)
    check_initiation_editable(actor, project)
    cells, problems = _parse_lines(project, lines)
    if problems:
        _refuse(problems)
    new_total = sum(cells.values(), start=ZERO)
    if total is not None and str(total).strip() != "":
        try:
            expected = parse_amount(total)
        except ApplicationError as exc:
            raise ApplicationError(
                _("The total: %(problem)s") % {"problem": exc.message}, "invalid_total"
            ) from None
        if expected != new_total:
            raise ApplicationError(
                _("The lines add up to %(sum)s, not to the total %(total)s.")
                % {"sum": format_money(new_total), "total": format_money(expected)},
                "total_mismatch",
                detail={"lines_total": str(new_total), "total": str(expected)},
            )
    existing = list(BudgetLine.objects.filter(project=project))
    before = {(line.category_id, line.month): line.amount for line in existing}
    if before == cells:
        return _lines(project)
    BudgetLine.objects.filter(project=project).delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(project=project, category_id=category_id, month=month, amount=amount)
        for (category_id, month), amount in sorted(cells.items(), key=lambda kv: kv[0][::-1])
    )
    audit_record(
        actor=actor,
        action="finance.budget_save",
        target=project,
        changes={
            "cost budget total": [
                str(sum(before.values(), start=ZERO)),
                str(new_total),
            ],
            "cost budget lines": [len(before), len(cells)],
        },
    )
    return _lines(project)


def _lines(project: Project) -> list[BudgetLine]:
    return list(BudgetLine.objects.filter(project=project).select_related("category"))


@transaction.atomic
def budget_make_effective(
    *, actor: User | None, project: Project, month: dt.date, source: str = "initiation"
) -> MonthlyBudget:
    """Put a month's cost budget in force (R13: the current month's, when the initiation is
    approved). Idempotent: a month already in force stays as it is. Called by the lifecycle
    effect inside the approving transaction, which has decided who may do this."""
    if source not in MonthlyBudgetSource.values:
        raise ApplicationError(_("Unknown budget source."), "invalid_source")
    month = month_start(month)
    project = lock_project(project)
    record, _created = MonthlyBudget.objects.select_for_update().get_or_create(
        project=project, month=month, defaults={"source": source}
    )
    if record.status == MBStatus.EFFECTIVE:
        return record
    # Added up in Python: SQLite sums decimals as floats.
    amount = sum(
        BudgetLine.objects.filter(project=project, month=month).values_list("amount", flat=True),
        start=ZERO,
    )
    record.status = MBStatus.EFFECTIVE
    record.source = source
    record.amount = amount
    record.effective_at = timezone.now()
    record.save()
    audit_record(
        actor=actor,
        action="finance.budget_effective",
        target=record,
        scope=scope_of(project),
        changes={"month": [None, f"{month:%Y-%m}"], "amount": [None, str(record.amount)]},
    )
    return record


# Cost categories ---------------------------------------------------------------------------


def _category_fields(fields: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise ApplicationError(_("A cost category needs a name."), "name_required")
        if len(name) > 60:
            raise ApplicationError(_("The name is longer than 60 characters."), "too_long")
        taken = CostCategory.objects.filter(name__iexact=name)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise ApplicationError(
                _("There is already a cost category named %(name)s.") % {"name": name},
                "name_taken",
            )
        clean["name"] = name
    if "name_en" in fields:
        name_en = str(fields["name_en"] or "").strip()
        if len(name_en) > 60:
            raise ApplicationError(_("The English name is longer than 60 characters."), "too_long")
        clean["name_en"] = name_en
    if "sort_order" in fields:
        order = fields["sort_order"]
        valid = isinstance(order, int) and not isinstance(order, bool)
        if not valid or not 0 <= order <= MAX_SORT_ORDER:
            raise ApplicationError(
                _("The sort order is a whole number from 0 to %(max)d.") % {"max": MAX_SORT_ORDER},
                "invalid_sort_order",
            )
        clean["sort_order"] = order
    if "is_active" in fields:
        if not isinstance(fields["is_active"], bool):
            raise ApplicationError(_("Active is yes or no."), "invalid_field")
        clean["is_active"] = fields["is_active"]
    return clean


@transaction.atomic
def category_create(
    *, actor: User, code: str, name: str, name_en: str = "", sort_order: int = 0
) -> CostCategory:
    if not rules.can_manage_categories(actor):
        raise PermissionDenied()
    code = str(code or "").strip()
    if not _CODE.match(code):
        raise ApplicationError(
            _(
                "The code is 1 to 40 lower-case letters, digits, “-” or “_”, "
                "starting with a letter."
            ),
            "invalid_code",
        )
    if CostCategory.objects.filter(code=code).exists():
        raise ApplicationError(
            _("The code %(code)s is taken.") % {"code": code}, "code_taken", status=409
        )
    fields = _category_fields(
        {"name": name, "name_en": name_en, "sort_order": sort_order}, exclude_pk=None
    )
    category = CostCategory.objects.create(code=code, **fields)
    audit_record(
        actor=actor,
        action="finance.category_create",
        target=category,
        changes={k: [None, v] for k, v in snapshot(category, ["code", *CATEGORY_FIELDS]).items()},
    )
    return category


@transaction.atomic
def category_update(*, actor: User, category: CostCategory, **fields: Any) -> CostCategory:
    """Rename, reorder, deactivate or reactivate a category (its code never changes)."""
    if not rules.can_manage_categories(actor):
        raise PermissionDenied()
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    category = CostCategory.objects.select_for_update().get(pk=category.pk)
    clean = _category_fields(fields, exclude_pk=category.pk)
    if clean.get("is_active") is False and category.is_active:
        others = CostCategory.objects.filter(is_active=True).exclude(pk=category.pk)
        if not others.exists():
            raise ApplicationError(
                _("At least one cost category must stay active."), "last_category", status=409
            )
    before = snapshot(category, CATEGORY_FIELDS)
    for name, value in clean.items():
        setattr(category, name, value)
    changes = diff(before, snapshot(category, CATEGORY_FIELDS))
    if not changes:
        return category
    category.save(update_fields=list(clean))
    audit_record(actor=actor, action="finance.category_update", target=category, changes=changes)
    return category


@transaction.atomic
def category_delete(*, actor: User, category: CostCategory) -> None:
    """Delete a category no budget uses; one in use can only be deactivated."""
    if not rules.can_manage_categories(actor):
        raise PermissionDenied()
    category = CostCategory.objects.select_for_update().get(pk=category.pk)
    if BudgetLine.objects.filter(category=category).exists():
        raise ApplicationError(
            _("%(name)s is used by cost budgets: deactivate it instead of deleting it.")
            % {"name": category.name},
            "category_in_use",
            status=409,
        )
    if (
        category.is_active
        and not CostCategory.objects.filter(is_active=True).exclude(pk=category.pk).exists()
    ):
        raise ApplicationError(
            _("At least one cost category must stay active."), "last_category", status=409
        )
    audit_record(
        actor=actor,
        action="finance.category_delete",
        target=category,
        changes={"code": [category.code, None], "name": [category.name, None]},
    )
    category.delete()
