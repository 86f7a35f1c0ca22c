"""The project registry: types with their lifecycle templates, projects, members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """A project's lifecycle state (SPEC §1). The allowed moves are in lifecycle.py."""

    DRAFT = "draft", _("Draft")  # contract received, initiation being prepared
    INITIATION_REVIEW = "initiation_review", _("Initiation review")  # review board deciding
    APPROVED = "approved", _("Initiated")  # 已立项: approved by the president, not yet planned
    PLANNING = "planning", _("Planning")  # implementation plan being written and reviewed
    EXECUTING = "executing", _("Executing")  # plan approved, work under way
    TRIAL_RUN = "trial_run", _("Trial run")  # system in trial operation (≤ 30 days, R27)
    INITIAL_ACCEPTANCE = "initial_acceptance", _("Initial acceptance")  # 初验 passed
    FINAL_ACCEPTANCE = "final_acceptance", _("Final acceptance")  # 终验 passed
    CLOSING = "closing", _("Closing")  # closure work under way (10 working days, R30)
    CLOSED = "closed", _("Closed")  # 已结项: no more cost may be booked (R31)
    MAINTENANCE = "maintenance", _("Maintenance")  # handed over to after-sales
    SUSPENDED = "suspended", _("Suspended")  # 暂停: no reports, no expenses (R23)
    CANCELLED = "cancelled", _("Cancelled")  # 撤项: terminal, no cost (R25)


# States in which the project is finished with and nothing about it may be edited.
FROZEN_STATES = frozenset({Status.CLOSED, Status.MAINTENANCE, Status.CANCELLED})


class ProjectRole(models.TextChoices):
    """Roles of team members. PM, assistant and account manager are fields of the project.

    The customer's own people get a role only with the narrow customer view (a later issue):
    a team role shows a project's internal history and the staff directory.
    """

    TECHNICAL_LEAD = "technical_lead", _("Technical lead")
    ARCHITECT = "architect", _("Architect")
    DEVELOPER = "developer", _("Developer")
    TESTER = "tester", _("Tester")
    IMPLEMENTER = "implementer", _("Implementation engineer")
    QUALITY = "quality", _("Quality assurance")
    MEMBER = "member", _("Member")


class ProjectType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("project type")
        verbose_name_plural = _("project types")

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class LifecycleTemplate(models.Model):
    """Which optional phases and approval gates apply to one project type (edited by the PMO)."""

    project_type = models.OneToOneField(
        ProjectType, on_delete=models.CASCADE, related_name="lifecycle"
    )
    # Optional phases enabled for this type, a subset of lifecycle.OPTIONAL_PHASES.
    phases = models.JSONField(_("phases"), default=list)
    # The acceptance state after which closure starts (SI: initial, software: final).
    closure_after = models.CharField(_("closure starts after"), max_length=30)
    # Transition codes that need an approval, a subset of lifecycle.GATEABLE.
    gates = models.JSONField(_("approval gates"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lifecycle template")
        verbose_name_plural = _("lifecycle templates")

    def __str__(self) -> str:
        return str(self.project_type)


class Project(models.Model):
    number = models.CharField(
        _("project number"), max_length=40, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    project_type = models.ForeignKey(
        ProjectType, verbose_name=_("project type"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("state"), max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # The state a suspended project returns to when resumed.
    suspended_from = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status_changed_at = models.DateTimeField(_("state changed"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    customer = models.CharField(_("customer"), max_length=200)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_amount = models.DecimalField(
        _("contract amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    contract_signed_on = models.DateField(_("contract signed"), null=True, blank=True)
    is_virtual_contract = models.BooleanField(_("virtual contract"), default=False)
    contract_initial_acceptance_on = models.DateField(
        _("contractual initial acceptance"), null=True, blank=True
    )
    contract_final_acceptance_on = models.DateField(
        _("contractual final acceptance"), null=True, blank=True
    )

    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_projects",
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project assistant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_big_project = models.BooleanField(_("big project"), default=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("big project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # When acceptance actually happened; set by the acceptance steps (or, for types that close
    # after initial acceptance, by recording final acceptance later during maintenance).
    initial_accepted_on = models.DateField(_("initial acceptance passed"), null=True, blank=True)
    final_accepted_on = models.DateField(_("final acceptance passed"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_finish = models.DateField(_("planned finish"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_finish__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_finish__gte=F("planned_start")),
                name="projects_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(contract_amount__isnull=True) | Q(contract_amount__gte=0),
                name="projects_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("pk")),
                name="projects_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATES


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_memberships"
    )
    role = models.CharField(_("project role"), max_length=30, choices=ProjectRole.choices)
    joined_on = models.DateField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"], name="projects_member_role_once"
            )
        ]
        verbose_name = _("project member")
        verbose_name_plural = _("project members")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class NumberSequence(models.Model):
    """The last sequence number handed out per key (e.g. per year); locked while incrementing."""

    key = models.CharField(max_length=60, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


# --- Contract intake (R1) and PM nomination (R2) -------------------------------------------------


class ContractDeliverable(models.Model):
    """A deliverable the contract lists; closure checks each one again (R30)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("deliverable"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("contract deliverable")
        verbose_name_plural = _("contract deliverables")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="projects_deliverable_quantity_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quantity_text(self) -> str:
        """The quantity without trailing zeros ("3", "2.5"), or "" when none was given."""
        if self.quantity is None:
            return ""
        return format(self.quantity.normalize(), "f")


class OutsourcingStatus(models.TextChoices):
    """Where an outsourcing part's application (外包申请) stands."""

    DRAFT = "draft", _("Draft")  # being written, or returned/withdrawn for editing
    IN_APPROVAL = "in_approval", _("In approval")  # the outsourcing chain is deciding
    APPROVED = "approved", _("Approved")  # the part may be outsourced
    REJECTED = "rejected", _("Rejected")  # refused; may be edited and applied for again


class OutsourcingPart(models.Model):
    """A part of the contract's work given to a supplier, approved by its own application."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outsourcing_parts")
    scope = models.CharField(_("outsourced scope"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    supplier = models.CharField(_("supplier"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    contract_number = models.CharField(_("outsourcing contract number"), max_length=60, blank=True)
    status = models.CharField(
        _("state"),
        max_length=20,
        choices=OutsourcingStatus.choices,
        default=OutsourcingStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outsourcing part")
        verbose_name_plural = _("outsourcing parts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="projects_outsourcing_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.supplier}"

    @property
    def is_cleared(self) -> bool:
        """Whether the initiation may go ahead with this part (R1)."""
        return self.status == OutsourcingStatus.APPROVED or bool(self.contract_number)


class NominationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for nomination")  # the technical department has to nominate
    NOMINATED = "nominated", _("Nominated")  # a PM was nominated; the appointment is approved next
    CANCELLED = "cancelled", _("Cancelled")  # the PMO stopped it (or the project was cancelled)


class Nomination(models.Model):
    """The PMO asked the technical department to nominate a PM within 2 working days (R2)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="nominations")
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("state"), max_length=20, choices=NominationStatus.choices, default=NominationStatus.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    due_on = models.DateField(_("nominate by"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    nominated_pm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("nominated project manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(_("nominated"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("PM nomination")
        verbose_name_plural = _("PM nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="open"),
                name="projects_one_open_nomination",
            )
        ]

    def __str__(self) -> str:
        return str(_("PM nomination for %(p)s") % {"p": self.project})
