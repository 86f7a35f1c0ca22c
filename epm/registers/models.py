"""Registers of a project: meetings with their minutes and action items (more registers follow)."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# "name, title/organisation": the first comma (ASCII or full-width) separates the two.
_ATTENDEE_SEPARATOR = re.compile(r"\s*[,，]\s*")


class MeetingKind(models.TextChoices):
    KICKOFF_INTERNAL = "kickoff_internal", _("Internal kickoff meeting")
    KICKOFF_EXTERNAL = "kickoff_external", _("External kickoff meeting (with the customer)")
    REGULAR = "regular", _("Regular project meeting")  # R15: at least every two weeks


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; editors may change anything
    # Minutes sent to the attendees, the account manager, the PM's head and the PMO (R15);
    # from now on only an audited correction with a reason changes them.
    PUBLISHED = "published", _("Published")


class Meeting(models.Model):
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("start time"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("internal attendees"),
        related_name="meetings_attended",
        blank=True,
    )
    # One per line: "name, title/organisation".
    customer_attendees = models.TextField(_("customer attendees"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(
        _("state"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="registers_meeting_published_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on.isoformat()} {self.title}" if self.held_on else self.title

    @property
    def is_published(self) -> bool:
        return self.status == MeetingStatus.PUBLISHED

    def customer_attendee_list(self) -> list[tuple[str, str]]:
        """[(name, title/organisation)] from the text, one attendee per non-empty line."""
        return [
            split_attendee(line) for line in self.customer_attendees.splitlines() if line.strip()
        ]


def split_attendee(line: str) -> tuple[str, str]:
    """ "张三, 信息中心主任" → ("张三", "信息中心主任"); a line without a comma is a name."""
    parts = _ATTENDEE_SEPARATOR.split(line.strip(), maxsplit=1)
    return parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")


class ActionItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")  # to do by its owner before the due date
    DONE = "done", _("Done")  # completed; may be reopened by the owner or the PM


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_items"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="action_items",
    )
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("state"),
        max_length=10,
        choices=ActionItemStatus.choices,
        default=ActionItemStatus.OPEN,
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Set by the selectors against the company's today (not stored: it changes every midnight).
    overdue: bool = False

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="registers_ai_owner")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="registers_action_item_done_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ActionItemStatus.OPEN

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.is_open and self.due_on < today
