"""Pages: the schedule's baselines and the variance against the current one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.projects.rules import access_project

from .. import schedule_pages
from ..models import Baseline, BaselineSource
from ..selectors_baseline import (
    baselines_of,
    can_manage_baselines,
    schedule_variance,
    slip_text,
)
from ..services import baseline as services


@login_required
def baselines(request, project_id: int):
    project = access_project(request.user, project_id)
    variance = schedule_variance(project)
    context = {
        "project": project,
        "schedule_pages": schedule_pages.context(project),
        "baselines": list(baselines_of(project)),
        "variance": variance,
        "slip_texts": [slip_text(row, variance.threshold) for row in variance.slipped],
        "can_manage": can_manage_baselines(request.user, project),
        "max_note": services.MAX_NOTE,
    }
    return render(request, "planning/baselines.html", context)


def _run(request, call) -> None:
    """Run a service; its refusal becomes a message (403/404 keep their pages)."""
    try:
        call()
    except ApplicationError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        messages.error(request, exc.message)


@login_required
@require_POST
def baseline_save(request, project_id: int):
    project = access_project(request.user, project_id)

    def call():
        baseline = services.baseline_set(
            actor=request.user,
            project=project,
            source=BaselineSource.MANUAL,
            note=request.POST.get("note", ""),
        )
        messages.success(
            request,
            _("The schedule was saved as baseline %(n)d, now the current one.")
            % {"n": baseline.number},
        )

    _run(request, call)
    return redirect("planning:baselines", project.pk)


@login_required
@require_POST
def baseline_current(request, project_id: int, number: int):
    project = access_project(request.user, project_id)
    baseline = Baseline.objects.filter(project=project, number=number).first()
    if baseline is None:
        raise NotFound()

    def call():
        services.baseline_make_current(actor=request.user, baseline=baseline)
        messages.success(
            request,
            _("Variance is now measured against baseline %(n)d.") % {"n": baseline.number},
        )

    _run(request, call)
    return redirect("planning:baselines", project.pk)


urlpatterns = [
    path("<int:project_id>/schedule/baselines/", baselines, name="baselines"),
    path("<int:project_id>/schedule/baselines/save/", baseline_save, name="baseline_save"),
    path(
        "<int:project_id>/schedule/baselines/<int:number>/current/",
        baseline_current,
        name="baseline_current",
    ),
]
