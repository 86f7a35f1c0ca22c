"""The budget page, its Excel export and the cost category page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from epm.core.models import AuditEvent
from epm.finance.models import BudgetLine, CostCategory
from epm.finance.services import budget_save
from epm.projects.services import project_member_add

from .helpers import line

APR = dt.date(2026, 4, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored(project) -> dict:
    return {
        (b.category.code, f"{b.month:%Y-%m}"): b.amount
        for b in BudgetLine.objects.filter(project=project).select_related("category")
    }


@pytest.fixture
def bare(make_project):
    return make_project(materials=False)


@pytest.fixture
def member(company, bare):
    project_member_add(actor=company.pm, project=bare, user=company.member, role="developer")
    return company.member


@pytest.mark.django_db
class TestBudgetPage:
    def test_the_pm_sees_an_editable_grid_with_totals(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, "1234.50"), line("travel", APR, "0.50")],
        )

        response = client_for(company.pm).get(reverse("finance:budget", args=[bare.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="budget-form"' in html and 'data-testid="budget-editable"' in html
        assert 'name="cell-labour-2026-04" value="1234.50"' in html
        assert 'data-testid="grand-total">1,235.00<' in html
        assert 'data-testid="row-total-labour">1,234.50<' in html
        assert 'data-testid="tab-budget"' in html
        assert 'data-testid="month-2026-03"' in html and 'data-testid="month-2026-12"' in html

    def test_posting_the_grid_saves_the_budget(self, company, bare):
        data = {
            "cell-labour-2026-04": "1,000.10",
            "cell-travel-2026-04": "0.20",
            "cell-travel-2026-05": "",
            "total": "1000.30",
        }

        response = client_for(company.pm).post(reverse("finance:budget", args=[bare.pk]), data)

        assert response.status_code == 302
        assert stored(bare) == {
            ("labour", "2026-04"): Decimal("1000.10"),
            ("travel", "2026-04"): Decimal("0.20"),
        }

    def test_a_refused_grid_keeps_what_was_typed_and_says_why(self, company, bare):
        data = {"cell-labour-2026-04": "12.345", "cell-travel-2026-05": "-1"}

        response = client_for(company.pm).post(reverse("finance:budget", args=[bare.pk]), data)

        html = response.content.decode()
        assert response.status_code == 400
        assert 'data-testid="budget-problems"' in html
        assert 'value="12.345"' in html and 'value="-1"' in html
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_a_total_that_does_not_match_is_refused(self, company, bare):
        data = {"cell-labour-2026-04": "100", "total": "99.99"}

        response = client_for(company.pm).post(reverse("finance:budget", args=[bare.pk]), data)

        assert response.status_code == 400
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_a_member_reads_it_without_inputs(self, company, bare, member):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "5")])

        response = client_for(member).get(reverse("finance:budget", args=[bare.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="budget-readonly"' in html
        assert "<input" not in html.split('data-testid="budget-table"')[1].split("</table>")[0]

    def test_a_member_cannot_post(self, company, bare, member):
        response = client_for(member).post(
            reverse("finance:budget", args=[bare.pk]), {"cell-labour-2026-04": "5"}
        )

        assert response.status_code == 403
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_a_stranger_gets_404(self, company, bare):
        client = client_for(company.stranger)
        for method, url in [
            ("get", reverse("finance:budget", args=[bare.pk])),
            ("post", reverse("finance:budget", args=[bare.pk])),
            ("get", reverse("finance:budget_export", args=[bare.pk])),
        ]:
            response = getattr(client, method)(url, {"cell-labour-2026-04": "5"})
            assert response.status_code == 404, url
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_the_month_in_force_is_marked(self, company, make_project, walk):
        from .helpers import around_today, this_month

        project = walk(make_project(**around_today()), "submit")

        html = client_for(company.pm).get(reverse("finance:budget", args=[project.pk]))
        html = html.content.decode()

        assert f'data-testid="effective-{this_month():%Y-%m}"' in html
        assert 'data-testid="budget-readonly"' in html


@pytest.mark.django_db
class TestExcelExport:
    def test_the_workbook_has_the_matrix_as_numbers_with_bold_totals(self, company, bare, member):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[
                line("labour", APR, "0.10"),
                line("travel", APR, "0.20"),
                line("labour", "2026-05", "1000"),
            ],
        )

        # a reader (not a writer) exports it
        response = client_for(member).get(reverse("finance:budget_export", args=[bare.pk]))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert ".xlsx" in response["Content-Disposition"]
        sheet = load_workbook(BytesIO(response.content)).active
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        header, *body, footer = rows
        assert header[1] == "2026-03" and header[-2] == "2026-12"
        labour = next(r for r in body if r[0] in ("人工费", "Labour"))
        assert Decimal(str(labour[2])) == Decimal("0.10")  # 2026-04
        assert Decimal(str(labour[3])) == Decimal("1000")  # 2026-05
        assert Decimal(str(labour[-1])) == Decimal("1000.10")
        assert Decimal(str(footer[2])) == Decimal("0.30")
        assert Decimal(str(footer[-1])) == Decimal("1000.30")
        assert len(body) == 6
        total_cell = sheet.cell(row=3 + len(rows) - 1, column=len(header))
        assert total_cell.font.bold and total_cell.number_format == "#,##0.00"
        assert sheet.cell(row=4, column=2).number_format == "#,##0.00"
        assert isinstance(sheet.cell(row=4, column=2).value, int | float)


@pytest.mark.django_db
class TestCategoryPage:
    def test_the_pmo_admin_sees_and_adds_categories(self, company):
        client = client_for(company.pmo)
        url = reverse("finance:categories")

        page = client.get(url)
        response = client.post(
            url, {"code": "training", "name": "培训费", "name_en": "Training", "sort_order": 70}
        )

        assert page.status_code == 200 and 'data-testid="category-labour"' in page.content.decode()
        assert response.status_code == 302
        assert CostCategory.objects.get(code="training").name == "培训费"

    def test_a_bad_category_is_shown_as_a_form_error(self, company):
        response = client_for(company.pmo).post(
            reverse("finance:categories"), {"code": "labour", "name": "重复", "sort_order": 1}
        )

        assert response.status_code == 400
        assert "alert-danger" in response.content.decode()
        assert CostCategory.objects.count() == 6

    def test_rename_deactivate_and_delete(self, company, make_project):
        make_project()  # its budget uses labour
        client = client_for(company.pmo)
        labour = CostCategory.objects.get(code="labour")
        other = CostCategory.objects.get(code="other")
        change = "finance:category_change"

        client.post(
            reverse(change, args=[labour.pk]),
            {"name": "人力成本", "name_en": "Labour", "sort_order": 10},
        )
        refused = client.post(reverse(change, args=[labour.pk]), {"delete": "1"}, follow=True)
        client.post(reverse(change, args=[other.pk]), {"delete": "1"})

        labour.refresh_from_db()
        assert (labour.name, labour.is_active) == ("人力成本", False)  # unticked: deactivated
        assert "alert-danger" in refused.content.decode()
        assert not CostCategory.objects.filter(code="other").exists()
        assert AuditEvent.objects.filter(action="finance.category_delete").count() == 1

    @pytest.mark.parametrize("who", ["pmo_staff", "pm", "stranger"])
    def test_others_may_not(self, company, who):
        client = client_for(getattr(company, who))
        labour = CostCategory.objects.get(code="labour")

        assert client.get(reverse("finance:categories")).status_code == 403
        response = client.post(reverse("finance:category_change", args=[labour.pk]), {"delete": 1})
        assert response.status_code == 403
        assert CostCategory.objects.filter(code="labour").exists()
