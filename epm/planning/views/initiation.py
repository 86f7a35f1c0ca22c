"""Pages: the initiation application with its preliminary schedule, review and printed form."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.forms import run_form
from epm.projects.rules import access_project

from ..forms import InitiationForm, MilestoneForm
from ..review import CRITERIA
from ..selectors import initiation_overview
from ..services import initiation as services


def _context(request, project, **extra):
    overview = initiation_overview(request.user, project)
    return {
        "project": project,
        "overview": overview,
        "criteria": CRITERIA,
        "form": InitiationForm(instance=overview.application),
        "milestone_form": MilestoneForm(auto_id="id_new_%s"),
        **extra,
    }


def _refused(request, project, refused, **forms):
    """A refused form: shown again with its errors while the materials may be edited; once they
    are frozen (in approval, or the project moved on) the page shows the stored text and the
    reason, never the refused input as if it were saved."""
    context = _context(request, project, **forms)
    if context["overview"].editable:
        return render(request, "planning/initiation.html", context)
    for error in refused.non_field_errors() or [
        _("The initiation materials cannot be changed now.")
    ]:
        messages.error(request, error)
    return redirect("planning:initiation", project.pk)


@login_required
def initiation(request, project_id: int):
    project = access_project(request.user, project_id)
    return render(request, "planning/initiation.html", _context(request, project))


@login_required
@require_POST
def initiation_save(request, project_id: int):
    project = access_project(request.user, project_id)
    form = InitiationForm(request.POST)

    def call():
        services.initiation_save(actor=request.user, project=project, **form.cleaned_data)

    if run_form(form, call):
        messages.success(request, _("The initiation application is saved."))
        return redirect("planning:initiation", project.pk)
    return _refused(request, project, form, form=form)


@login_required
@require_POST
def milestone_add(request, project_id: int):
    project = access_project(request.user, project_id)
    form = MilestoneForm(request.POST, auto_id="id_new_%s")

    def call():
        services.milestone_add(actor=request.user, project=project, **form.cleaned_data)

    if run_form(form, call):
        messages.success(request, _("Milestone added."))
        return redirect("planning:initiation", project.pk)
    return _refused(request, project, form, milestone_form=form)


@login_required
@require_POST
def milestone_change(request, project_id: int, milestone_id: int):
    project = access_project(request.user, project_id)
    try:
        if request.POST.get("delete"):
            services.milestone_delete(
                actor=request.user, project=project, milestone_id=milestone_id
            )
            messages.success(request, _("Milestone removed."))
        else:
            form = MilestoneForm(request.POST)
            if not form.is_valid():
                errors = [str(e) for field in form.errors.values() for e in field]
                messages.error(request, " ".join(errors))
                return redirect("planning:initiation", project.pk)
            services.milestone_update(
                actor=request.user, project=project, milestone_id=milestone_id, **form.cleaned_data
            )
            messages.success(request, _("Milestone saved."))
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied) or exc.status == 404:
            raise NotFound() from exc
        messages.error(request, exc.message)
    return redirect("planning:initiation", project.pk)


@login_required
def initiation_print(request, project_id: int):
    project = access_project(request.user, project_id)
    from ..models import PurchaseLine

    context = _context(request, project)
    context["purchase_lines"] = list(PurchaseLine.objects.filter(project=project))
    context["budget"] = _budget_by_category(project)
    return render(request, "planning/initiation_print.html", context)


def _budget_by_category(project) -> list[tuple[str, object]]:
    """The cost budget's total per category, for the printed form (finance keeps the lines)."""
    from django.apps import apps

    try:
        model = apps.get_model("finance", "BudgetLine")
    except LookupError:
        return []
    totals: dict[str, Decimal] = {}
    # Added here, not by SQL: SQLite would sum the decimals as floating point.
    for name, amount in (
        model.objects.filter(project=project)
        .order_by("category__sort_order", "category__name")
        .values_list("category__name", "amount")
    ):
        totals[name] = totals.get(name, Decimal("0.00")) + amount
    return list(totals.items())


urlpatterns = [
    path("<int:project_id>/initiation/", initiation, name="initiation"),
    path("<int:project_id>/initiation/save/", initiation_save, name="initiation_save"),
    path("<int:project_id>/initiation/print/", initiation_print, name="initiation_print"),
    path("<int:project_id>/milestones/", milestone_add, name="milestone_add"),
    path(
        "<int:project_id>/milestones/<int:milestone_id>/",
        milestone_change,
        name="milestone_change",
    ),
]
