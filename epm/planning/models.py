"""Plans of a project before execution: the initiation materials and the implementation plan.

Initiation materials (R3): the initiation application, the purchase plan and the preliminary
schedule (milestones). The cost budget belongs to finance. The implementation plan (R4) is a set
of sections kept in numbered versions: a returned plan is edited into a new version, so
reviewers can see what changed since the version they read.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class InitiationApplication(models.Model):
    """立项申请表. The preliminary budget is not typed: it is the purchase plan plus the cost
    budget, so the figures the review board reads cannot disagree with each other."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="initiation"
    )
    background = models.TextField(_("background"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    expected_benefits = models.TextField(_("expected benefits"), blank=True)
    risks = models.TextField(_("risks foreseen"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("initiation application")
        verbose_name_plural = _("initiation applications")

    def __str__(self) -> str:
        return str(_("Initiation application of %(p)s") % {"p": self.project})


class Milestone(models.Model):
    """A milestone of the preliminary schedule with the work products due at it."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("name"), max_length=200)
    planned_on = models.DateField(_("planned date"))
    # One work product per line ("需求规格说明书", "系统上线确认单", …).
    work_products = models.TextField(_("work products"), blank=True)

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name

    @property
    def work_product_list(self) -> list[str]:
        return [line.strip() for line in self.work_products.splitlines() if line.strip()]


class PurchaseLine(models.Model):
    """A line of the purchase plan (项目采购计划); commerce checks it against the contract."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="purchase_lines"
    )
    position = models.PositiveIntegerField(_("line"), default=0)
    item = models.CharField(_("item"), max_length=200)
    specification = models.TextField(_("specification / configuration"), blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=2)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    delivery_on = models.DateField(_("required delivery date"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("purchase plan line")
        verbose_name_plural = _("purchase plan lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="planning_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="planning_price_positive"),
        ]

    def __str__(self) -> str:
        return self.item

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")  # new, or returned and being edited into a new version
    IN_REVIEW = "in_review", _("In review")  # the latest version is with the reviewers
    APPROVED = "approved", _("Approved")  # the latest version is in force


class ImplementationPlan(models.Model):
    """项目实施计划 (R4); its content lives in versions."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="implementation_plan"
    )
    status = models.CharField(
        _("state"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")

    def __str__(self) -> str:
        return str(_("Implementation plan of %(p)s") % {"p": self.project})


class PlanVersion(models.Model):
    """One version of the plan: section code → text. A version is frozen once submitted."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    sections = models.JSONField(_("sections"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planning_version_once")
        ]
        verbose_name = _("implementation plan version")
        verbose_name_plural = _("implementation plan versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class PlanComment(models.Model):
    """A reviewer's comment on one section of one version (any reviewer may comment on any)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(_("section"), max_length=30)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_comments"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("plan comment")
        verbose_name_plural = _("plan comments")

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class PlanSeen(models.Model):
    """The last version a person opened, so they are shown what changed since."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version_number = models.PositiveSmallIntegerField()
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="planning_seen_once")]

    def __str__(self) -> str:
        return f"{self.user} v{self.version_number}"
