"""Reading the purchase plan: its lines, their exact total and whether the user may change it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.projects.models import Project

from . import rules
from .models import PurchaseLine
from .services.purchase import lines_total, quantity_text


@dataclass(frozen=True)
class PurchaseRow:
    number: int  # 1, 2, 3 … as the printed plan numbers its lines
    line: PurchaseLine
    quantity: str  # "2", "1.5" — the quantity without the trailing zeros of its 3 places
    amount: Decimal


@dataclass
class PurchasePlan:
    project: Project
    lines: list[PurchaseLine]
    rows: list[PurchaseRow]
    total: Decimal
    editable: bool
    # Why the plan cannot be changed now (in approval, final, no PM yet, not a preparer).
    frozen_reason: str | None


def purchase_plan(user: User, project: Project) -> PurchasePlan:
    """The plan of a project the user may see (the caller got it through `access_project`)."""
    lines = list(PurchaseLine.objects.filter(project=project))
    try:
        rules.check_initiation_editable(user, project)
    except PermissionDenied:
        reason: str | None = _(
            "The project manager, the assistant and the PMO keep the purchase plan."
        )
        if project.pm is not None and project.status not in rules.INITIATION_EDITABLE:
            # Everyone is told why the plan is frozen (in approval, final), not only preparers.
            try:
                rules.check_initiation_editable(project.pm, project)
            except ApplicationError as exc:
                reason = exc.message
    except ApplicationError as exc:
        reason = exc.message
    else:
        reason = None
    return PurchasePlan(
        project=project,
        lines=lines,
        rows=[
            PurchaseRow(n, line, quantity_text(line.quantity), line.amount)
            for n, line in enumerate(lines, start=1)
        ],
        total=lines_total(lines),
        editable=reason is None,
        frozen_reason=reason,
    )
