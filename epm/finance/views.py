"""Pages of the finance app: the project's cost budget and the cost categories."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.forms import run_form
from epm.projects.rules import access_project

from . import rules, services
from .export import XLSX, budget_workbook, export_filename
from .forms import CategoryCreateForm, CategoryForm
from .models import CostCategory
from .selectors import BudgetOverview, budget_overview, budget_totals, category_list

CELL_PREFIX = "cell-"


def _posted_lines(post) -> tuple[list[dict], dict[str, str]]:
    """The grid's cells as budget lines (`cell-<category>-<YYYY-MM>`), and the raw values to
    show again if the budget is refused."""
    lines, values = [], {}
    for key, value in post.items():
        if not key.startswith(CELL_PREFIX):
            continue
        # cell-<code>-<YYYY>-<MM>: the code may itself contain "-", the month is the last 7.
        rest = key[len(CELL_PREFIX) :]
        code, month = (rest[:-8], rest[-7:]) if rest[-8:-7] == "-" else (rest, "")
        lines.append({"category": code, "month": month, "amount": value})
        values[key] = value
    return lines, values


def _number(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _grid(overview: BudgetOverview, posted: dict[str, str]) -> dict:
    """The matrix ready to show: each cell with its input name and value (what was posted,
    when a refused budget is shown again), amounts formatted with thousands separators."""
    matrix = overview.matrix
    effective = overview.effective_months
    rows = []
    for row in matrix.rows:
        cells = []
        for month, amount in zip(matrix.months, row.cells, strict=True):
            name = f"{CELL_PREFIX}{row.category.code}-{month:%Y-%m}"
            value = posted.get(name, f"{amount:.2f}" if amount else "")
            cells.append({"name": name, "value": value, "text": _number(amount) if amount else ""})
        rows.append({"category": row.category, "cells": cells, "total": _number(row.total)})
    return {
        "months": [(month, month in effective) for month in matrix.months],
        "rows": rows,
        "column_totals": [_number(total) for total in matrix.column_totals],
        "grand_total": _number(matrix.grand_total),
    }


@login_required
def budget(request, project_id: int):
    project = access_project(request.user, project_id)
    posted: dict[str, str] = {}
    problems: list[dict] = []
    total = ""
    status = 200
    if request.method == "POST":
        lines, posted = _posted_lines(request.POST)
        total = request.POST.get("total", "").strip()
        try:
            services.budget_save(actor=request.user, project=project, lines=lines, total=total)
        except ApplicationError as exc:
            if isinstance(exc, NotFound | PermissionDenied):
                raise
            messages.error(request, exc.message)
            problems = exc.detail if isinstance(exc.detail, list) else []
            status = 400
        else:
            messages.success(request, _("The cost budget is saved."))
            return redirect("finance:budget", project.pk)
    overview = budget_overview(request.user, project)
    return render(
        request,
        "finance/budget.html",
        {
            "project": project,
            "o": overview,
            "grid": _grid(overview, posted),
            "posted": posted,
            "problems": problems,
            "total": total,
            "can_manage_categories": rules.can_manage_categories(request.user),
        },
        status=status,
    )


@login_required
def budget_export(request, project_id: int):
    project = access_project(request.user, project_id)
    response = HttpResponse(budget_workbook(project, budget_totals(project)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(project)}"'
    return response


def _check_admin(user) -> None:
    if not rules.can_manage_categories(user):
        raise PermissionDenied()


@login_required
def categories(request):
    _check_admin(request.user)
    form = CategoryCreateForm(request.POST or None)

    def call():
        services.category_create(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Cost category added."))
        return redirect("finance:categories")
    return render(
        request,
        "finance/categories.html",
        {"form": form, "categories": category_list()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def category_change(request, category_id: int):
    _check_admin(request.user)
    category = get_object_or_404(CostCategory, pk=category_id)
    try:
        if request.POST.get("delete"):
            services.category_delete(actor=request.user, category=category)
            messages.success(request, _("Cost category deleted."))
        else:
            form = CategoryForm(request.POST)
            if not form.is_valid():
                errors = [str(e) for field in form.errors.values() for e in field]
                messages.error(request, " ".join(errors))
                return redirect("finance:categories")
            services.category_update(actor=request.user, category=category, **form.cleaned_data)
            messages.success(request, _("Saved."))
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)
    return redirect("finance:categories")
