"""Readable names for what the project history shows about meetings and action items."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "meeting.create": _("Meeting recorded"),
    "meeting.update": _("Meeting record changed"),
    "meeting.publish": _("Meeting minutes published"),
    "meeting.correct": _("Published minutes corrected"),
    "action_item.add": _("Action item added"),
    "action_item.update": _("Action item changed"),
    "action_item.complete": _("Action item done"),
    "action_item.reopen": _("Action item reopened"),
}
