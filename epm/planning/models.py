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


# --- The schedule: WBS, dependencies, assignments, baselines (issue 5) -------------------------


class ProjectSchedule(models.Model):
    """A project's schedule settings and the figures of its last scheduling run.

    Task dates are computed by the critical-path engine (`epm.scheduling`) in working days from
    `start_on` and turned into dates by the project's working calendar; the result is stored on
    the tasks, so pages read dates instead of recomputing them.
    """

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="schedule"
    )
    start_on = models.DateField(_("schedule start"))
    # Progress is measured up to the status date; remaining work is scheduled after it.
    status_on = models.DateField(_("status date"), null=True, blank=True)
    deadline_on = models.DateField(_("deadline"), null=True, blank=True)
    calendar_code = models.CharField(_("working calendar"), max_length=40, blank=True)
    # A milestone later than its baseline by more than this many working days is flagged.
    slip_threshold_days = models.PositiveSmallIntegerField(_("slip threshold (days)"), default=5)
    finish_on = models.DateField(_("computed finish"), null=True, blank=True)
    computed_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    # Bumped by every change: clients send the revision they saw, so a stale edit is noticed.
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        verbose_name = _("project schedule")
        verbose_name_plural = _("project schedules")

    def __str__(self) -> str:
        return str(_("Schedule of %(p)s") % {"p": self.project})


class TaskKind(models.TextChoices):
    SUMMARY = "summary", _("Summary task")  # rolled up from its children
    TASK = "task", _("Task")
    MILESTONE = "milestone", _("Milestone")  # zero duration


class ConstraintType(models.TextChoices):
    ASAP = "asap", _("As soon as possible")
    SNET = "snet", _("Start no earlier than")
    FNLT = "fnlt", _("Finish no later than")
    MSO = "mso", _("Must start on")


class WbsTask(models.Model):
    """One element of the work breakdown structure.

    The tree is `parent` + `position` among siblings; `row` (pre-order index) and `outline`
    ("1.2.3") are derived from it and rewritten whenever the tree changes. A task with
    children is a summary: its dates span its children's. The computed fields are written by
    the scheduler only.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="wbs_tasks"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    row = models.PositiveIntegerField(_("row"), default=0)
    outline = models.CharField(_("WBS code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=TaskKind.choices, default=TaskKind.TASK
    )
    duration_days = models.PositiveIntegerField(_("duration (working days)"), default=1)
    constraint_type = models.CharField(
        _("constraint"), max_length=10, choices=ConstraintType.choices, default=ConstraintType.ASAP
    )
    constraint_on = models.DateField(_("constraint date"), null=True, blank=True)
    actual_start_on = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish_on = models.DateField(_("actual finish"), null=True, blank=True)
    percent_complete = models.PositiveSmallIntegerField(_("Percent complete"), default=0)
    remaining_days = models.PositiveIntegerField(
        _("remaining (working days)"), null=True, blank=True
    )
    # Milestones: one work product per line, as on the preliminary schedule.
    work_products = models.TextField(_("work products"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The task's UID in an MS Project file it came from, kept for a faithful round trip.
    external_uid = models.IntegerField(null=True, blank=True)
    # When the PM was told this milestone slipped past the current baseline (once per baseline).
    slip_notified_at = models.DateTimeField(null=True, blank=True)

    # Written by the scheduler.
    start_on = models.DateField(_("start"), null=True, blank=True)
    finish_on = models.DateField(_("finish"), null=True, blank=True)
    early_start = models.IntegerField(null=True, blank=True)
    early_finish = models.IntegerField(null=True, blank=True)
    late_start = models.IntegerField(null=True, blank=True)
    late_finish = models.IntegerField(null=True, blank=True)
    total_float = models.IntegerField(_("total float"), null=True, blank=True)
    free_float = models.IntegerField(_("free float"), null=True, blank=True)
    critical = models.BooleanField(_("critical"), default=False)

    class Meta:
        ordering = ["project", "row", "id"]
        indexes = [models.Index(fields=["project", "row"], name="planning_wbs_row")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="planning_wbs_percent_range"
            ),
        ]
        verbose_name = _("WBS task")
        verbose_name_plural = _("WBS tasks")

    def __str__(self) -> str:
        return f"{self.outline} {self.name}".strip()

    @property
    def is_milestone(self) -> bool:
        return self.kind == TaskKind.MILESTONE

    @property
    def is_summary(self) -> bool:
        return self.kind == TaskKind.SUMMARY

    @property
    def work_product_list(self) -> list[str]:
        return [line.strip() for line in self.work_products.splitlines() if line.strip()]


class LinkKind(models.TextChoices):
    FS = "FS", _("Finish to start")
    SS = "SS", _("Start to start")
    FF = "FF", _("Finish to finish")
    SF = "SF", _("Start to finish")


class Dependency(models.Model):
    """The successor waits on the predecessor by `kind`, `lag_days` later (negative: a lead)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="dependencies"
    )
    predecessor = models.ForeignKey(
        WbsTask, on_delete=models.CASCADE, related_name="successor_links"
    )
    successor = models.ForeignKey(
        WbsTask, on_delete=models.CASCADE, related_name="predecessor_links"
    )
    kind = models.CharField(_("type"), max_length=2, choices=LinkKind.choices, default=LinkKind.FS)
    lag_days = models.IntegerField(_("lag (working days)"), default=0)

    class Meta:
        ordering = ["project", "successor", "predecessor"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="planning_dependency_once"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="planning_dependency_not_self"
            ),
        ]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")

    def __str__(self) -> str:
        lag = f"{self.lag_days:+d}" if self.lag_days else ""
        return f"{self.predecessor_id}{self.kind}{lag}→{self.successor_id}"


class Assignment(models.Model):
    """A person (or, from an imported file, a named resource not matched to anyone) on a task."""

    task = models.ForeignKey(WbsTask, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="task_assignments",
    )
    resource_name = models.CharField(_("resource"), max_length=200, blank=True)
    planned_hours = models.DecimalField(_("planned hours"), max_digits=9, decimal_places=1)

    class Meta:
        ordering = ["task", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_hours__gte=0), name="planning_assignment_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(resource_name=""),
                name="planning_assignment_someone",
            ),
            models.UniqueConstraint(
                fields=["task", "user"],
                condition=Q(user__isnull=False),
                name="planning_assignment_once",
            ),
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        who = self.user.name if self.user_id and self.user else self.resource_name
        return f"{who} {self.planned_hours}h"


class BaselineSource(models.TextChoices):
    PLAN = "plan", _("Implementation plan approved")
    CHANGE = "change", _("Schedule change approved")
    MANUAL = "manual", _("Saved by the PMO")
    IMPORT = "import", _("Imported")


class Baseline(models.Model):
    """A saved copy of the schedule to measure variance against; one per project is current."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="baselines"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    source = models.CharField(_("source"), max_length=10, choices=BaselineSource.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    finish_on = models.DateField(_("finish"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="planning_baseline_once"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="planning_baseline_current"
            ),
        ]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")

    def __str__(self) -> str:
        return str(_("Baseline %(n)d") % {"n": self.number})


class BaselineTask(models.Model):
    """One task's dates as the baseline saw them (kept when the task is later deleted)."""

    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(
        WbsTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="baseline_rows"
    )
    outline = models.CharField(_("WBS code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    start_on = models.DateField(_("start"), null=True, blank=True)
    finish_on = models.DateField(_("finish"), null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (working days)"), default=0)

    class Meta:
        ordering = ["baseline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "task"],
                condition=Q(task__isnull=False),
                name="planning_baseline_task_once",
            )
        ]
        verbose_name = _("baseline task")
        verbose_name_plural = _("baseline tasks")

    def __str__(self) -> str:
        return f"{self.outline} {self.name}"
