"""The finance API (/api/v1/finance): the cost budget and the cost categories."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from epm.finance.models import BudgetLine, CostCategory
from epm.finance.services import budget_save
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error, send

from .helpers import line

URL = "/api/v1/finance"


@pytest.fixture
def bare(make_project):
    return make_project(materials=False)


def budget_url(project) -> str:
    return f"{URL}/projects/{project.pk}/budget"


@pytest.mark.django_db
class TestBudgetApi:
    def test_get_gives_lines_and_exact_totals(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", "2026-04", "0.10"), line("travel", "2026-04", "0.20")],
        )

        response = api_client(company.pm).get(budget_url(bare))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["editable"] is True
        assert body["grand_total"] == "0.30"
        assert body["months"][0] == "2026-03" and body["months"][-1] == "2026-12"
        assert body["column_totals"][body["months"].index("2026-04")] == "0.30"
        assert {(ln["category"], ln["month"], ln["amount"]) for ln in body["lines"]} == {
            ("labour", "2026-04", "0.10"),
            ("travel", "2026-04", "0.20"),
        }
        assert [row["category"] for row in body["rows"]][:2] == ["labour", "travel"]

    def test_put_replaces_the_budget(self, company, bare):
        payload = {
            "lines": [
                {"category": "labour", "month": "2026-04", "amount": "1000.10"},
                {"category": "travel", "month": "2026-05", "amount": 20},
                {"category": "other", "month": "2026-05", "amount": "0"},
            ],
            "total": "1020.10",
        }

        response = send(api_client(company.pm), "put", budget_url(bare), payload)

        assert response.status_code == 200, response.content
        assert response.json()["grand_total"] == "1020.10"
        assert BudgetLine.objects.filter(project=bare).count() == 2

    def test_a_mismatched_total_is_a_400_naming_both_figures(self, company, bare):
        payload = {"lines": [line("labour", "2026-04", "100")], "total": "90"}

        response = send(api_client(company.pm), "put", budget_url(bare), payload)

        body = assert_error(response, 400, "total_mismatch")
        assert "100.00" in body["message"] and "90.00" in body["message"]
        assert not BudgetLine.objects.filter(project=bare).exists()

    @pytest.mark.parametrize("field", ["amount", "total"])
    def test_true_is_not_one_yuan(self, company, bare, field):
        payload = {"lines": [line("labour", "2026-04", "1")], "total": "1"}
        if field == "amount":
            payload["lines"][0]["amount"] = True
        else:
            payload["total"] = True

        response = send(api_client(company.pm), "put", budget_url(bare), payload)

        assert response.status_code == 422
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_bad_lines_are_a_400_with_every_problem(self, company, bare):
        payload = {"lines": [line("nosuch", "2026-04", "1"), line("labour", "2099-01", "-5")]}

        response = send(api_client(company.pm), "put", budget_url(bare), payload)

        body = assert_error(response, 400, "invalid_budget")
        assert [(p["line"], p["code"]) for p in body["detail"]] == [
            (1, "unknown_category"),
            (2, "negative_amount"),
        ]

    def test_a_malformed_body_is_a_422(self, company, bare):
        response = send(api_client(company.pm), "put", budget_url(bare), {"lines": "x"})

        assert_error(response, 422, "validation_error")

    def test_a_reader_may_not_write(self, company, bare):
        project_member_add(actor=company.pm, project=bare, user=company.member, role="developer")
        client = api_client(company.member)

        assert client.get(budget_url(bare)).json()["editable"] is False
        response = send(
            client, "put", budget_url(bare), {"lines": [line("labour", "2026-04", "1")]}
        )

        assert_error(response, 403, "permission_denied")
        assert not BudgetLine.objects.filter(project=bare).exists()

    def test_a_stranger_gets_404_everywhere(self, company, bare):
        client = api_client(company.stranger)
        body = {"lines": [line("labour", "2026-04", "1")]}

        assert_error(client.get(budget_url(bare)), 404, "not_found")
        assert_error(send(client, "put", budget_url(bare), body), 404, "not_found")
        assert_error(client.get(budget_url(bare) + "/export"), 404, "not_found")
        assert_error(client.get(f"{URL}/projects/999999/budget"), 404, "not_found")

    def test_in_approval_it_is_a_409(self, company, make_project, walk):
        project = walk(make_project(), "submit", approve=False)

        response = send(
            api_client(company.pm),
            "put",
            budget_url(project),
            {"lines": [line("labour", "2026-04", "1")]},
        )

        assert_error(response, 409, "in_approval")

    def test_export_is_a_workbook(self, company, bare):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", "2026-04", "12.34")])

        response = api_client(company.pm).get(budget_url(bare) + "/export")

        assert response.status_code == 200
        sheet = load_workbook(BytesIO(response.content)).active
        footer = list(sheet.iter_rows(values_only=True))[-1]
        assert Decimal(str(footer[-1])) == Decimal("12.34")


@pytest.mark.django_db
class TestCategoryApi:
    def test_anyone_signed_in_lists_them(self, company):
        response = api_client(company.member).get(f"{URL}/categories")

        assert response.status_code == 200
        assert [c["code"] for c in response.json()][:2] == ["labour", "travel"]

    def test_only_active_ones_on_request(self, company):
        travel = CostCategory.objects.get(code="travel")
        send(
            api_client(company.pmo), "patch", f"{URL}/categories/{travel.pk}", {"is_active": False}
        )

        response = api_client(company.pm).get(f"{URL}/categories", {"active": "true"})

        assert "travel" not in [c["code"] for c in response.json()]

    def test_the_pmo_admin_creates_and_changes_one(self, company):
        client = api_client(company.pmo)

        created = send(client, "post", f"{URL}/categories", {"code": "training", "name": "培训费"})
        assert created.status_code == 201, created.content
        category_id = created.json()["id"]
        changed = send(
            client,
            "patch",
            f"{URL}/categories/{category_id}",
            {"name": "培训认证费", "is_active": False},
        )

        assert changed.status_code == 200
        assert changed.json()["name"] == "培训认证费" and changed.json()["is_active"] is False

    def test_others_get_403(self, company):
        client = api_client(company.pm)
        labour = CostCategory.objects.get(code="labour")

        assert_error(
            send(client, "post", f"{URL}/categories", {"code": "x", "name": "X"}),
            403,
            "permission_denied",
        )
        assert_error(
            send(client, "patch", f"{URL}/categories/{labour.pk}", {"name": "X"}),
            403,
            "permission_denied",
        )
        assert_error(send(client, "delete", f"{URL}/categories/{labour.pk}"), 403)

    def test_validation_errors(self, company):
        client = api_client(company.pmo)

        assert_error(
            send(client, "post", f"{URL}/categories", {"code": "Bad Code", "name": "X"}),
            400,
            "invalid_code",
        )
        assert_error(
            send(client, "post", f"{URL}/categories", {"code": "labour", "name": "X"}),
            409,
            "code_taken",
        )
        assert_error(send(client, "post", f"{URL}/categories", {"name": "X"}), 422)
        assert_error(send(client, "patch", f"{URL}/categories/999999", {"name": "X"}), 404)

    def test_delete_an_unused_one_and_refuse_one_in_use(self, company, make_project):
        make_project()  # uses labour
        client = api_client(company.pmo)
        labour = CostCategory.objects.get(code="labour")
        other = CostCategory.objects.get(code="other")

        assert send(client, "delete", f"{URL}/categories/{other.pk}").status_code == 204
        assert_error(
            send(client, "delete", f"{URL}/categories/{labour.pk}"), 409, "category_in_use"
        )
