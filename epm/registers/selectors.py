"""Read queries for meetings and action items, used by views, the API, the home page and the tick.

Callers get the project through `access_project` first; `my_action_items` filters by what the
user may see itself.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from epm.core.models import User
from epm.core.workcalendar import company_time_zone
from epm.projects.models import FROZEN_STATES, Project
from epm.projects.rules import visible_projects

from .models import ActionItem, ActionItemStatus, Meeting


def company_today() -> dt.date:
    return timezone.localdate(timezone=company_time_zone())


def meeting_list(project: Project) -> QuerySet[Meeting]:
    """The project's meetings, newest first, with how many action items each has (and open)."""
    return (
        Meeting.objects.filter(project=project)
        .select_related("created_by")
        .annotate(
            item_count=Count("action_items"),
            open_count=Count("action_items", filter=Q(action_items__status=ActionItemStatus.OPEN)),
        )
    )


def meeting_items(meeting: Meeting, *, today: dt.date | None = None) -> list[ActionItem]:
    """The meeting's action items, each marked `overdue` against the company's today."""
    today = today or company_today()
    items = list(meeting.action_items.select_related("owner", "done_by").order_by("due_on", "id"))
    for item in items:
        item.overdue = item.is_overdue_on(today)
    return items


def meeting_attendees(meeting: Meeting) -> list[User]:
    return list(meeting.attendees.select_related("department").order_by("username"))


def with_attendees(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return qs.prefetch_related(
        Prefetch("attendees", queryset=User.objects.order_by("username")),
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
    )


def my_action_items(
    user: User, *, today: dt.date | None = None, limit: int | None = None
) -> list[ActionItem]:
    """Open items the user owns in projects they can see and that still run, soonest due
    first; each marked `overdue` against the company's today."""
    if not user.is_authenticated:
        return []
    today = today or company_today()
    qs = (
        ActionItem.objects.filter(
            owner=user,
            status=ActionItemStatus.OPEN,
            project__in=visible_projects(user).exclude(status__in=FROZEN_STATES),
        )
        .select_related("project", "meeting")
        .order_by("due_on", "id")
    )
    items = list(qs[:limit] if limit else qs)
    for item in items:
        item.overdue = item.is_overdue_on(today)
    return items


def overdue_items(today: dt.date) -> QuerySet[ActionItem]:
    """Open items past their due date in projects that still run (for the reminder sweep)."""
    return (
        ActionItem.objects.filter(status=ActionItemStatus.OPEN, due_on__lt=today)
        .exclude(project__status__in=FROZEN_STATES)
        .select_related("owner", "project")
        .order_by("pk")
    )
