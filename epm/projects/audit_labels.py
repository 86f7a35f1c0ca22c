"""Readable names for what the project history shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .lifecycle import STEP_LABELS
from .models import OutsourcingStatus

ACTION_LABELS = {
    "project.create": _("Project registered"),
    "project.update": _("Project details changed"),
    "project.appoint_pm": _("Project manager appointed"),
    "project.member_add": _("Member added"),
    "project.member_remove": _("Member removed"),
    "project.record_final_acceptance": _("Final acceptance recorded"),
    "project.assign_number": _("Project number set"),
    "project.deliverable_add": _("Contract deliverable added"),
    "project.deliverable_update": _("Contract deliverable changed"),
    "project.deliverable_remove": _("Contract deliverable removed"),
    "project.outsourcing_add": _("Outsourcing part added"),
    "project.outsourcing_update": _("Outsourcing part changed"),
    "project.outsourcing_remove": _("Outsourcing part removed"),
    "project.outsourcing_status": _("Outsourcing application"),
    "project.nomination_start": _("PM nomination requested"),
    "project.nominate_pm": _("Project manager nominated"),
    "project.nomination_cancel": _("PM nomination cancelled"),
    "project.nomination_reopen": _("PM nomination reopened"),
    "lifecycle.update": _("Lifecycle template changed"),
    **{f"project.{code}": label for code, label in STEP_LABELS.items()},
}


def field_labels() -> dict[str, str]:
    """Change keys that are not fields of the audited model (the history reads those from the
    model itself: a project's, a deliverable's, a nomination's)."""
    return {
        "member": str(_("member")),
        "deliverable": str(_("deliverable")),
        "outsourcing": str(_("outsourcing part")),
        "outsourcing_status": str(_("outsourcing application")),
        "nominated_pm": str(_("nominated project manager")),
    }


def value_labels() -> dict[str, dict[str, str]]:
    return {"outsourcing_status": {value: str(label) for value, label in OutsourcingStatus.choices}}
