"""Finance's part in the project's lifecycle steps (see epm/projects/hooks.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.projects import hooks
from epm.projects.models import Project
from epm.projects.services import company_today

from .models import BudgetLine
from .services import budget_make_effective


@hooks.guard("submit")
def budget_required(project: Project) -> None:
    """R3: the initiation is reviewed with its cost budget; refuse to submit without one."""
    if not BudgetLine.objects.filter(project=project, amount__gt=0).exists():
        raise ApplicationError(
            _("The cost budget is empty (R3): enter the budgeted costs by category and month."),
            "budget_required",
        )


@hooks.effect("approve_initiation")
def current_month_effective(actor: User, project: Project) -> None:
    """R13: a new project's current-month budget comes with its initiation and is in force as
    soon as the initiation is approved."""
    budget_make_effective(actor=actor, project=project, month=company_today())
