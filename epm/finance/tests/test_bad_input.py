"""Bad input on the cost budget through the page and the API (issue 4): a total the lines do not
add up to, a budget posted while the initiation is in approval, and 0.1 + 0.2 on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from epm.core.errors import ApplicationError
from epm.finance.models import BudgetLine
from epm.finance.services import budget_save
from epm.testing import api_client, assert_error, send

from .helpers import line

APR = dt.date(2026, 4, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored(project) -> dict:
    return {
        (b.category.code, b.month): b.amount
        for b in BudgetLine.objects.filter(project=project).select_related("category")
    }


def refusal(call, user) -> str:
    """The message a service refuses with, in `user`'s language (what the page must show)."""
    with translation.override(user.language), pytest.raises(ApplicationError) as error:
        call()
    return error.value.message


@pytest.fixture
def bare(make_project):
    return make_project(materials=False)


@pytest.mark.django_db
class TestTotalThatDoesNotAddUp:
    def test_the_page_names_both_figures_and_keeps_the_budget(self, company, bare):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "5")])
        posted = {"cell-labour-2026-04": "0.10", "cell-travel-2026-04": "0.20", "total": "0.31"}
        message = refusal(
            lambda: budget_save(
                actor=company.pm,
                project=bare,
                lines=[line("labour", APR, "0.10"), line("travel", APR, "0.20")],
                total="0.31",
            ),
            company.pm,
        )

        response = client_for(company.pm).post(reverse("finance:budget", args=[bare.pk]), posted)

        html = response.content.decode()
        assert response.status_code == 400
        assert escape(message) in html and "¥0.30" in html and "¥0.31" in html
        assert 'value="0.31"' in html  # what was typed is kept
        assert stored(bare) == {("labour", APR): Decimal("5.00")}

    def test_the_api_refuses_it_and_keeps_the_budget(self, company, bare):
        budget_save(actor=company.pm, project=bare, lines=[line("labour", APR, "5")])

        response = send(
            api_client(company.pm),
            "put",
            f"/api/v1/finance/projects/{bare.pk}/budget",
            {
                "lines": [line("labour", "2026-04", "0.10"), line("travel", "2026-04", "0.20")],
                "total": 0.31,
            },
        )

        body = assert_error(response, 400, "total_mismatch")
        assert body["detail"] == {"lines_total": "0.30", "total": "0.31"}
        assert stored(bare) == {("labour", APR): Decimal("5.00")}

    def test_a_float_total_of_a_dime_and_two_dimes_matches(self, company, bare):
        # 0.1 + 0.2 == 0.30000000000000004 in floats; the budget adds decimals.
        response = send(
            api_client(company.pm),
            "put",
            f"/api/v1/finance/projects/{bare.pk}/budget",
            {
                "lines": [line("labour", "2026-04", 0.1), line("travel", "2026-04", 0.2)],
                "total": 0.3,
            },
        )

        assert response.status_code == 200, response.content
        assert response.json()["grand_total"] == "0.30"


@pytest.mark.django_db
class TestWhileTheInitiationIsInApproval:
    @pytest.fixture
    def in_review(self, make_project, walk):
        return walk(make_project(), "submit", approve=False)

    def test_the_page_refuses_with_the_reason(self, company, in_review):
        before = stored(in_review)
        message = refusal(
            lambda: budget_save(
                actor=company.pm, project=in_review, lines=[line("labour", APR, "1")]
            ),
            company.pm,
        )

        response = client_for(company.pm).post(
            reverse("finance:budget", args=[in_review.pk]), {"cell-labour-2026-04": "1"}
        )

        assert response.status_code == 400 and escape(message) in response.content.decode()
        assert stored(in_review) == before

    def test_the_api_refuses_and_keeps_the_budget(self, company, in_review):
        before = stored(in_review)

        response = send(
            api_client(company.pm),
            "put",
            f"/api/v1/finance/projects/{in_review.pk}/budget",
            {"lines": [line("labour", "2026-04", "1")]},
        )

        assert_error(response, 409, "in_approval")
        assert stored(in_review) == before and before  # the budget written before submitting


@pytest.mark.django_db
class TestExactMoneyOnThePage:
    def test_a_dime_and_two_dimes_make_thirty_cents(self, company, bare):
        budget_save(
            actor=company.pm,
            project=bare,
            lines=[line("labour", APR, "0.10"), line("travel", APR, "0.20")],
        )

        html = (
            client_for(company.pm).get(reverse("finance:budget", args=[bare.pk])).content.decode()
        )

        april = 1  # 2026-03 is the first month (the contract was signed then)
        assert f'data-testid="column-total-{april}">0.30<' in html
        assert 'data-testid="grand-total">0.30<' in html
