"""Bad input on the initiation materials and the plan, through the page and the API (issue 4).

Each refusal must say why and change nothing: these fill the gaps the other tests leave (the
pages' POSTs while an approval is pending, the API's milestone, plan and PATCH/DELETE paths,
zero and negative numbers through every entry path, and 0.1 + 0.2 on the purchase page).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from epm.core.errors import ApplicationError
from epm.planning.models import ImplementationPlan, InitiationApplication, Milestone, PurchaseLine
from epm.planning.services.initiation import initiation_save
from epm.planning.services.plan import plan_save, plan_submit
from epm.planning.services.purchase import purchase_line_add
from epm.testing import api_client, assert_error, send

from .test_plan_services import FULL
from .test_purchase_web import HEADERS, xlsx

LINE = {
    "item": "服务器",
    "specification": "",
    "quantity": "2",
    "unit": "台",
    "unit_price": "0.10",
    "supplier": "",
    "delivery_on": "2026-05-01",
    "note": "",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refusal(call, user) -> str:
    """The message a service refuses with, in `user`'s language (what the page must show)."""
    with translation.override(user.language), pytest.raises(ApplicationError) as error:
        call()
    return error.value.message


def shown(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def state(project) -> dict:
    """Everything the initiation pages and APIs could change."""
    application = InitiationApplication.objects.filter(project=project).first()
    return {
        "application": None
        if application is None
        else {f: getattr(application, f) for f in ("background", "goals", "scope")},
        "milestones": list(Milestone.objects.filter(project=project).values_list()),
        "lines": list(PurchaseLine.objects.filter(project=project).values_list()),
    }


@pytest.fixture
def in_review(company, project, walk):
    """A draft with its materials and one purchase line, submitted: the initiation is in
    approval (nobody has decided yet)."""
    purchase_line_add(actor=company.pm, project=project, **LINE)
    return walk(project, "submit", approve=False)


@pytest.mark.django_db
class TestPagesWhileTheInitiationIsInApproval:
    def frozen_notice(self, user) -> str:
        with translation.override(user.language):
            return gettext(
                "The initiation is being reviewed; its materials cannot be changed meanwhile."
            )

    def test_the_application_form_is_refused_and_nothing_changes(self, company, in_review):
        before = state(in_review)
        message = refusal(
            lambda: initiation_save(actor=company.pm, project=in_review, goals="改"), company.pm
        )

        response = client_for(company.pm).post(
            reverse("planning:initiation_save", args=[in_review.pk]),
            {"background": "改X", "goals": "改X", "scope": "改X", "expected_benefits": "改X"},
            follow=True,
        )

        assert response.status_code == 200
        assert shown(response, self.frozen_notice(company.pm)) and shown(response, message)
        assert b'data-testid="initiation-form"' not in response.content
        assert "改X" not in response.content.decode()  # the stored text, not the refused one
        assert state(in_review) == before

    def test_milestone_forms_are_refused_with_the_reason(self, company, in_review):
        milestone = in_review.milestones.get()
        before = state(in_review)
        client = client_for(company.pm)
        message = refusal(
            lambda: initiation_save(actor=company.pm, project=in_review, goals="改"), company.pm
        )

        added = client.post(
            reverse("planning:milestone_add", args=[in_review.pk]),
            {"name": "新里程碑", "planned_on": "2026-06-01"},
            follow=True,
        )
        change = reverse("planning:milestone_change", args=[in_review.pk, milestone.pk])
        edited = client.post(change, {"name": "改名", "planned_on": "2026-06-01"}, follow=True)
        removed = client.post(change, {"delete": "1"}, follow=True)

        assert added.status_code == 200 and shown(added, message)
        assert shown(edited, message) and shown(removed, message)
        assert state(in_review) == before

    def test_purchase_forms_are_refused_with_the_reason(self, company, in_review):
        line = PurchaseLine.objects.get(project=in_review)
        before = state(in_review)
        client = client_for(company.pm)
        message = refusal(
            lambda: purchase_line_add(actor=company.pm, project=in_review, **LINE), company.pm
        )

        added = client.post(reverse("planning:purchase_add", args=[in_review.pk]), LINE)
        change = reverse("planning:purchase_change", args=[in_review.pk, line.pk])
        edited = client.post(change, {**LINE, "quantity": "9"}, follow=True)
        removed = client.post(change, {"delete": "1"}, follow=True)
        upload = SimpleUploadedFile("p.xlsx", xlsx(HEADERS, ["a", 1, "m", 1, "2026-05-01"]))
        imported = client.post(
            reverse("planning:purchase_import", args=[in_review.pk]),
            {"file": upload, "mode": "replace"},
        )

        assert added.status_code == 200 and shown(added, message)
        assert shown(edited, message) and shown(removed, message)
        assert imported.status_code == 200 and shown(imported, message)
        assert state(in_review) == before


@pytest.mark.django_db
class TestApiWhileTheInitiationIsInApproval:
    def url(self, project, rest):
        return f"/api/v1/planning/projects/{project.pk}/{rest}"

    def test_application_and_milestones_are_409(self, company, in_review):
        milestone = in_review.milestones.get()
        before = state(in_review)
        pm = api_client(company.pm)

        assert_error(
            send(pm, "put", self.url(in_review, "initiation"), {"goals": "改"}), 409, "in_approval"
        )
        assert_error(
            send(
                pm,
                "post",
                self.url(in_review, "milestones"),
                {"name": "x", "planned_on": "2026-06-01"},
            ),
            409,
            "in_approval",
        )
        assert_error(
            send(pm, "patch", self.url(in_review, f"milestones/{milestone.pk}"), {"name": "x"}),
            409,
            "in_approval",
        )
        assert_error(
            pm.delete(self.url(in_review, f"milestones/{milestone.pk}")), 409, "in_approval"
        )
        assert state(in_review) == before

    def test_purchase_lines_are_409(self, company, in_review):
        line = PurchaseLine.objects.get(project=in_review)
        before = state(in_review)
        pm = api_client(company.pm)
        path = self.url(in_review, "purchase-lines")
        upload = {
            "file": SimpleUploadedFile("p.xlsx", xlsx(HEADERS, ["a", 1, "m", 1, "2026-05-01"]))
        }

        assert_error(send(pm, "patch", f"{path}/{line.pk}", {"quantity": "9"}), 409, "in_approval")
        assert_error(pm.delete(f"{path}/{line.pk}"), 409, "in_approval")
        assert_error(pm.post(f"{path}/import", upload), 409, "in_approval")
        assert state(in_review) == before


@pytest.mark.django_db
class TestZeroAndNegativeNumbers:
    BAD = [
        ({"quantity": "0"}, "not_positive"),
        ({"quantity": "-1"}, "not_positive"),
        ({"unit_price": "0"}, "not_positive"),
        ({"unit_price": "-0.01"}, "not_positive"),
        ({"unit_price": "0.00"}, "not_positive"),
    ]

    @pytest.mark.parametrize(("fields", "code"), BAD)
    def test_the_page_refuses_them_and_changes_nothing(self, company, project, fields, code):
        line = purchase_line_add(actor=company.pm, project=project, **LINE)
        before = state(project)
        client = client_for(company.pm)
        message = refusal(
            lambda: purchase_line_add(actor=company.pm, project=project, **{**LINE, **fields}),
            company.pm,
        )

        added = client.post(reverse("planning:purchase_add", args=[project.pk]), {**LINE, **fields})
        edited = client.post(
            reverse("planning:purchase_change", args=[project.pk, line.pk]),
            {**LINE, **fields},
            follow=True,
        )

        assert added.status_code == 200 and b'data-testid="purchase-add-error"' in added.content
        assert shown(added, message) and shown(edited, message)
        assert state(project) == before

    @pytest.mark.parametrize(("fields", "code"), BAD)
    def test_the_api_refuses_them_and_changes_nothing(self, company, project, fields, code):
        line = purchase_line_add(actor=company.pm, project=project, **LINE)
        before = state(project)
        pm = api_client(company.pm)
        path = f"/api/v1/planning/projects/{project.pk}/purchase-lines"

        created = send(pm, "post", path, {**LINE, **fields})
        patched = send(pm, "patch", f"{path}/{line.pk}", fields)

        for response in (created, patched):
            body = assert_error(response, 400, code)
            assert body["detail"][0]["field"] == next(iter(fields))
        assert state(project) == before

    def test_json_numbers_are_refused_too(self, company, project):
        pm = api_client(company.pm)
        path = f"/api/v1/planning/projects/{project.pk}/purchase-lines"
        for fields in ({"quantity": 0}, {"quantity": -2.5}, {"unit_price": 0}, {"unit_price": -1}):
            assert_error(send(pm, "post", path, {**LINE, **fields}), 400, "not_positive")
        assert not PurchaseLine.objects.filter(project=project).exists()


@pytest.mark.django_db
class TestDeliveryBeforeTheContract:
    def test_the_page_refuses_a_new_line_and_the_api_an_edit(self, company, project):
        line = purchase_line_add(actor=company.pm, project=project, **LINE)
        before = state(project)

        page = client_for(company.pm).post(
            reverse("planning:purchase_add", args=[project.pk]),
            {**LINE, "delivery_on": "2026-02-28"},
        )
        patched = send(
            api_client(company.pm),
            "patch",
            f"/api/v1/planning/projects/{project.pk}/purchase-lines/{line.pk}",
            {"delivery_on": "2026-02-28"},
        )

        assert page.status_code == 200 and "2026-03-01" in page.content.decode()
        assert b'data-testid="purchase-add-error"' in page.content
        assert_error(patched, 400, "before_contract")
        assert state(project) == before


@pytest.mark.django_db
class TestPlanWhileInApproval:
    @pytest.fixture
    def plan_in_review(self, company, make_project, walk):
        planning = walk(make_project(), "submit", "start_planning")
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan_submit(actor=company.pm, project=planning)
        return planning

    def sections(self, project) -> list:
        plan = ImplementationPlan.objects.get(project=project)
        return list(plan.versions.order_by("number").values_list("number", "sections"))

    def test_the_page_refuses_with_the_reason(self, company, plan_in_review):
        before = self.sections(plan_in_review)
        message = refusal(
            lambda: plan_save(actor=company.pm, project=plan_in_review, sections={"scope": "改"}),
            company.pm,
        )

        response = client_for(company.pm).post(
            reverse("planning:plan_save", args=[plan_in_review.pk]),
            {"scope": "改", "action": "save"},
        )

        assert response.status_code == 400 and shown(response, message)
        assert self.sections(plan_in_review) == before

    def test_the_api_is_a_409(self, company, plan_in_review):
        before = self.sections(plan_in_review)

        response = send(
            api_client(company.pm),
            "put",
            f"/api/v1/planning/projects/{plan_in_review.pk}/plan",
            {"sections": {"scope": "改"}},
        )

        assert_error(response, 409, "in_approval")
        assert self.sections(plan_in_review) == before


@pytest.mark.django_db
class TestExactMoneyOnThePurchasePage:
    def test_a_dime_and_two_dimes_make_thirty_cents(self, company, project):
        for price in ("0.10", "0.20"):
            purchase_line_add(
                actor=company.pm,
                project=project,
                **{
                    **LINE,
                    "quantity": "1",
                    "unit_price": price,
                    "delivery_on": dt.date(2026, 5, 1),
                },
            )

        page = client_for(company.pm).get(reverse("planning:purchase", args=[project.pk]))

        html = page.content.decode()
        total = html.split('data-testid="purchase-total">')[1].split("<")[0]
        assert total == "¥0.30"
        assert sum(
            (line.amount for line in PurchaseLine.objects.filter(project=project)),
            start=Decimal("0"),
        ) == Decimal("0.30")
