"""The pages under a project's "Schedule" tab, in the order the sub-navigation shows them.

Views put `schedule_pages` in their context (see `context()`); a page whose view is not
installed yet is left out, like the project tabs do.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PAGES = [
    ("planning:schedule", _("WBS"), "wbs"),
    ("planning:gantt", _("Gantt chart"), "gantt"),
    ("planning:network", _("Network diagram"), "network"),
    ("planning:baselines", _("Baselines"), "baselines"),
    ("planning:schedule_exchange", _("Import / export"), "exchange"),
]


def context(project) -> list[tuple[str, Any, str]]:
    pages = []
    for name, label, key in PAGES:
        try:
            reverse(name, args=[project.pk])
        except NoReverseMatch:
            continue
        pages.append((name, label, key))
    return pages
