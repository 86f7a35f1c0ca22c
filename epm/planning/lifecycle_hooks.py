"""Planning's part in the project's lifecycle steps (see epm/projects/hooks.py)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.projects import hooks
from epm.projects.models import Project

from .models import ImplementationPlan
from .review import register_forms
from .selectors_plan import subprojects_overview
from .services import plan as plan_services
from .services.initiation import initiation_problems

register_forms()


@hooks.guard("submit")
def initiation_complete(project: Project) -> None:
    """R3: the initiation is reviewed on its materials; refuse to submit without them."""
    problems = initiation_problems(project)
    if problems:
        raise ApplicationError(
            _("The initiation materials are not complete (R3): %(problems)s")
            % {"problems": " ".join(problems)},
            "initiation_incomplete",
            detail=problems,
        )


@hooks.page("submit", "approve_initiation")
def initiation_page(project: Project) -> str:
    """The initiation's approvers read the application, purchase plan and budget there."""
    return reverse("planning:initiation", args=[project.pk])


# --- Implementation plan (R4): the "start_execution" step is the plan's approval ---------------


@hooks.guard("start_execution")
def plan_submitted(project: Project) -> None:
    """Execution starts on an approved plan: ask for it only with a submitted, complete plan."""
    problems = plan_services.plan_problems(project)
    if problems:
        raise ApplicationError(
            _("The implementation plan is not ready (R4): %(problems)s")
            % {"problems": " ".join(str(p) for p in problems)},
            "plan_required",
            detail=[str(p) for p in problems],
        )


@hooks.payload("start_execution")
def plan_version(project: Project) -> dict[str, int]:
    """Which version the approvers decide on."""
    plan = ImplementationPlan.objects.filter(project=project).first()
    version = plan_services.latest_submitted(plan)
    return {"plan_version": version.number} if version else {}


@hooks.page("start_execution")
@hooks.asked_on("start_execution")
def plan_page(project: Project) -> str:
    return reverse("planning:plan", args=[project.pk])


@hooks.effect("start_execution")
def plan_in_force(actor: User, project: Project) -> None:
    plan_services.plan_approved(actor=actor, project=project)


@hooks.sent_back("start_execution")
def plan_to_rewrite(actor: User, project: Project) -> None:
    plan_services.plan_sent_back(actor=actor, project=project)


@hooks.panel
def subprojects(request, project: Project) -> str | None:
    """R7: a big project's page shows its sub-projects' schedule and plan state together."""
    if not project.is_big_project:
        return None
    rows = subprojects_overview(request.user, project)
    return render_to_string(
        "planning/_subprojects.html", {"subprojects": rows, "project": project}, request=request
    )
