"""Readable names for the planning app's audit events (registered by the app config)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "planning.initiation_save": _("Initiation application saved"),
    "planning.milestone_add": _("Milestone added"),
    "planning.milestone_update": _("Milestone changed"),
    "planning.milestone_delete": _("Milestone removed"),
    "planning.purchase_line_add": _("Purchase plan line added"),
    "planning.purchase_line_update": _("Purchase plan line changed"),
    "planning.purchase_line_delete": _("Purchase plan line removed"),
    "planning.purchase_import": _("Purchase plan imported from Excel"),
    "planning.plan_save": _("Implementation plan saved"),
    "planning.plan_submit": _("Implementation plan submitted for approval"),
    "planning.plan_approve": _("Implementation plan approved"),
    "planning.plan_sent_back": _("Implementation plan sent back for rework"),
    "planning.plan_comment": _("Comment on the implementation plan"),
    "planning.task_add": _("WBS task added"),
    "planning.task_update": _("WBS task changed"),
    "planning.task_delete": _("WBS task removed"),
    "planning.task_move": _("WBS task moved"),
    "planning.task_drag": _("Task re-planned on the Gantt chart"),
    "planning.link_add": _("Dependency added"),
    "planning.link_update": _("Dependency changed"),
    "planning.link_delete": _("Dependency removed"),
    "planning.assignment_set": _("Person assigned to a task"),
    "planning.assignment_remove": _("Person taken off a task"),
    "planning.schedule_update": _("Schedule settings changed"),
    "planning.schedule_import": _("Schedule imported"),
    "planning.baseline_set": _("Baseline saved"),
    "planning.baseline_current": _("Current baseline switched"),
}


def field_labels() -> dict[str, object]:
    """Change keys that are not fields of the audited model: the plan's sections (audited by
    their lengths), the purchase line and milestone summaries, the plan version."""
    from .plan_sections import SECTIONS

    return {
        **{s.code: s.label for s in SECTIONS},
        "line": _("purchase plan line"),
        "total": _("purchase plan total"),
        "milestone": _("milestone"),
        "version": _("version"),
        "comment": _("comment"),
        "link": _("dependency"),
    }
