"""The budget matrix adds up exactly: Decimal end to end, no 0.1 + 0.2 surprises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from epm.finance.selectors import budget_totals
from epm.finance.services import budget_save

from .helpers import line

APR, MAY, JUN = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)


@pytest.fixture
def bare(make_project):
    return make_project(materials=False)


@pytest.mark.django_db
class TestTotals:
    def test_tenths_add_up_exactly(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, "0.10"), line("travel", APR, "0.20")],
            total="0.30",
        )

        matrix = budget_totals(bare)

        assert matrix.grand_total == Decimal("0.30")
        assert 0.1 + 0.2 != 0.3  # what floats would have made of it
        april = matrix.months.index(APR)
        assert matrix.column_totals[april] == Decimal("0.30")
        assert str(matrix.grand_total) == "0.30"

    def test_many_cents_add_up_exactly(self, company, bare):
        # 6 categories × 10 months of ¥0.01, and one category of ¥0.07 a month
        months = [dt.date(2026, m, 1) for m in range(3, 13)]
        codes = ["labour", "travel", "equipment", "outsourcing", "materials"]
        lines = [line(code, month, "0.01") for code in codes for month in months]
        lines += [line("other", month, "0.07") for month in months]
        budget_save(actor=company.pm, project=bare, lines=lines, total="1.20")

        matrix = budget_totals(bare)

        assert matrix.grand_total == Decimal("1.20")
        assert all(total == Decimal("0.12") for total in matrix.column_totals)
        by_code = {row.category.code: row.total for row in matrix.rows}
        assert by_code == {**{code: Decimal("0.10") for code in codes}, "other": Decimal("0.70")}

    def test_the_matrix_has_every_category_and_the_project_months(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, "100.00"), line("labour", JUN, "50.50")],
        )

        matrix = budget_totals(bare)

        # contract signed 2026-03 … planned finish 2026-12
        assert matrix.months == [dt.date(2026, m, 1) for m in range(3, 13)]
        assert [row.category.code for row in matrix.rows] == [
            "labour",
            "travel",
            "equipment",
            "outsourcing",
            "materials",
            "other",
        ]
        labour = matrix.rows[0]
        assert labour.cells[matrix.months.index(APR)] == Decimal("100.00")
        assert labour.cells[matrix.months.index(MAY)] == Decimal("0.00")
        assert labour.total == Decimal("150.50")
        assert sum(matrix.column_totals) == matrix.grand_total == Decimal("150.50")

    def test_large_amounts_stay_exact(self, company, bare):
        big = "9999999999999.99"  # the largest amount a cell holds
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, big), line("travel", APR, big), line("other", APR, "0.02")],
        )

        assert budget_totals(bare).grand_total == Decimal("20000000000000.00")

    def test_an_empty_budget_totals_zero(self, bare):
        matrix = budget_totals(bare)

        assert matrix.grand_total == Decimal("0.00")
        assert all(total == 0 for total in matrix.column_totals)
