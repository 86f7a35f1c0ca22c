"""The initiation review (R5): what commerce and the review board fill in when they approve,
and the scorecard the initiation page and the printed application show.

The forms are declared for the project-step approvals; the initiation chain's steps ask for
them (migration 0002). Scores are whole numbers from 1 (poor) to 5 (excellent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from epm.approvals.models import ApprovalRequest, ApprovalTask, TaskStatus
from epm.approvals.stepforms import CHECK, SCORE, FormField, StepForm, register_form
from epm.core.models import User
from epm.projects.gates import TRANSITION_KIND
from epm.projects.models import Project

SCORE_HELP = _("1 poor … 5 excellent")

REVIEW_SCORES = StepForm(
    code="review_scores",
    label=_("Initiation review scores (R5)"),
    help=_("Score each criterion from 1 (poor) to 5 (excellent); say why in your comment."),
    fields=(
        FormField("necessity", _("Necessity"), SCORE, SCORE_HELP),
        FormField("feasibility", _("Feasibility"), SCORE, SCORE_HELP),
        FormField("technical", _("Technical soundness"), SCORE, SCORE_HELP),
        FormField("budget", _("Budget accuracy"), SCORE, SCORE_HELP),
        FormField("benefit", _("Expected benefit"), SCORE, SCORE_HELP),
    ),
)

PURCHASE_REVIEW = StepForm(
    code="purchase_review",
    label=_("Purchase plan check against the contract"),
    help=_(
        "Commerce checks the purchase plan against the contract; "
        "if something does not match, return the request instead."
    ),
    fields=(
        FormField("configuration", _("Equipment configuration matches the contract"), CHECK),
        FormField("quantity", _("Quantities match the contract"), CHECK),
        FormField("price", _("Prices are reasonable"), CHECK),
        FormField("delivery", _("Delivery dates are achievable"), CHECK),
    ),
)

CRITERIA = [(f.name, f.label) for f in REVIEW_SCORES.fields]


def register_forms() -> None:
    register_form(TRANSITION_KIND, REVIEW_SCORES)
    register_form(TRANSITION_KIND, PURCHASE_REVIEW)


@dataclass
class ScoreRow:
    reviewer: User
    decided_at: object
    scores: dict[str, int]
    comment: str

    @property
    def total(self) -> int:
        return sum(self.scores.values())


@dataclass
class Scorecard:
    request: ApprovalRequest | None
    rows: list[ScoreRow] = field(default_factory=list)
    purchase_checks: list[tuple[User, list[tuple[str, str]], str]] = field(default_factory=list)

    @property
    def averages(self) -> dict[str, Decimal]:
        if not self.rows:
            return {}
        return {
            name: (
                Decimal(sum(row.scores.get(name, 0) for row in self.rows)) / len(self.rows)
            ).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            for name, _label in CRITERIA
        }

    @property
    def average_total(self) -> Decimal | None:
        if not self.rows:
            return None
        return (Decimal(sum(row.total for row in self.rows)) / len(self.rows)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def initiation_request(project: Project) -> ApprovalRequest | None:
    """The project's latest initiation approval (running, returned or finished)."""
    return (
        ApprovalRequest.objects.filter(
            subject_kind=TRANSITION_KIND,
            subject_id=project.pk,
            payload__code="approve_initiation",
        )
        .order_by("-submitted_at", "-id")
        .first()
    )


def scorecard(project: Project) -> Scorecard:
    """The review board's scores and commerce's checks in the latest round of the latest
    initiation approval."""
    request = initiation_request(project)
    card = Scorecard(request)
    if request is None:
        return card
    tasks = (
        ApprovalTask.objects.filter(
            request=request,
            step__round=request.round,
            status=TaskStatus.APPROVED,
            step__form__in=[REVIEW_SCORES.code, PURCHASE_REVIEW.code],
        )
        .select_related("step", "decided_by", "assignee")
        .order_by("decided_at", "id")
    )
    for task in tasks:
        reviewer = task.decided_by or task.assignee
        answers = task.answers or {}
        if task.step.form == REVIEW_SCORES.code:
            scores = {name: int(answers[name]) for name, _label in CRITERIA if name in answers}
            card.rows.append(ScoreRow(reviewer, task.decided_at, scores, task.comment))
        else:
            card.purchase_checks.append((reviewer, PURCHASE_REVIEW.rows(answers), task.comment))
    return card
