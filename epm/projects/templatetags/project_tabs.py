"""The tab bar of a project's pages, by phase: `{% project_tabs project "initiation" %}`."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# (url name, label, key); a page the installed apps do not provide is left out.
TABS = [
    ("projects:detail", _("Overview"), "overview"),
    ("projects:contract", _("Contract"), "contract"),
    ("planning:initiation", _("Initiation"), "initiation"),
    ("planning:purchase", _("Purchase plan"), "purchase"),
    ("finance:budget", _("Cost budget"), "budget"),
    ("planning:plan", _("Implementation plan"), "plan"),
    ("planning:schedule", _("Schedule"), "schedule"),
    ("registers:meetings", _("Meetings"), "meetings"),
]


@register.inclusion_tag("projects/_tabs.html")
def project_tabs(project, current: str = "", header: bool = True):
    tabs = []
    for name, label, key in TABS:
        try:
            url = reverse(name, args=[project.pk])
        except NoReverseMatch:
            continue
        tabs.append((url, label, key))
    return {"project": project, "tabs": tabs, "current": current, "header": header}
