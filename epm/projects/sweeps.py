"""Time-driven rules about projects, run by `epm tick`."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epm.core.notifications import notify
from epm.core.sweep import sweep

from .models import Project, Status


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
