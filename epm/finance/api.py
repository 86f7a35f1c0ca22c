"""API endpoints of the finance app: the cost budget of a project and the cost categories."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from epm.projects.models import Project
from epm.projects.rules import access_project

from . import services
from .export import XLSX, budget_workbook, export_filename
from .models import CostCategory
from .schemas import BudgetIn, BudgetOut, CategoryCreateIn, CategoryOut, CategoryUpdateIn
from .selectors import budget_overview, budget_totals, category_list

router = Router(tags=["finance"])


def _budget(user, project: Project) -> dict:
    overview = budget_overview(user, project)
    matrix = overview.matrix
    return {
        "project_id": project.pk,
        "editable": overview.editable,
        "months": [f"{m:%Y-%m}" for m in matrix.months],
        "lines": [
            {
                "category": line.category.code,
                "category_name": line.category.name,
                "month": f"{line.month:%Y-%m}",
                "amount": line.amount,
            }
            for line in matrix.lines
        ],
        "rows": [
            {
                "category": row.category.code,
                "category_name": row.category.name,
                "is_active": row.category.is_active,
                "cells": row.cells,
                "total": row.total,
            }
            for row in matrix.rows
        ],
        "column_totals": matrix.column_totals,
        "grand_total": matrix.grand_total,
        "effective": [
            {
                "month": f"{m.month:%Y-%m}",
                "amount": m.amount,
                "source": m.source,
                "effective_at": m.effective_at,
            }
            for m in overview.effective
        ],
    }


@router.get("/projects/{project_id}/budget", response=BudgetOut)
def budget_detail(request, project_id: int):
    """The cost budget: its lines and the category × month matrix with exact totals."""
    return _budget(request.auth, access_project(request.auth, project_id))


@router.put("/projects/{project_id}/budget", response=BudgetOut)
def budget_replace(request, project_id: int, payload: BudgetIn):
    """Replace the whole cost budget (initiation materials, R3: while the project is a draft)."""
    project = access_project(request.auth, project_id)
    services.budget_save(
        actor=request.auth,
        project=project,
        lines=[line.dict() for line in payload.lines],
        total=None if payload.total is None else str(payload.total),
    )
    return _budget(request.auth, access_project(request.auth, project_id))


@router.get("/projects/{project_id}/budget/export", response={200: None})
def budget_export(request, project_id: int):
    """The cost budget as an Excel workbook (.xlsx)."""
    project = access_project(request.auth, project_id)
    response = HttpResponse(budget_workbook(project, budget_totals(project)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(project)}"'
    return response


@router.get("/categories", response=list[CategoryOut])
def categories(request, active: bool | None = None):
    return category_list(active=active)


@router.post("/categories", response={201: CategoryOut})
def category_create(request, payload: CategoryCreateIn):
    category = services.category_create(actor=request.auth, **payload.dict())
    return Status(201, category)


@router.patch("/categories/{category_id}", response=CategoryOut)
def category_update(request, category_id: int, payload: CategoryUpdateIn):
    category = get_object_or_404(CostCategory, pk=category_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    return services.category_update(actor=request.auth, category=category, **fields)


@router.delete("/categories/{category_id}", response={204: None})
def category_delete(request, category_id: int):
    """Delete an unused category; one that budgets use is refused (deactivate it instead)."""
    category = get_object_or_404(CostCategory, pk=category_id)
    services.category_delete(actor=request.auth, category=category)
    return Status(204, None)
