"""The history names each change by the audited model's field and its choices, whichever app
wrote the event, and by the labels apps register for keys that are not fields."""

from __future__ import annotations

from django.utils import translation

from epm.core.audit import history_rows
from epm.core.models import AuditEvent


def event(target_type: str, action: str, changes: dict) -> AuditEvent:
    return AuditEvent(target_type=target_type, target_id="1", action=action, changes=changes)


def changes_of(*events: AuditEvent, **labels) -> list[list[tuple]]:
    with translation.override("en"):
        rows = history_rows(
            events,
            field_labels=labels.get("field_labels", {}),
            value_labels=labels.get("value_labels", {}),
        )
        return [row.changes for row in rows]


def test_fields_and_choices_come_from_the_target_model():
    [nomination, item] = changes_of(
        event("projects.nomination", "project.nominate_pm", {"status": ["open", "nominated"]}),
        event("registers.actionitem", "action_item.complete", {"status": ["open", "done"]}),
        # the caller's labels for "status" are the project's; the target's own win
        value_labels={"status": {"open": "wrong"}},
    )
    assert nomination == [("state", "Waiting for nomination", "Nominated")]  # its verbose name
    assert item == [("state", "Open", "Done")]


def test_registered_keys_section_lengths_and_unknown_keys():
    [plan] = changes_of(
        event(
            "planning.implementationplan",
            "planning.plan_save",
            {"version": [None, 2], "risk (characters)": [10, 25], "mystery": ["a", "b"]},
        )
    )
    assert plan == [
        ("version", None, 2),
        ("Risk management plan (characters)", 10, 25),
        ("mystery", "a", "b"),
    ]


def test_the_callers_labels_name_keys_nobody_else_knows():
    [member] = changes_of(
        event("projects.membership", "project.member_add", {"member": [None, "王工"]}),
        event("no.such_model", "x", {"y": [1, 2]}),
        field_labels={"member": "member"},
    )[:1]
    assert member == [("member", None, "王工")]
