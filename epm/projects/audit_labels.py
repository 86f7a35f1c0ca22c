"""Readable names for what the project history shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .lifecycle import STEP_LABELS
from .models import Project, Status

ACTION_LABELS = {
    "project.create": _("Project registered"),
    "project.update": _("Project details changed"),
    "project.appoint_pm": _("Project manager appointed"),
    "project.member_add": _("Member added"),
    "project.member_remove": _("Member removed"),
    "project.record_final_acceptance": _("Final acceptance recorded"),
    "lifecycle.update": _("Lifecycle template changed"),
    **{f"project.{code}": label for code, label in STEP_LABELS.items()},
}


def field_labels() -> dict[str, str]:
    labels = {
        f.name: str(f.verbose_name)
        for f in Project._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    labels["member"] = str(_("member"))
    return labels


def value_labels() -> dict[str, dict[str, str]]:
    states = {value: str(label) for value, label in Status.choices}
    return {"status": states}
