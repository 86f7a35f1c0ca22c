"""budget_save and the cost category services: happy paths, each refusal, permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.finance.models import BudgetLine, CostCategory
from epm.finance.services import (
    budget_save,
    category_create,
    category_delete,
    category_update,
)

from .helpers import line

APR, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


@pytest.fixture
def bare(make_project):
    """A draft with its PM appointed and no initiation materials (so no budget) yet.
    Its budget months run from 2026-03 (contract signed) to 2026-12 (planned finish)."""
    return make_project(materials=False)


def stored(project) -> dict:
    return {
        (b.category.code, b.month): b.amount
        for b in BudgetLine.objects.filter(project=project).select_related("category")
    }


@pytest.mark.django_db
class TestBudgetSave:
    def test_the_pm_writes_the_budget_and_the_audit_keeps_the_totals(self, company, bare):
        # given a project without a budget
        # when the PM saves three cells, one of them zero
        saved = budget_save(
            actor=company.pm,
            project=bare,
            lines=[
                line("labour", "2026-04", "30000.00"),
                line("travel", APR, "1200.5"),
                line("equipment", "2026-05", "0"),
            ],
            total="31200.50",
        )

        # then the zero cell is dropped and the others are stored exactly
        assert stored(bare) == {
            ("labour", APR): Decimal("30000.00"),
            ("travel", APR): Decimal("1200.50"),
        }
        assert len(saved) == 2
        event = AuditEvent.objects.get(action="finance.budget_save")
        assert event.scope == f"projects.project:{bare.pk}"
        assert event.changes["cost budget total"] == ["0.00", "31200.50"]

    def test_saving_replaces_the_whole_budget(self, company, bare):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "100")])
        budget_save(actor=company.pmo, project=bare, lines=[line("travel", MAY, "7.25")])

        assert stored(bare) == {("travel", MAY): Decimal("7.25")}
        totals = [
            e.changes["cost budget total"]
            for e in AuditEvent.objects.filter(action="finance.budget_save").order_by("id")
        ]
        assert totals == [["0.00", "100.00"], ["100.00", "7.25"]]

    def test_the_same_budget_again_writes_no_event(self, company, bare):
        lines = [line("labour", APR, "100")]
        budget_save(actor=company.pm, project=bare, lines=lines)
        budget_save(actor=company.pm, project=bare, lines=[line("labour", "2026-04-01", "100.00")])

        assert AuditEvent.objects.filter(action="finance.budget_save").count() == 1

    def test_amounts_may_carry_thousands_separators_and_trailing_zeros(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, "1,234,567.50"), line("travel", APR, "2.500")],
        )

        assert stored(bare)[("labour", APR)] == Decimal("1234567.50")
        assert stored(bare)[("travel", APR)] == Decimal("2.50")

    @pytest.mark.parametrize(
        ("bad", "code"),
        [
            (line("nosuch", "2026-04", "1"), "unknown_category"),
            (line("", "2026-04", "1"), "unknown_category"),
            (line("labour", "2026-13", "1"), "invalid_month"),
            (line("labour", "April", "1"), "invalid_month"),
            (line("labour", "2026-4", "1"), "invalid_month"),
            (line("labour", "2026-04", "-1"), "negative_amount"),
            (line("labour", "2026-04", "abc"), "not_a_number"),
            (line("labour", "2026-04", "NaN"), "not_a_number"),
            (line("labour", "2026-04", "Infinity"), "not_a_number"),
            (line("labour", "2026-04", "1_000"), "not_a_number"),
            (line("labour", "2026-04", "１２"), "not_a_number"),
            (line("labour", "2026-04", " 1 0 "), "not_a_number"),
            (line("labour", "２０２６-０４", "1"), "invalid_month"),
            (line("labour", "2026-04", "1.005"), "too_many_decimals"),
            (line("labour", "2026-04", "10000000000000"), "amount_too_large"),
            (line("labour", "2026-02", "1"), "month_out_of_range"),
            (line("labour", "2027-01", "1"), "month_out_of_range"),
            ("not a line", "invalid_line"),
        ],
    )
    def test_bad_lines_are_refused_and_nothing_changes(self, company, bare, bad, code):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "5")])

        with pytest.raises(ApplicationError) as exc:
            budget_save(actor=company.pm, project=bare, lines=[line("travel", MAY, "9"), bad])

        assert exc.value.code == code
        assert exc.value.message.startswith("Line 2:")
        assert exc.value.detail[0]["line"] == 2
        assert stored(bare) == {("labour", APR): Decimal("5.00")}

    def test_a_duplicate_cell_names_both_lines(self, company, bare):
        with pytest.raises(ApplicationError) as exc:
            budget_save(
                actor=company.pm,
                project=bare,
                lines=[line("labour", APR, "1"), line("labour", "2026-04-01", "2")],
            )

        assert exc.value.code == "duplicate_line"
        assert "Line 2" in exc.value.message and "line 1" in exc.value.message

    def test_every_problem_is_collected(self, company, bare):
        with pytest.raises(ApplicationError) as exc:
            budget_save(
                actor=company.pm,
                project=bare,
                lines=[
                    line("labour", APR, "1"),
                    line("labour", "bad", "-3"),
                    line("nosuch", APR, "x"),
                ],
            )

        assert exc.value.code == "invalid_budget"
        assert [(p["line"], p["code"]) for p in exc.value.detail] == [
            (2, "invalid_month"),
            (2, "negative_amount"),
            (3, "unknown_category"),
            (3, "not_a_number"),
        ]
        assert "4" in exc.value.message
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_lines_that_do_not_add_up_to_the_total_are_refused(self, company, bare):
        with pytest.raises(ApplicationError) as exc:
            budget_save(
                actor=company.pm,
                project=bare,
                lines=[line("labour", APR, "0.10"), line("travel", APR, "0.20")],
                total="0.31",
            )

        assert exc.value.code == "total_mismatch"
        assert "¥0.30" in exc.value.message and "¥0.31" in exc.value.message
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_a_bad_total_is_refused(self, company, bare):
        with pytest.raises(ApplicationError) as exc:
            budget_save(
                actor=company.pm, project=bare, lines=[line("labour", APR, "1")], total="-1"
            )
        assert exc.value.code == "invalid_total"

    def test_an_inactive_category_takes_no_new_amounts(self, company, bare):
        budget_save(actor=company.pm, project=bare, lines=[line("travel", APR, "5")])
        travel = CostCategory.objects.get(code="travel")
        category_update(actor=company.pmo, category=travel, is_active=False)

        with pytest.raises(ApplicationError) as exc:
            budget_save(actor=company.pm, project=bare, lines=[line("travel", APR, "6")])
        # An empty cell of it is simply dropped.
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("travel", APR, ""), line("labour", APR, "6")],
        )

        assert exc.value.code == "inactive_category"
        assert stored(bare) == {("labour", APR): Decimal("6.00")}

    def test_without_project_dates_any_month_is_taken(self, company, make_project):
        project = make_project(
            materials=False, contract_signed_on=None, planned_start=None, planned_finish=None
        )
        budget_save(actor=company.pm, project=project, lines=[line("labour", "2031-07", "1")])

        assert stored(project) == {("labour", dt.date(2031, 7, 1)): Decimal("1.00")}

    def test_too_many_lines_are_refused(self, company, bare):
        with pytest.raises(ApplicationError) as exc:
            budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "1")] * 2401)
        assert exc.value.code == "too_many_lines"

    @pytest.mark.parametrize("who", ["member", "head", "stranger", "am", "finance"])
    def test_only_the_pm_assistant_and_pmo_write_it(self, company, bare, who):
        with pytest.raises(PermissionDenied):
            budget_save(actor=getattr(company, who), project=bare, lines=[line("labour", APR, "1")])
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_it_is_frozen_while_the_initiation_is_reviewed(self, company, make_project, walk):
        project = walk(make_project(), "submit", approve=False)

        with pytest.raises(ApplicationError) as exc:
            budget_save(actor=company.pm, project=project, lines=[line("labour", APR, "1")])

        assert exc.value.code == "in_approval" and exc.value.status == 409

    def test_it_is_final_once_the_initiation_is_approved(self, company, make_project, walk):
        project = walk(make_project(), "submit")

        with pytest.raises(ApplicationError) as exc:
            budget_save(actor=company.pm, project=project, lines=[line("labour", APR, "1")])

        assert exc.value.code == "initiation_closed"


@pytest.mark.django_db
class TestCategories:
    def test_the_pmo_admin_adds_renames_and_deactivates(self, company):
        category = category_create(
            actor=company.pmo, code="training", name="培训费", name_en="Training", sort_order=70
        )
        category = category_update(actor=company.pmo, category=category, name="培训与认证费")
        category = category_update(actor=company.pmo, category=category, is_active=False)

        category.refresh_from_db()
        assert (category.name, category.is_active) == ("培训与认证费", False)
        assert list(
            AuditEvent.objects.filter(target_type="finance.costcategory")
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["finance.category_create", "finance.category_update", "finance.category_update"]

    def test_the_defaults_are_there(self, db):
        assert list(CostCategory.objects.values_list("code", "name")) == [
            ("labour", "人工费"),
            ("travel", "差旅费"),
            ("equipment", "设备费"),
            ("outsourcing", "外包费"),
            ("materials", "材料费"),
            ("other", "其他费用"),
        ]

    @pytest.mark.parametrize("who", ["pmo_staff", "pm", "finance", "stranger"])
    def test_only_the_pmo_admin_configures_them(self, company, who):
        actor = getattr(company, who)
        labour = CostCategory.objects.get(code="labour")
        with pytest.raises(PermissionDenied):
            category_create(actor=actor, code="x", name="X")
        with pytest.raises(PermissionDenied):
            category_update(actor=actor, category=labour, name="X")
        with pytest.raises(PermissionDenied):
            category_delete(actor=actor, category=labour)
        assert CostCategory.objects.get(code="labour").name == "人工费"

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"code": "Bad Code", "name": "X"}, "invalid_code"),
            ({"code": "labour", "name": "X"}, "code_taken"),
            ({"code": "new", "name": "  "}, "name_required"),
            ({"code": "new", "name": "人工费"}, "name_taken"),
            ({"code": "new", "name": "X" * 61}, "too_long"),
            ({"code": "new", "name": "X", "sort_order": -1}, "invalid_sort_order"),
        ],
    )
    def test_bad_categories_are_refused(self, company, fields, code):
        with pytest.raises(ApplicationError) as exc:
            category_create(actor=company.pmo, **fields)
        assert exc.value.code == code
        assert CostCategory.objects.count() == 6

    def test_unknown_fields_are_refused(self, company):
        labour = CostCategory.objects.get(code="labour")
        with pytest.raises(ApplicationError) as exc:
            category_update(actor=company.pmo, category=labour, code="work")
        assert exc.value.code == "invalid_field"

    def test_a_category_in_use_is_deactivated_not_deleted(self, company, make_project):
        make_project()  # its budget uses labour
        labour = CostCategory.objects.get(code="labour")
        unused = CostCategory.objects.get(code="other")

        with pytest.raises(ApplicationError) as exc:
            category_delete(actor=company.pmo, category=labour)
        category_delete(actor=company.pmo, category=unused)

        assert exc.value.code == "category_in_use" and exc.value.status == 409
        assert set(CostCategory.objects.values_list("code", flat=True)) == {
            "labour",
            "travel",
            "equipment",
            "outsourcing",
            "materials",
        }
        assert AuditEvent.objects.filter(action="finance.category_delete").count() == 1

    def test_the_last_active_category_stays(self, company):
        *others, last = list(CostCategory.objects.all())
        for category in others:
            category_update(actor=company.pmo, category=category, is_active=False)

        with pytest.raises(ApplicationError) as exc:
            category_update(actor=company.pmo, category=last, is_active=False)

        assert exc.value.code == "last_category"
