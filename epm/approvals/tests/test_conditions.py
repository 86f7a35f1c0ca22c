"""The condition language of chain steps: validation at save time, evaluation at submit time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epm.approvals.conditions import (
    ConditionError,
    FieldType,
    condition_holds,
    condition_problems,
)

FIELDS = {
    "amount": FieldType.DECIMAL,
    "project_type": FieldType.CHOICE,
    "days": FieldType.INTEGER,
    "urgent": FieldType.BOOLEAN,
    "due": FieldType.DATE,
    "note": FieldType.TEXT,
}
CHOICES = {"project_type": {"software", "smart", "system_integration"}}


def holds(condition, **values):
    assert condition_problems(condition, FIELDS, choices=CHOICES) == []
    return condition_holds(condition, values, FIELDS)


class TestEvaluation:
    def test_budget_change_above_amount_goes_to_the_president(self):
        rule = {"field": "amount", "op": ">", "value": "500000"}
        assert holds(rule, amount=Decimal("500000.01"))
        assert not holds(rule, amount=Decimal("500000.00"))
        assert not holds(rule, amount=None)  # no amount says nothing

    def test_decimal_comparison_has_no_float_error(self):
        rule = {"field": "amount", "op": "==", "value": "0.3"}
        assert holds(rule, amount=Decimal("0.1") + Decimal("0.2"))

    def test_all_any_not(self):
        rule = {
            "all": [
                {"field": "project_type", "op": "in", "value": ["smart", "software"]},
                {
                    "any": [
                        {"field": "urgent", "op": "==", "value": True},
                        {"not": {"field": "days", "op": "<=", "value": 10}},
                    ]
                },
            ]
        }
        assert holds(rule, project_type="smart", urgent=True, days=3)
        assert holds(rule, project_type="software", urgent=False, days=11)
        assert not holds(rule, project_type="software", urgent=False, days=10)
        assert not holds(rule, project_type="system_integration", urgent=True, days=99)

    def test_dates_and_text(self):
        assert holds({"field": "due", "op": "<", "value": "2026-10-01"}, due=dt.date(2026, 9, 30))
        assert holds({"field": "note", "op": "not_in", "value": ["x", "y"]}, note="z")

    def test_no_condition_always_holds(self):
        assert condition_holds(None, {}, FIELDS)

    def test_unvalidated_data_is_an_error_not_a_guess(self):
        with pytest.raises(ConditionError):
            condition_holds({"field": "colour", "op": "==", "value": "red"}, {}, FIELDS)

    @given(
        a=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        b=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    )
    def test_comparisons_agree_with_decimal(self, a, b, op):
        expected = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
        rule = {"field": "amount", "op": op, "value": str(b)}
        assert condition_holds(rule, {"amount": a}, FIELDS) is expected[op]
        negated = condition_holds({"not": rule}, {"amount": a}, FIELDS)
        assert negated is not expected[op]


class TestValidation:
    @pytest.mark.parametrize(
        "condition",
        [
            "amount > 5",  # a string is not data
            {"field": "colour", "op": "==", "value": "red"},  # unknown field
            {"field": "note", "op": ">", "value": "a"},  # text is not ordered
            {"field": "amount", "op": ">", "value": 0.1},  # floats are refused
            {"field": "amount", "op": ">", "value": "lots"},
            {"field": "project_type", "op": "==", "value": "spaceship"},  # not a choice
            {"field": "project_type", "op": "in", "value": []},
            {"field": "days", "op": "==", "value": True},
            {"field": "amount", "op": ">", "value": "1", "extra": 1},
            {"all": []},
            {"all": [{"field": "days", "op": "==", "value": 1}], "any": []},
            {"field": "amount", "op": "=~", "value": "1"},
            {"field": "amount", "op": ">", "value": "__import__('os')"},
        ],
    )
    def test_bad_conditions_are_refused_with_a_reason(self, condition):
        problems = condition_problems(condition, FIELDS, choices=CHOICES)
        assert problems and all(isinstance(p, str) and p for p in problems)

    def test_deep_nesting_is_refused(self):
        node = {"field": "days", "op": "==", "value": 1}
        for _ in range(20):
            node = {"not": node}
        assert condition_problems(node, FIELDS)
