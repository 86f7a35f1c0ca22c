"""Approval chains (definitions, versioned) and approval requests (running instances).

A `Chain` is edited by the PMO administrator; every save makes a new immutable `ChainVersion`
holding the steps as data. A request keeps the version it started with, so editing a chain never
changes an approval already under way.

A running request has one `RequestStep` per step of its version, each with `ApprovalTask`s, one
per approver. Every action anyone takes is an `ApprovalEvent`: the request's history, which a
return (退回) and resubmission never erase.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .resolution import SelfApproval


class Mode(models.TextChoices):
    ALL = "all", _("All must approve (countersign)")
    ANY = "any", _("Any one approves")
    SEQUENCE = "sequence", _("One after another")


class Chain(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    subject_kind = models.CharField(_("subject"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "ChainVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ChainVersion(models.Model):
    """One saved state of a chain: immutable once written.

    `steps` is a list of {"name", "rule", "mode", "condition", "due_days"}; `cc` a list of
    approver rules whose people are copied (抄送) when the request finishes.
    """

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    self_approval = models.CharField(
        max_length=10,
        choices=[(p.value, p.value) for p in SelfApproval],
        default=SelfApproval.ESCALATE,
    )
    # Working days after a step's due time before it escalates to the approver's head.
    escalate_after_days = models.PositiveSmallIntegerField(default=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["chain", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "number"], name="approvals_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.chain} v{self.number}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned to submitter")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_REQUEST_STATES = (RequestStatus.PENDING, RequestStatus.RETURNED)


class ApprovalRequest(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.PROTECT, related_name="requests")
    version = models.ForeignKey(ChainVersion, on_delete=models.PROTECT, related_name="requests")
    subject_kind = models.CharField(max_length=60)
    subject_id = models.PositiveBigIntegerField()
    # What the subject asks for beyond its identity (a transition code, a nominated PM, …).
    payload = models.JSONField(default=dict, blank=True)
    # The subject's condition fields as they were at (re)submission.
    values = models.JSONField(default=dict, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    round = models.PositiveSmallIntegerField(default=1)  # +1 on each resubmission after 退回
    submitted_at = models.DateTimeField(_("submitted"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_urged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["subject_kind", "subject_id"])]
        constraints = [
            # One open request per subject and ask: a second submit is refused, not duplicated.
            models.UniqueConstraint(
                fields=["chain", "subject_kind", "subject_id"],
                condition=Q(status__in=["pending", "returned"]),
                name="approvals_one_open_request",
            )
        ]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Not yet")
    ACTIVE = "active", _("In approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


class RequestStep(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    rule = models.JSONField(default=dict)
    form = models.CharField(max_length=40, blank=True)  # what approvers fill in (stepforms.py)
    due_days = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(max_length=10, choices=StepStatus.choices)
    skip_reason = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "round", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "round", "index"], name="approvals_step_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier approver")
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    TRANSFERRED = "transferred", _("Transferred")
    CANCELLED = "cancelled", _("No longer needed")


OPEN_TASK_STATES = (TaskStatus.WAITING, TaskStatus.PENDING)


class TaskOrigin(models.TextChoices):
    RULE = "rule", _("Chain rule")
    TRANSFER = "transfer", _("Transferred")
    ADD_BEFORE = "add_before", _("Added before")
    ADD_AFTER = "add_after", _("Added after")


class ApprovalTask(models.Model):
    step = models.ForeignKey(RequestStep, on_delete=models.CASCADE, related_name="tasks")
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_tasks"
    )
    position = models.PositiveSmallIntegerField(default=0)  # order within a step
    origin = models.CharField(max_length=12, choices=TaskOrigin.choices, default=TaskOrigin.RULE)
    # 前加签: this task waits until the task it names is decided.
    waits_for = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=TaskStatus.choices)
    activated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # SLA escalation: the approver's department head may then decide in their place.
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_approval_tasks",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_approval_tasks",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answers = models.JSONField(null=True, blank=True)  # the step form, filled in on approval

    class Meta:
        ordering = ["step", "position", "id"]
        indexes = [models.Index(fields=["assignee", "status"])]

    def __str__(self) -> str:
        return f"{self.step} · {self.assignee}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATES


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    RESUBMIT = "resubmit", _("Resubmitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned to submitter")
    TRANSFER = "transfer", _("Transferred")
    ADD_BEFORE = "add_before", _("Added an approver before themself")
    ADD_AFTER = "add_after", _("Added an approver after themself")
    WITHDRAW = "withdraw", _("Withdrew")
    URGE = "urge", _("Urged")
    COMMENT = "comment", _("Commented")
    SKIP = "skip", _("Step skipped")
    REMIND = "remind", _("Reminded (overdue)")
    ESCALATE = "escalate", _("Escalated (overdue)")
    CANCEL = "cancel", _("Cancelled")


class ApprovalEvent(models.Model):
    """One thing that happened to a request; never updated or deleted."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(
        ApprovalTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The approver the actor stood in for (a delegate or an escalation head), if any.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    other = models.ForeignKey(  # the person transferred to or added
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    round = models.PositiveSmallIntegerField(default=1)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.actor}"


def attachment_path(instance: ApprovalAttachment, filename: str) -> str:
    """A generated name: what people call their files (any script, any symbol) is kept in
    `name` and given back on download, and never decides where a file lands on disk."""
    suffix = PurePath(filename).suffix.lower()
    if not (1 < len(suffix) <= 10 and suffix[1:].isascii() and suffix[1:].isalnum()):
        suffix = ""
    return f"approvals/{instance.event.request_id}/{uuid.uuid4().hex}{suffix}"


class ApprovalAttachment(models.Model):
    event = models.ForeignKey(ApprovalEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name


class ApprovalCopy(models.Model):
    """抄送: someone told about a request without deciding it."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="copies")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="approvals_copy_once")
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.user}"


class Delegation(models.Model):
    """While it runs, `delegate` may decide the approval tasks of `user`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegated_to_me"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="approvals_delegation_dates"
            ),
            models.CheckConstraint(
                condition=~Q(user=models.F("delegate")), name="approvals_delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate}"
