"""Readable names for what the project history shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .lifecycle import STEP_LABELS
from .models import (
    ContractDeliverable,
    Nomination,
    NominationStatus,
    OutsourcingPart,
    OutsourcingStatus,
    Project,
    Status,
)

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
    labels = {
        f.name: str(f.verbose_name)
        for f in Project._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    labels["member"] = str(_("member"))
    for model in (ContractDeliverable, OutsourcingPart, Nomination):
        for f in model._meta.get_fields():
            if hasattr(f, "verbose_name") and f.name not in labels:
                labels[f.name] = str(f.verbose_name)
    labels["deliverable"] = str(_("deliverable"))
    labels["outsourcing"] = str(_("outsourcing part"))
    labels["outsourcing_status"] = str(_("outsourcing application"))
    labels["nominated_pm"] = str(_("nominated project manager"))
    return labels


def value_labels() -> dict[str, dict[str, str]]:
    states = {value: str(label) for value, label in Status.choices}
    outsourcing = {value: str(label) for value, label in OutsourcingStatus.choices}
    nomination = {value: str(label) for value, label in NominationStatus.choices}
    return {"status": {**nomination, **states}, "outsourcing_status": outsourcing}
