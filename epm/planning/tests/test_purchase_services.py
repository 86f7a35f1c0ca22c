"""The purchase plan's services: adding, changing and removing lines, exact totals, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.planning.models import PurchaseLine
from epm.planning.selectors_purchase import purchase_plan
from epm.planning.services.purchase import (
    lines_total,
    purchase_line_add,
    purchase_line_delete,
    purchase_line_update,
)
from epm.projects.services import project_member_add

LINE = {
    "item": "服务器",
    "specification": "2×16核, 256GB",
    "quantity": "2",
    "unit": "台",
    "unit_price": "85000.00",
    "supplier": "某科技公司",
    "delivery_on": dt.date(2026, 5, 1),
    "note": "",
}


def add(project, actor, **fields):
    return purchase_line_add(actor=actor, project=project, **{**LINE, **fields})


def refusal_on(project, actor, **fields) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        add(project, actor, **fields)
    return error.value


def refusal(project, actor, **fields) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        add(project, actor, **fields)
    assert not PurchaseLine.objects.filter(project=project).exists()
    return error.value


@pytest.mark.django_db
class TestLines:
    def test_add_update_delete_with_audit(self, company, project):
        # given a line
        line = add(project, company.pm)
        assert (line.quantity, line.unit_price, line.amount) == (
            Decimal("2.000"),
            Decimal("85000.00"),
            Decimal("170000.00"),
        )
        assert line.position == 1 and add(project, company.pm, item="交换机").position == 2

        # when it is changed and the other removed
        line = purchase_line_update(
            actor=company.pmo, project=project, line_id=line.pk, quantity=Decimal("3")
        )
        other = PurchaseLine.objects.get(item="交换机")
        purchase_line_delete(actor=company.pm, project=project, line_id=other.pk)

        # then
        assert list(PurchaseLine.objects.filter(project=project)) == [line]
        assert line.amount == Decimal("255000.00")
        events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="planning.pu")}
        assert set(events) == {
            "planning.purchase_line_add",
            "planning.purchase_line_update",
            "planning.purchase_line_delete",
        }
        update = events["planning.purchase_line_update"]
        assert update.changes["quantity"] == ["2", "3"]
        assert update.changes["total"] == ["340000.00", "425000.00"]
        assert update.scope == f"projects.project:{project.pk}"
        assert events["planning.purchase_line_delete"].changes["total"] == [
            "425000.00",
            "255000.00",
        ]

    def test_an_update_that_changes_nothing_writes_no_event(self, company, project):
        line = add(project, company.pm)
        purchase_line_update(actor=company.pm, project=project, line_id=line.pk, quantity="2.000")
        assert not AuditEvent.objects.filter(action="planning.purchase_line_update").exists()

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"quantity": "0"}, "not_positive"),
            ({"quantity": "-1"}, "not_positive"),
            ({"unit_price": "0"}, "not_positive"),
            ({"unit_price": Decimal("-0.01")}, "not_positive"),
            ({"quantity": "1.0001"}, "too_many_decimals"),
            ({"unit_price": "9.999"}, "too_many_decimals"),
            ({"unit_price": "1e14"}, "too_large"),
            # 16 significant digits: SQLite would round it (MONEY_LIMIT)
            ({"unit_price": "12345678901234.57"}, "too_large"),
            ({"unit_price": "NaN"}, "not_a_number"),
            ({"quantity": "两台"}, "not_a_number"),
            ({"item": "  "}, "required"),
            ({"unit": ""}, "required"),
            ({"item": "长" * 201}, "too_long"),
            ({"unit": "u" * 21}, "too_long"),
            ({"note": "n" * 501}, "too_long"),
            ({"delivery_on": None}, "required"),
            ({"delivery_on": "next week"}, "not_a_date"),
            ({"delivery_on": dt.date(2026, 2, 28)}, "before_contract"),
        ],
    )
    def test_bad_values_are_refused(self, company, project, fields, code):
        error = refusal(project, company.pm, **fields)
        assert error.code == code and error.status == 400
        assert error.detail[0]["code"] == code

    def test_the_largest_price_is_stored_exactly(self, company, project):
        line = add(project, company.pm, quantity="1", unit_price="9999999999999.99")
        line.refresh_from_db()
        assert line.unit_price == Decimal("9999999999999.99")
        assert line.amount == Decimal("9999999999999.99")

    def test_every_bad_field_is_named_at_once(self, company, project):
        from django.utils import translation

        with translation.override("en"):
            error = refusal(project, company.pm, quantity="-1", unit_price="0.001", item="")
        assert [d["field"] for d in error.detail] == ["item", "quantity", "unit_price"]
        assert error.message.startswith("Item: is required; Quantity: must be greater than 0")

    def test_delivery_on_the_contract_date_or_without_one_is_fine(self, company, make_project):
        project = make_project()
        assert add(project, company.pm, delivery_on=dt.date(2026, 3, 1))
        unsigned = make_project(contract_signed_on=None, name="虚拟合同项目")
        assert add(unsigned, company.pm, delivery_on=dt.date(2000, 1, 1))

    def test_unknown_fields_and_other_projects_lines(self, company, project, make_project):
        with pytest.raises(ApplicationError) as unknown:
            add(project, company.pm, amount="1")
        other = make_project(name="另一个项目")
        line = add(other, company.pm)
        with pytest.raises(ApplicationError) as foreign:
            purchase_line_update(actor=company.pm, project=project, line_id=line.pk, item="x")
        with pytest.raises(ApplicationError) as missing:
            purchase_line_delete(actor=company.pm, project=project, line_id="x")
        assert unknown.value.code == "invalid_field"
        assert (foreign.value.status, missing.value.status) == (404, 404)
        assert PurchaseLine.objects.get(pk=line.pk).item == "服务器"

    def test_an_update_is_checked_as_a_whole_line(self, company, project):
        line = add(project, company.pm)
        with pytest.raises(ApplicationError) as error:
            purchase_line_update(actor=company.pm, project=project, line_id=line.pk, unit_price=0)
        line.refresh_from_db()
        assert error.value.code == "not_positive" and line.unit_price == Decimal("85000.00")


@pytest.mark.django_db
class TestWhoAndWhen:
    @pytest.mark.parametrize("who", ["member", "head", "stranger", "am", "commerce"])
    def test_only_the_pm_assistant_and_pmo_write(self, company, project, who):
        project_member_add(actor=company.pm, project=project, user=company.member, role="tester")
        line = add(project, company.pm)
        actor = getattr(company, who)
        with pytest.raises(PermissionDenied):
            add(project, actor)
        with pytest.raises(PermissionDenied):
            purchase_line_update(actor=actor, project=project, line_id=line.pk, item="x")
        with pytest.raises(PermissionDenied):
            purchase_line_delete(actor=actor, project=project, line_id=line.pk)
        assert list(PurchaseLine.objects.filter(project=project)) == [line]

    def test_frozen_while_in_approval_and_after(self, company, project, walk, approve_all):
        line = add(project, company.pm)
        project = walk(project, "submit", approve=False)

        with pytest.raises(ApplicationError) as in_review:
            add(project, company.pm)
        with pytest.raises(ApplicationError) as update:
            purchase_line_update(actor=company.pm, project=project, line_id=line.pk, item="x")
        with pytest.raises(ApplicationError) as delete:
            purchase_line_delete(actor=company.pmo, project=project, line_id=line.pk)
        plan = purchase_plan(company.member, project)
        approve_all(project)
        with pytest.raises(ApplicationError) as closed:
            add(project, company.pm)

        assert (in_review.value.code, in_review.value.status) == ("in_approval", 409)
        assert update.value.code == delete.value.code == "in_approval"
        assert closed.value.code == "initiation_closed"
        assert not plan.editable and plan.frozen_reason == in_review.value.message
        assert list(PurchaseLine.objects.filter(project=project)) == [line]

    def test_no_lines_before_the_pm_is_appointed(self, company, make_project):
        project = make_project(appoint=False)
        assert refusal(project, company.pmo).code == "pm_required"


@pytest.mark.django_db
class TestTotals:
    def test_money_adds_up_exactly(self, company, project):
        for price in ("0.10", "0.20"):
            add(project, company.pm, quantity="1", unit_price=price)
        assert purchase_plan(company.pm, project).total == Decimal("0.30")

    def test_three_times_a_dime(self, company, project):
        line = add(project, company.pm, quantity=3, unit_price=0.1)
        assert line.amount == Decimal("0.30") and str(line.amount) == "0.30"

    def test_each_line_rounds_half_up_to_the_cent(self, company, project):
        # 0.125 × 0.20 = 0.025 → 0.03 (banker's rounding would give 0.02)
        a = add(project, company.pm, quantity="0.125", unit_price="0.20")
        # 0.333 × 0.05 = 0.01665 → 0.02; 1/3 of a unit three times is not one unit
        b = add(project, company.pm, quantity="0.333", unit_price="0.05")
        plan = purchase_plan(company.pm, project)
        assert (a.amount, b.amount) == (Decimal("0.03"), Decimal("0.02"))
        assert plan.total == Decimal("0.05") == lines_total(plan.lines)
        assert [row.quantity for row in plan.rows] == ["0.125", "0.333"]

    def test_big_amounts_keep_every_cent(self, company, project):
        for _ in range(3):
            add(project, company.pm, quantity="999999.999", unit_price="9999999.99")
        plan = purchase_plan(company.pm, project)
        assert plan.total == 3 * Decimal("9999999980000.00")  # 9999999980000.00001 each
        error = refusal_on(project, company.pm, quantity="1000000", unit_price="10000000")
        assert error.code == "amount_too_large"

    def test_the_plan_for_readers(self, company, project):
        add(project, company.pm)
        project_member_add(actor=company.pm, project=project, user=company.member, role="tester")
        mine, theirs = purchase_plan(company.pm, project), purchase_plan(company.member, project)
        assert mine.editable and mine.frozen_reason is None
        assert not theirs.editable and theirs.frozen_reason
        assert theirs.total == mine.total == Decimal("170000.00")
