"""Time-driven rules of the registers, run by `epm tick`."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone

from epm.core.models import Notification
from epm.core.notifications import notify
from epm.core.sweep import sweep
from epm.core.workcalendar import company_time_zone

from .models import ActionItem
from .selectors import overdue_items
from .services import overdue_key, overdue_title

CHUNK = 500  # keys per query: well inside every database's parameter limit


@sweep("registers.action_items_overdue")
def remind_overdue_action_items(now: dt.datetime) -> int:
    """Tell the owner once when an open action item passes its due date (the company's local
    date, calendar days). The key holds the due date: a postponed item that falls due again
    is reminded again; repeated sweeps send nothing more."""
    today = timezone.localdate(now, timezone=company_time_zone())
    sent = 0
    items = list(overdue_items(today))
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        # Skip what an earlier sweep delivered rather than bump into the unique key every minute.
        delivered = set(
            Notification.objects.filter(
                dedupe_key__in=[overdue_key(item) for item in chunk]
            ).values_list("recipient_id", "dedupe_key")
        )
        sent += sum(
            _remind(item) for item in chunk if (item.owner_id, overdue_key(item)) not in delivered
        )
    return sent


def _remind(item: ActionItem) -> int:
    params = {"t": item.title, "d": item.due_on.isoformat()}
    return len(
        notify(
            recipients=[item.owner],
            kind="registers.action_item_overdue",
            title=partial(overdue_title, params),
            body=str(item.project),
            url=reverse("registers:meeting", args=[item.project_id, item.meeting_id]),
            dedupe_key=overdue_key(item),
        )
    )
