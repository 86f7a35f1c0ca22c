"""Writing and reading audit events. Every service that changes state calls `audit_record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from .models import AuditEvent


def scope_of(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values in a JSON-friendly form (related objects by their string form)."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = str(value)
        values[name] = value
    return values


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    scope: str | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        scope=scope or scope_of(target),
        changes=changes or {},
        note=note,
    )


def history(scope: str):
    return AuditEvent.objects.filter(scope=scope).select_related("actor")


# Human labels for audit actions, registered by each app at start-up (AppConfig.ready) and
# read-only afterwards. An action without a label is shown by its code.
_ACTION_LABELS: dict[str, Any] = {}


def register_action_labels(labels: dict[str, Any]) -> None:
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    label = _ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class HistoryRow:
    """An audit event ready to show: what happened, and each change with readable names."""

    event: AuditEvent
    label: str
    changes: list[tuple[str, Any, Any]]


def history_rows(
    events, *, field_labels: dict[str, str], value_labels: dict[str, dict[str, str]]
) -> list[HistoryRow]:
    rows = []
    for event in events:
        changes = []
        for field, pair in event.changes.items():
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            values = value_labels.get(field, {})
            changes.append(
                (
                    field_labels.get(field, field),
                    values.get(before, before) if isinstance(before, str) else before,
                    values.get(after, after) if isinstance(after, str) else after,
                )
            )
        rows.append(HistoryRow(event=event, label=action_label(event.action), changes=changes))
    return rows
