"""Pages: the schedule's import and export (Excel, MS Project XML; .mpp / .xer through mpxj)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.interop import mpxj_import
from epm.interop.excel import XLSX
from epm.projects.rules import access_project

from .. import rules, schedule_pages
from ..models import WbsTask
from ..services import exchange as services

# The page lists at most this many of a refused file's problems; the count names them all.
SHOWN_ERRORS = 200
ACCEPT = ".xlsx,.xml,.mpp,.mpx,.xer,.pmxml"
XML = "application/xml"


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the import replaces the whole WBS."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


def _page(request, project, **extra):
    context = {
        "project": project,
        "schedule_pages": schedule_pages.context(project),
        "can_import": rules.can_edit_schedule(request.user, project),
        "import_form": ScheduleImportForm(),
        "task_count": WbsTask.objects.filter(project=project).count(),
        "max_megabytes": services.MAX_FILE_BYTES // (1024 * 1024),
        "mpxj_ready": mpxj_import.package_available() and mpxj_import.java_available(),
        **extra,
    }
    return render(request, "planning/schedule_exchange.html", context)


@login_required
def schedule_exchange(request, project_id: int):
    return _page(request, access_project(request.user, project_id))


@login_required
@require_POST
def schedule_import(request, project_id: int):
    project = access_project(request.user, project_id)
    form = ScheduleImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, project, import_form=form)
    upload = form.cleaned_data["file"]
    try:
        result = services.import_schedule_file(
            actor=request.user, project=project, file=upload, filename=upload.name
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        rows = exc.detail if exc.code == "invalid_rows" and isinstance(exc.detail, list) else []
        return _page(
            request,
            project,
            import_message=exc.message,
            import_errors=rows[:SHOWN_ERRORS],
            import_errors_hidden=max(len(rows) - SHOWN_ERRORS, 0),
        )
    project.refresh_from_db()
    return _page(request, project, result=result)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def schedule_export_xlsx(request, project_id: int):
    project = access_project(request.user, project_id)
    return _download(
        services.export_wbs_excel(project), XLSX, services.export_filename(project, "xlsx")
    )


@login_required
def schedule_export_xml(request, project_id: int):
    project = access_project(request.user, project_id)
    return _download(services.export_mspdi(project), XML, services.export_filename(project, "xml"))


@login_required
def schedule_template(request, project_id: int):
    project = access_project(request.user, project_id)
    return _download(services.wbs_template(), XLSX, services.export_filename(project, "template"))


urlpatterns = [
    path("<int:project_id>/schedule/exchange/", schedule_exchange, name="schedule_exchange"),
    path("<int:project_id>/schedule/exchange/import/", schedule_import, name="schedule_import"),
    path(
        "<int:project_id>/schedule/exchange/wbs.xlsx",
        schedule_export_xlsx,
        name="schedule_export_xlsx",
    ),
    path(
        "<int:project_id>/schedule/exchange/wbs.xml",
        schedule_export_xml,
        name="schedule_export_xml",
    ),
    path(
        "<int:project_id>/schedule/exchange/template.xlsx",
        schedule_template,
        name="schedule_template",
    ),
]
