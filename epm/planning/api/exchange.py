"""API endpoints: the schedule's import and export (Excel, MS Project XML, .mpp / .xer)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import File, Form, Query, Schema
from ninja.files import UploadedFile

from epm.interop.excel import XLSX
from epm.projects.rules import access_project

from ..services import exchange as services
from . import router

XML = "application/xml"


class ScheduleImportOut(Schema):
    source: str
    tasks: int
    links: int
    assignments: int
    removed: int
    start_on: dt.date
    finish_on: dt.date | None
    warnings: list[str]


class ExportQuery(Schema):
    format: Literal["xlsx", "xml"] = "xlsx"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/projects/{project_id}/schedule/export")
def schedule_export(request, project_id: int, query: Query[ExportQuery]):
    """The WBS as an Excel workbook (`format=xlsx`) or as MS Project XML (`format=xml`)."""
    project = access_project(request.auth, project_id)
    if query.format == "xml":
        content, content_type = services.export_mspdi(project), XML
    else:
        content, content_type = services.export_wbs_excel(project), XLSX
    return _download(content, content_type, services.export_filename(project, query.format))


@router.get("/projects/{project_id}/schedule/template")
def schedule_template(request, project_id: int):
    """An empty WBS workbook with the columns the import reads."""
    project = access_project(request.auth, project_id)
    return _download(services.wbs_template(), XLSX, services.export_filename(project, "template"))


@router.post("/projects/{project_id}/schedule/import", response=ScheduleImportOut)
def schedule_import(
    request, project_id: int, file: File[UploadedFile], mode: Form[str] = "replace"
):
    """Replace the WBS with a file's (multipart `file`): .xlsx, MS Project .xml, or .mpp /
    .xer when the server has Java and mpxj. All or nothing. 413 when over 10 MB; 400 with
    `message` and `detail` for a file that cannot be read (for a sheet, `detail` lists each bad
    cell as {row, column, message, code}); 409 for a cycle (`detail.tasks`) or a schedule that
    cannot be changed now."""
    project = access_project(request.auth, project_id)
    return services.import_schedule_file(
        actor=request.auth, project=project, file=file, filename=file.name or "", mode=mode
    )
