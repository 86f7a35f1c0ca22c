"""Time-driven rules about projects, run by `epm tick`."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epm.core.errors import ApplicationError
from epm.core.notifications import notify
from epm.core.sweep import sweep
from epm.core.workcalendar import get_calendar

from .models import FROZEN_STATES, Nomination, NominationStatus, Project, Status

log = logging.getLogger(__name__)


def one_month_before(day: dt.date) -> dt.date:
    """The same day of the previous month, or that month's last day (31 Mar → 28/29 Feb)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _reminder_title(params: dict[str, str]) -> str:
    """Rendered by `notify` in each recipient's language."""
    return gettext("%(p)s: contractual final acceptance due on %(d)s") % params


@sweep("projects.final_acceptance_due")
def remind_final_acceptance_due(now: dt.datetime) -> int:
    """R29: one month before the contractual final acceptance, tell the PM and account manager."""
    today = timezone.localdate(now)
    horizon = dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1) + dt.timedelta(31)
    projects = (
        Project.objects.filter(
            contract_final_acceptance_on__gte=today,
            contract_final_acceptance_on__lte=horizon,
            final_accepted_on__isnull=True,  # a system-integration project in maintenance too
        )
        .exclude(status=Status.CANCELLED)
        .select_related("pm", "account_manager")
    )
    sent = 0
    for project in projects:
        due = project.contract_final_acceptance_on
        if due is None or today < one_month_before(due):
            continue
        title = partial(_reminder_title, {"p": str(project), "d": due.isoformat()})
        sent += len(
            notify(
                recipients=[project.pm, project.account_manager],
                kind="project.final_acceptance_due",
                title=title,
                body=_("Prepare the final acceptance application in time (R29)."),
                url=reverse("projects:detail", args=[project.pk]),
                dedupe_key=f"r29:{project.pk}:{due.isoformat()}",
            )
        )
    return sent


@sweep("projects.nomination_due")
def nomination_due(now: dt.datetime) -> int:
    """R2: a nomination not made by the end of its due working day reminds the department head
    once; one working day later it escalates once to the PMO administrators and the head above.

    Each step is claimed with a conditional update of its timestamp, and each notification has
    a dedupe key, so repeated or concurrent sweeps send each one once.
    """
    from .nomination import escalation_recipients, nominating_heads

    days = get_calendar()
    today = now.astimezone(days.tz).date()
    nominations = (
        Nomination.objects.filter(
            status=NominationStatus.OPEN, due_on__lte=today, project__pm__isnull=True
        )
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True))
        .exclude(project__status__in=FROZEN_STATES)
        .select_related("project", "department")
    )
    sent = 0
    for nomination in nominations:
        try:
            remind_at = days.end_of_day(nomination.due_on)
            escalate_at = days.end_of_day(days.add_working_days(nomination.due_on, 1))
        except ApplicationError:
            log.exception("nomination %s: no working calendar for its deadline", nomination.pk)
            continue
        project = nomination.project
        params = {"p": str(project), "d": nomination.due_on.isoformat()}
        url = reverse("projects:detail", args=[project.pk])
        if now >= remind_at and nomination.reminded_at is None:
            sent += _claim_and_notify(
                nomination,
                "reminded_at",
                now,
                recipients=nominating_heads(nomination.department),
                kind="project.nomination_due",
                title=partial(_nomination_reminder_title, params),
                url=url,
                key=f"nomination:{nomination.pk}:remind",
            )
        if now >= escalate_at and nomination.escalated_at is None:
            sent += _claim_and_notify(
                nomination,
                "escalated_at",
                now,
                recipients=escalation_recipients(nomination.department),
                kind="project.nomination_escalated",
                title=partial(_nomination_escalation_title, params),
                url=url,
                key=f"nomination:{nomination.pk}:escalate",
            )
    return sent


def _nomination_reminder_title(params: dict[str, str]) -> str:
    return gettext("%(p)s: the project manager was due to be nominated by %(d)s (R2)") % params


def _nomination_escalation_title(params: dict[str, str]) -> str:
    return (
        gettext("%(p)s: no project manager nominated; it was due by %(d)s (R2, escalated)") % params
    )


def _claim_and_notify(
    nomination: Nomination, field: str, now: dt.datetime, *, recipients, kind, title, url, key
) -> int:
    with transaction.atomic():
        claimed = Nomination.objects.filter(
            pk=nomination.pk, status=NominationStatus.OPEN, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if not claimed:
            return 0
        return len(notify(recipients=recipients, kind=kind, title=title, url=url, dedupe_key=key))
