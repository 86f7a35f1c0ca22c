"""API endpoints: the purchase plan's lines, and its Excel import and export."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Form, Status
from ninja.files import UploadedFile

from epm.interop.excel import XLSX
from epm.projects.rules import access_project

from ..schemas_purchase import (
    PurchaseImportOut,
    PurchaseLineIn,
    PurchaseLineOut,
    PurchaseLinePatch,
    PurchasePlanOut,
)
from ..selectors_purchase import purchase_plan
from ..services import purchase as services
from . import router


def _plan(user, project) -> dict:
    plan = purchase_plan(user, project)
    return {
        "project_id": project.pk,
        "editable": plan.editable,
        "frozen_reason": plan.frozen_reason,
        "lines": plan.lines,
        "total": plan.total,
    }


@router.get("/projects/{project_id}/purchase-lines", response=PurchasePlanOut)
def purchase_lines(request, project_id: int):
    """The purchase plan's lines with their amounts and the exact total."""
    return _plan(request.auth, access_project(request.auth, project_id))


@router.post("/projects/{project_id}/purchase-lines", response={201: PurchaseLineOut})
def purchase_line_add(request, project_id: int, payload: PurchaseLineIn):
    """Add a line (PM, assistant or PMO, while the project is a draft). 409 while the
    initiation is in approval."""
    project = access_project(request.auth, project_id)
    line = services.purchase_line_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, line)


@router.patch("/projects/{project_id}/purchase-lines/{int:line_id}", response=PurchaseLineOut)
def purchase_line_update(request, project_id: int, line_id: int, payload: PurchaseLinePatch):
    project = access_project(request.auth, project_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.purchase_line_update(
        actor=request.auth, project=project, line_id=line_id, **fields
    )


@router.delete("/projects/{project_id}/purchase-lines/{int:line_id}", response={204: None})
def purchase_line_delete(request, project_id: int, line_id: int):
    project = access_project(request.auth, project_id)
    services.purchase_line_delete(actor=request.auth, project=project, line_id=line_id)
    return Status(204, None)


@router.post("/projects/{project_id}/purchase-lines/import", response=PurchaseImportOut)
def purchase_lines_import(
    request, project_id: int, file: File[UploadedFile], mode: Form[str] = "replace"
):
    """Import an .xlsx (multipart `file`, `mode` = replace | append). All rows must be right or
    nothing changes: 422 with `detail` listing each bad cell as {row, column, message, code}."""
    project = access_project(request.auth, project_id)
    result = services.purchase_lines_import(
        actor=request.auth, project=project, file=file, mode=mode
    )
    return result


@router.get("/projects/{project_id}/purchase-lines/export")
def purchase_lines_export(request, project_id: int):
    """The plan as an .xlsx workbook."""
    project = access_project(request.auth, project_id)
    response = HttpResponse(services.purchase_plan_export(project), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{services.export_filename(project)}"'
    return response
