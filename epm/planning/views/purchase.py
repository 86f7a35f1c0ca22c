"""Pages: the purchase plan (项目采购计划) with its Excel import and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.forms import run_form
from epm.interop.excel import XLSX
from epm.projects.rules import access_project

from ..forms_purchase import PurchaseImportForm, PurchaseLineForm
from ..review import scorecard
from ..selectors_purchase import purchase_plan
from ..services import purchase as services

# The page lists at most this many of a refused file's problems; the count names them all.
SHOWN_ERRORS = 200


def _context(request, project, **extra):
    return {
        "project": project,
        "plan": purchase_plan(request.user, project),
        "line_form": PurchaseLineForm(auto_id="id_new_%s"),
        "import_form": PurchaseImportForm(),
        "max_lines": services.MAX_LINES,
        "max_megabytes": services.MAX_FILE_BYTES // (1024 * 1024),
        "purchase_checks": scorecard(project).purchase_checks,
        **extra,
    }


def _page(request, project, status: int = 200, **extra):
    return render(
        request, "planning/purchase.html", _context(request, project, **extra), status=status
    )


@login_required
def purchase(request, project_id: int):
    return _page(request, access_project(request.user, project_id))


@login_required
@require_POST
def purchase_add(request, project_id: int):
    project = access_project(request.user, project_id)
    form = PurchaseLineForm(request.POST, auto_id="id_new_%s")

    def call():
        services.purchase_line_add(actor=request.user, project=project, **form.cleaned_data)

    if run_form(form, call):
        messages.success(request, _("Line added."))
        return redirect("planning:purchase", project.pk)
    return _page(request, project, line_form=form)


@login_required
@require_POST
def purchase_change(request, project_id: int, line_id: int):
    project = access_project(request.user, project_id)
    try:
        if request.POST.get("delete"):
            services.purchase_line_delete(actor=request.user, project=project, line_id=line_id)
            messages.success(request, _("Line removed."))
        else:
            form = PurchaseLineForm(request.POST)
            if not form.is_valid():
                errors = [
                    f"{form[name].label}: {e}" for name, es in form.errors.items() for e in es
                ]
                messages.error(request, " ".join(errors))
                return redirect("planning:purchase", project.pk)
            services.purchase_line_update(
                actor=request.user, project=project, line_id=line_id, **form.cleaned_data
            )
            messages.success(request, _("Line saved."))
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        if exc.status == 404:
            raise NotFound() from exc
        messages.error(request, exc.message)
    return redirect("planning:purchase", project.pk)


@login_required
@require_POST
def purchase_import(request, project_id: int):
    project = access_project(request.user, project_id)
    form = PurchaseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, project, import_form=form)
    try:
        result = services.purchase_lines_import(
            actor=request.user,
            project=project,
            file=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        rows = exc.detail if exc.code == "invalid_rows" and isinstance(exc.detail, list) else []
        return _page(
            request,
            project,
            import_form=PurchaseImportForm(initial={"mode": form.cleaned_data["mode"]}),
            import_message=exc.message,
            import_errors=rows[:SHOWN_ERRORS],
            import_errors_hidden=max(len(rows) - SHOWN_ERRORS, 0),
        )
    messages.success(
        request,
        _("%(n)d lines imported; the plan now has %(lines)d lines, total ¥%(total)s.")
        % {"n": result.imported, "lines": result.lines, "total": f"{result.total_after:,.2f}"},
    )
    return redirect("planning:purchase", project.pk)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def purchase_export(request, project_id: int):
    project = access_project(request.user, project_id)
    return _xlsx(services.purchase_plan_export(project), services.export_filename(project))


@login_required
def purchase_template(request, project_id: int):
    project = access_project(request.user, project_id)
    return _xlsx(services.purchase_template(), services.export_filename(project, template=True))


urlpatterns = [
    path("<int:project_id>/purchase/", purchase, name="purchase"),
    path("<int:project_id>/purchase/lines/", purchase_add, name="purchase_add"),
    path(
        "<int:project_id>/purchase/lines/<int:line_id>/",
        purchase_change,
        name="purchase_change",
    ),
    path("<int:project_id>/purchase/import/", purchase_import, name="purchase_import"),
    path("<int:project_id>/purchase/export/", purchase_export, name="purchase_export"),
    path("<int:project_id>/purchase/template/", purchase_template, name="purchase_template"),
]
