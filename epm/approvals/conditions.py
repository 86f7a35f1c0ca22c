"""Step conditions: small predicates stored as JSON data and evaluated without `eval`.

A chain step may apply only to some subjects ("budget changes above 500,000 go to the
president"). The PMO writes such a condition in the chain editor; it is stored as data:

    {"field": "amount", "op": ">", "value": "500000"}
    {"all": [{"field": "project_type", "op": "in", "value": ["smart", "software"]},
             {"field": "amount", "op": ">=", "value": "1000000.00"}]}
    {"any": [...]}      {"not": {...}}

Fields are the ones a subject declares, each with a type; a condition naming an unknown field,
an operator its type does not support, or a value of the wrong type is refused when the chain
is saved (`condition_problems`), so evaluation (`condition_holds`) never guesses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _


class FieldType(StrEnum):
    DECIMAL = "decimal"  # money and quantities: compared as Decimal, never float
    INTEGER = "integer"
    TEXT = "text"
    CHOICE = "choice"  # a code from a fixed list (project type, change kind, …)
    BOOLEAN = "boolean"
    DATE = "date"


ORDERED = frozenset({FieldType.DECIMAL, FieldType.INTEGER, FieldType.DATE})
OPERATORS: dict[str, frozenset[FieldType]] = {
    "==": frozenset(FieldType),
    "!=": frozenset(FieldType),
    "<": ORDERED,
    "<=": ORDERED,
    ">": ORDERED,
    ">=": ORDERED,
    "in": frozenset({FieldType.TEXT, FieldType.CHOICE, FieldType.INTEGER}),
    "not_in": frozenset({FieldType.TEXT, FieldType.CHOICE, FieldType.INTEGER}),
}
MAX_DEPTH = 8  # nesting of all/any/not; deeper is a mistake, not a policy


class ConditionError(ValueError):
    """A condition that cannot be evaluated; raised only for data that skipped validation."""


def _coerce(value: Any, kind: FieldType) -> Any:
    """The value as its field's type, or ConditionError."""
    try:
        if kind == FieldType.DECIMAL:
            if isinstance(value, float | bool):
                raise ConditionError("decimals are written as strings or integers, not floats")
            result = Decimal(str(value))
            if not result.is_finite():
                raise ConditionError("not a finite number")
            return result
        if kind == FieldType.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ConditionError("not an integer")
            return int(value)
        if kind == FieldType.BOOLEAN:
            if not isinstance(value, bool):
                raise ConditionError("not true or false")
            return value
        if kind == FieldType.DATE:
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if not isinstance(value, str):
            raise ConditionError("not text")
        return value
    except (InvalidOperation, ValueError, TypeError) as exc:
        if isinstance(exc, ConditionError):
            raise
        raise ConditionError(str(exc)) from exc


def condition_problems(
    condition: Any,
    fields: Mapping[str, FieldType],
    *,
    choices: Mapping[str, set[str]] | None = None,
) -> list[str]:
    """Why `condition` is unusable for a subject with these fields (translated sentences)."""
    problems: list[str] = []

    def check(node: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            problems.append(_("The condition is nested too deeply."))
            return
        if not isinstance(node, dict):
            problems.append(_("A condition must be an object."))
            return
        groups = [key for key in ("all", "any", "not") if key in node]
        if groups:
            if len(node) != 1:
                problems.append(_("“all”, “any” and “not” stand alone in their object."))
                return
            key = groups[0]
            if key == "not":
                check(node["not"], depth + 1)
                return
            if not isinstance(node[key], list) or not node[key]:
                problems.append(_("“%(key)s” needs a non-empty list.") % {"key": key})
                return
            for child in node[key]:
                check(child, depth + 1)
            return
        if set(node) != {"field", "op", "value"}:
            problems.append(_("A comparison has exactly a field, an operator and a value."))
            return
        name, op, value = node["field"], node["op"], node["value"]
        kind = fields.get(name) if isinstance(name, str) else None
        if kind is None:
            problems.append(_("Unknown field: %(field)s") % {"field": name})
            return
        if op not in OPERATORS or kind not in OPERATORS[op]:
            problems.append(
                _("The operator %(op)s does not apply to %(field)s.") % {"op": op, "field": name}
            )
            return
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and (not isinstance(value, list) or not value):
            problems.append(_("“%(op)s” needs a non-empty list of values.") % {"op": op})
            return
        for item in values:
            try:
                coerced = _coerce(item, kind)
            except ConditionError:
                problems.append(
                    _("%(value)s is not a valid value for %(field)s.")
                    % {"value": item, "field": name}
                )
                continue
            allowed = (choices or {}).get(name)
            if kind == FieldType.CHOICE and allowed is not None and coerced not in allowed:
                problems.append(
                    _("%(value)s is not one of the choices of %(field)s.")
                    % {"value": item, "field": name}
                )

    check(condition, 0)
    return [str(p) for p in problems]


def condition_holds(
    condition: Mapping[str, Any] | None,
    values: Mapping[str, Any],
    fields: Mapping[str, FieldType],
) -> bool:
    """Whether a (validated) condition holds for a subject's values. No condition: it holds.

    A comparison with a field the subject left empty (None) is false, whatever the operator:
    "amount > 500000" says nothing about a change with no amount.
    """
    if condition is None:
        return True
    if "all" in condition:
        return all(condition_holds(c, values, fields) for c in condition["all"])
    if "any" in condition:
        return any(condition_holds(c, values, fields) for c in condition["any"])
    if "not" in condition:
        return not condition_holds(condition["not"], values, fields)
    name, op = condition["field"], condition["op"]
    if name not in fields or op not in OPERATORS:
        raise ConditionError(f"unvalidated condition: {condition!r}")
    kind = fields[name]
    actual = values.get(name)
    if actual is None:
        return False
    actual = _coerce(actual, kind)
    if op in ("in", "not_in"):
        options = [_coerce(v, kind) for v in condition["value"]]
        return (actual in options) == (op == "in")
    expected = _coerce(condition["value"], kind)
    return {
        "==": actual == expected,
        "!=": actual != expected,
        "<": actual < expected,
        "<=": actual <= expected,
        ">": actual > expected,
        ">=": actual >= expected,
    }[op]
