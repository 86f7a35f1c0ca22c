"""Writing and reading audit events. Every service that changes state calls `audit_record`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

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


# Labels of change keys that are not fields of the event's target model ("version", the lengths
# of a document's sections, …), registered by apps at start-up like the action labels.
_FIELD_LABELS: dict[str, Any] = {}

# A document's long texts are audited by their lengths, under "<field> (characters)".
CHARACTERS_SUFFIX = " (characters)"


def register_field_labels(labels: dict[str, Any]) -> None:
    _FIELD_LABELS.update(labels)


def _model_labels(target_type: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The target model's field names and the labels of its fields' choices."""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return {}, {}
    fields: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for f in model._meta.get_fields():
        if hasattr(f, "verbose_name"):
            fields[f.name] = str(f.verbose_name)
        if getattr(f, "choices", None):
            values[f.name] = {str(value): str(label) for value, label in f.choices}
    return fields, values


def _key_label(key: str, *labels: dict[str, str]) -> str:
    if key.endswith(CHARACTERS_SUFFIX):
        field = _key_label(key.removesuffix(CHARACTERS_SUFFIX), *labels)
        return _("%(field)s (characters)") % {"field": field}
    return next((found[key] for found in labels if key in found), key)


def history_rows(
    events, *, field_labels: dict[str, str], value_labels: dict[str, dict[str, str]]
) -> list[HistoryRow]:
    """Events with readable changes: a key is named by the target model's field, else by what an
    app registered, else by `field_labels`; values by the field's choices, else `value_labels`."""
    extra = {key: str(label) for key, label in _FIELD_LABELS.items()}
    by_model: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]] = {}
    rows = []
    for event in events:
        if event.target_type not in by_model:
            by_model[event.target_type] = _model_labels(event.target_type)
        model_fields, model_values = by_model[event.target_type]

        changes = []
        for field, pair in event.changes.items():
            before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            values = model_values.get(field) or value_labels.get(field, {})
            changes.append(
                (
                    _key_label(field, model_fields, extra, field_labels),
                    values.get(before, before) if isinstance(before, str) else before,
                    values.get(after, after) if isinstance(after, str) else after,
                )
            )
        rows.append(HistoryRow(event=event, label=action_label(event.action), changes=changes))
    return rows
