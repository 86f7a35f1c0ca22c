"""The contract page (R1) and the PM nomination actions (R2, R3). Thin: fetch, call, redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied

from . import gates, intake, intake_selectors, nomination, rules, services
from .forms import (
    AppointForm,
    DeliverableForm,
    NumberForm,
    OutsourcingContractForm,
    OutsourcingForm,
)
from .models import OutsourcingStatus
from .rules import access_project


def _run(request, call: Callable[[], object], success: str) -> bool:
    """Call a service; a refusal becomes a message (404 and 403 stay pages)."""
    try:
        call()
    except ApplicationError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _back(project_id: int):
    return redirect("projects:contract", project_id)


def _save_form(request, project, form, service: Callable[..., object], success: str):
    """Validate the form, call the service with its data, and go back to the contract page
    with what happened as a message."""
    if form.is_valid():
        _run(request, lambda: service(**form.cleaned_data), success)
    else:
        _form_errors(request, form)
    return _back(project.pk)


@login_required
def contract(request, project_id: int):
    project = access_project(request.user, project_id)
    overview = intake_selectors.contract_overview(request.user, project)
    return render(
        request,
        "projects/contract.html",
        {
            "project": project,
            "o": overview,
            "can_edit": rules.can_edit_project(request.user, project),
            "deliverable_form": DeliverableForm(),
            "outsourcing_form": OutsourcingForm(),
            "number_form": NumberForm(
                initial={"number": project.number, "short_name": project.short_name}
            ),
            "approved": OutsourcingStatus.APPROVED,
            "in_approval": OutsourcingStatus.IN_APPROVAL,
        },
    )


@login_required
@require_POST
def deliverable_add(request, project_id: int):
    project = access_project(request.user, project_id)
    return _save_form(
        request,
        project,
        DeliverableForm(request.POST),
        partial(intake.deliverable_add, actor=request.user, project=project),
        _("Deliverable added."),
    )


@login_required
@require_POST
def deliverable_change(request, project_id: int, deliverable_id: int):
    project = access_project(request.user, project_id)
    if request.POST.get("delete"):
        _run(
            request,
            lambda: intake.deliverable_remove(
                actor=request.user, project=project, deliverable_id=deliverable_id
            ),
            _("Deliverable removed."),
        )
        return _back(project.pk)
    return _save_form(
        request,
        project,
        DeliverableForm(request.POST),
        partial(
            intake.deliverable_update,
            actor=request.user,
            project=project,
            deliverable_id=deliverable_id,
        ),
        _("Saved."),
    )


@login_required
@require_POST
def outsourcing_add(request, project_id: int):
    project = access_project(request.user, project_id)
    return _save_form(
        request,
        project,
        OutsourcingForm(request.POST),
        partial(intake.outsourcing_add, actor=request.user, project=project),
        _("Outsourcing part added; submit its outsourcing application next."),
    )


@login_required
@require_POST
def outsourcing_change(request, project_id: int, part_id: int):
    """Edit a part (only its contract number once approved) or remove it."""
    project = access_project(request.user, project_id)
    if request.POST.get("delete"):
        _run(
            request,
            lambda: intake.outsourcing_remove(actor=request.user, project=project, part_id=part_id),
            _("Outsourcing part removed."),
        )
        return _back(project.pk)
    form_class = OutsourcingForm if "scope" in request.POST else OutsourcingContractForm
    return _save_form(
        request,
        project,
        form_class(request.POST),
        partial(intake.outsourcing_update, actor=request.user, project=project, part_id=part_id),
        _("Saved."),
    )


@login_required
@require_POST
def outsourcing_submit(request, project_id: int, part_id: int):
    project = access_project(request.user, project_id)
    started = {}

    def call():
        started["request"] = intake.outsourcing_submit(
            actor=request.user, project=project, part_id=part_id
        )

    if _run(request, call, _("The outsourcing application was sent for approval.")):
        return redirect("approvals:detail", started["request"].pk)
    return _back(project.pk)


@login_required
@require_POST
def number_assign(request, project_id: int):
    project = access_project(request.user, project_id)
    return _save_form(
        request,
        project,
        NumberForm(request.POST),
        partial(services.project_assign_number, actor=request.user, project=project),
        _("Saved."),
    )


# --- PM nomination (R2): actions of the project page -------------------------------------------


@login_required
@require_POST
def nomination_start(request, project_id: int):
    project = access_project(request.user, project_id)
    _run(
        request,
        lambda: nomination.nomination_start(actor=request.user, project=project),
        _("The department head was asked to nominate the project manager."),
    )
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def nomination_cancel(request, project_id: int):
    project = access_project(request.user, project_id)
    _run(
        request,
        lambda: nomination.nomination_cancel(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        ),
        _("The nomination was cancelled."),
    )
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def nominate(request, project_id: int):
    project = access_project(request.user, project_id)
    form = AppointForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a project manager."))
        return redirect("projects:detail", project.pk)
    done = _run(
        request,
        lambda: nomination.nomination_submit(
            actor=request.user,
            project=project,
            pm=form.cleaned_data["pm"],
            short_name=form.cleaned_data["short_name"],
        ),
        _("Nominated; the appointment is now in approval."),
    )
    appointment = gates.open_request_codes(project).get("appoint_pm") if done else None
    if appointment is not None:
        return redirect("approvals:detail", appointment.pk)
    return redirect("projects:detail", project.pk)
