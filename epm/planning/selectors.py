"""Reading the initiation materials: one overview for the page, the API and the printed form."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps

from epm.approvals.models import ApprovalRequest, ApprovalTask, TaskStatus
from epm.core.models import User
from epm.projects import hooks
from epm.projects.lifecycle import transition_by_code
from epm.projects.models import Project, Status
from epm.projects.rules import can_request_transition

from . import rules
from .models import InitiationApplication, Milestone, PurchaseLine
from .review import Scorecard, initiation_request, scorecard

ZERO = Decimal("0.00")


def purchase_total(project: Project) -> Decimal:
    """Exact: the sum of the lines' rounded amounts, as the printed plan adds them."""
    return sum((line.amount for line in PurchaseLine.objects.filter(project=project)), start=ZERO)


def cost_budget_total(project: Project) -> Decimal:
    """The cost budget's grand total (finance keeps the lines)."""
    try:
        model = apps.get_model("finance", "BudgetLine")
    except LookupError:
        return ZERO
    # Added here, not by SQL: SQLite would sum the decimals as floating point.
    amounts = model.objects.filter(project=project).values_list("amount", flat=True)
    return sum(amounts, start=ZERO)


@dataclass
class InitiationOverview:
    project: Project
    application: InitiationApplication
    milestones: list[Milestone]
    purchase_total: Decimal
    purchase_lines: int
    budget_total: Decimal
    editable: bool
    can_submit: bool
    problems: list[str]
    request: ApprovalRequest | None
    scorecard: Scorecard
    decisions: list[ApprovalTask] = field(default_factory=list)

    @property
    def preliminary_budget(self) -> Decimal:
        """What the review board judges as the preliminary budget: purchases plus costs."""
        return self.purchase_total + self.budget_total


def initiation_overview(user: User, project: Project) -> InitiationOverview:
    application = InitiationApplication.objects.filter(project=project).first()
    submit = transition_by_code(project.project_type.lifecycle, "submit")
    problems = hooks.problems("submit", project) if project.status == Status.DRAFT else []
    request = initiation_request(project)
    decisions: list[ApprovalTask] = []
    if request is not None:
        decisions = list(
            ApprovalTask.objects.filter(
                request=request,
                step__round=request.round,
                status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED],
            )
            .select_related("step", "decided_by", "assignee")
            .order_by("decided_at", "id")
        )
    return InitiationOverview(
        project=project,
        application=application or InitiationApplication(project=project),
        milestones=list(project.milestones.all()),
        purchase_total=purchase_total(project),
        purchase_lines=PurchaseLine.objects.filter(project=project).count(),
        budget_total=cost_budget_total(project),
        editable=rules.can_edit_initiation(user, project) and project.pm_id is not None,
        can_submit=(
            project.status == Status.DRAFT
            and submit is not None
            and can_request_transition(user, project, submit)
            and not problems
        ),
        problems=problems,
        request=request,
        scorecard=scorecard(project),
        decisions=decisions,
    )
