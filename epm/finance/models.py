"""Models of the finance app: cost categories and the project's cost budget (项目费用预算).

The cost budget is a matrix of cost categories × months. Its lines are written only through
`services.budget_save`, which replaces them as a whole; `MonthlyBudget` records which month's
budget is in force and since when (R13: the current month's budget comes with the initiation and
is effective as soon as the initiation is approved).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from epm.projects.models import Project


class CostCategory(models.Model):
    """A kind of cost (人工费, 差旅费, …). The PMO administrator configures them; a category
    that budgets use is deactivated rather than deleted, so old budgets keep their rows."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("cost category")
        verbose_name_plural = _("cost categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language (Chinese unless English is chosen and given)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class BudgetLine(models.Model):
    """One cell of the cost budget: a category's amount in one month (the month's 1st day)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("project")
    )
    category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="lines", verbose_name=_("category")
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["month", "category__sort_order", "category__code"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "month"], name="finance_budget_line_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="finance_budget_line_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.month:%Y-%m} {self.amount}"


class MonthlyBudgetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # prepared, not yet in force
    EFFECTIVE = "effective", _("Effective")  # in force: the month's costs are held against it


class MonthlyBudgetSource(models.TextChoices):
    # The current month's budget of a new project comes with its initiation (R13).
    INITIATION = "initiation", _("Initiation")


class MonthlyBudget(models.Model):
    """Which month's cost budget is in force for a project, since when and for how much."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="monthly_budgets", verbose_name=_("project")
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("state"),
        max_length=20,
        choices=MonthlyBudgetStatus.choices,
        default=MonthlyBudgetStatus.DRAFT,
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=MonthlyBudgetSource.choices,
        default=MonthlyBudgetSource.INITIATION,
    )
    # The month's total when it took effect (the lines may change later through change requests).
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    effective_at = models.DateTimeField(_("effective since"), null=True, blank=True)

    class Meta:
        ordering = ["month"]
        verbose_name = _("monthly budget")
        verbose_name_plural = _("monthly budgets")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="finance_monthly_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m} {self.get_status_display()}"
