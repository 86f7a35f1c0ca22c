"""API of contract intake, PM nomination and the project number (/api/v1/projects/…)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from epm.approvals.models import ApprovalRequest
from epm.projects import intake
from epm.projects.models import ContractDeliverable, Nomination, OutsourcingPart
from epm.projects.nomination import nomination_start
from epm.testing import api_client, assert_error, send

URL = "/api/v1/projects"


@pytest.fixture
def draft(make_project):
    return make_project(appoint=False)


@pytest.mark.django_db
class TestDeliverablesApi:
    def test_crud(self, company, project):
        client = api_client(company.pm)
        base = f"{URL}/{project.pk}/deliverables"
        # when the PM adds one
        response = send(client, "post", base, {"name": "软件系统", "quantity": "1.5", "unit": "套"})
        # then it is created (201) with a Decimal quantity
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "软件系统" and Decimal(body["quantity"]) == Decimal("1.5")
        item_id = body["id"]
        # list
        listed = send(client, "get", base).json()
        assert [d["id"] for d in listed] == [item_id]
        # patch
        response = send(client, "patch", f"{base}/{item_id}", {"quantity": None, "unit": ""})
        assert response.status_code == 200 and response.json()["quantity"] is None
        # delete
        assert send(client, "delete", f"{base}/{item_id}").status_code == 204
        assert not ContractDeliverable.objects.exists()

    def test_errors(self, company, project):
        base = f"{URL}/{project.pk}/deliverables"
        item = intake.deliverable_add(actor=company.pmo, project=project, name="服务器")
        # a stranger gets 404 for every endpoint
        stranger = api_client(company.stranger)
        for method, url in (
            ("get", base),
            ("post", base),
            ("patch", f"{base}/{item.pk}"),
            ("delete", f"{base}/{item.pk}"),
        ):
            assert_error(send(stranger, method, url, {"name": "x"}), 404)
        # a viewer who may not write gets 403
        viewer = api_client(company.head)
        assert send(viewer, "get", base).status_code == 200
        assert_error(send(viewer, "post", base, {"name": "x"}), 403)
        assert_error(send(viewer, "patch", f"{base}/{item.pk}", {"name": "x"}), 403)
        assert_error(send(viewer, "delete", f"{base}/{item.pk}"), 403)
        # validation: a bad shape is 422, a refused value 400, an unknown id 404
        pm = api_client(company.pm)
        assert_error(send(pm, "post", base, {"quantity": "1"}), 422, "validation_error")
        assert_error(send(pm, "post", base, {"name": "x", "quantity": "-2"}), 400, "invalid_number")
        assert_error(send(pm, "post", base, {"name": "x", "quantity": "abc"}), 422)
        assert_error(send(pm, "patch", f"{base}/999999", {"name": "x"}), 404)
        assert ContractDeliverable.objects.count() == 1


@pytest.mark.django_db
class TestOutsourcingApi:
    def test_add_submit_and_record_the_contract(self, company, project, approve_all):
        client = api_client(company.pm)
        base = f"{URL}/{project.pk}/outsourcing"
        response = send(
            client, "post", base, {"scope": "机房布线", "supplier": "甲公司", "amount": "0.10"}
        )
        assert response.status_code == 201, response.content
        part = response.json()
        assert part["status"] == "draft" and part["cleared"] is False
        assert Decimal(part["amount"]) == Decimal("0.10")
        # submit the application
        response = send(client, "post", f"{base}/{part['id']}/submit")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "in_approval" and body["request_status"] == "pending"
        request = ApprovalRequest.objects.get(pk=body["request_id"])
        assert request.chain.code == "outsourcing"
        # approved through the chain
        approve_all(project)
        listed = send(client, "get", base).json()
        assert listed[0]["status"] == "approved" and listed[0]["cleared"] is True
        # only the contract number may change now
        assert_error(send(client, "patch", f"{base}/{part['id']}", {"amount": "1"}), 409)
        response = send(client, "patch", f"{base}/{part['id']}", {"contract_number": "WB-1"})
        assert response.json()["contract_number"] == "WB-1"
        assert send(client, "delete", f"{base}/{part['id']}").status_code == 204
        assert not OutsourcingPart.objects.exists()

    def test_errors(self, company, project):
        base = f"{URL}/{project.pk}/outsourcing"
        part = intake.outsourcing_add(
            actor=company.pmo, project=project, scope="布线", supplier="甲", amount="10"
        )
        body = {"scope": "布线", "supplier": "甲", "amount": "10"}
        stranger = api_client(company.stranger)
        for method, url in (
            ("get", base),
            ("post", base),
            ("patch", f"{base}/{part.pk}"),
            ("delete", f"{base}/{part.pk}"),
            ("post", f"{base}/{part.pk}/submit"),
        ):
            assert_error(send(stranger, method, url, body), 404)
        viewer = api_client(company.head)
        assert send(viewer, "get", base).status_code == 200
        assert_error(send(viewer, "post", base, body), 403)
        assert_error(send(viewer, "post", f"{base}/{part.pk}/submit"), 403)
        pm = api_client(company.pm)
        assert_error(send(pm, "post", base, {**body, "amount": "-1"}), 400, "invalid_number")
        assert_error(send(pm, "post", base, {**body, "amount": "1.005"}), 400, "invalid_number")
        assert_error(send(pm, "post", base, {"scope": "布线"}), 422, "validation_error")
        assert_error(send(pm, "post", f"{base}/999999/submit"), 404)
        assert OutsourcingPart.objects.count() == 1


@pytest.mark.django_db
class TestNominationApi:
    def test_start_and_submit(self, company, draft, approve_all):
        base = f"{URL}/{draft.pk}/nomination"
        state = send(api_client(company.head), "get", base).json()
        assert state["nomination"] is None and state["pm"] is None
        # the PMO starts it
        response = send(api_client(company.pmo), "post", base)
        assert response.status_code == 201, response.content
        nomination = response.json()["nomination"]
        assert nomination["status"] == "open" and nomination["department"]["code"] == "tech"
        assert nomination["due_on"]
        # the head nominates
        response = send(
            api_client(company.head), "post", f"{base}/submit", {"pm_id": company.pm.pk}
        )
        assert response.status_code == 200, response.content
        state = response.json()
        assert state["nomination"]["status"] == "nominated"
        assert state["nomination"]["nominated_pm"]["id"] == company.pm.pk
        assert state["appointment_status"] == "pending"
        approve_all(draft)
        state = send(api_client(company.head), "get", base).json()
        assert state["pm"]["id"] == company.pm.pk and state["appointment_request_id"] is None

    def test_errors(self, company, draft, make_project):
        base = f"{URL}/{draft.pk}/nomination"
        stranger = api_client(company.stranger)
        assert_error(send(stranger, "get", base), 404)
        assert_error(send(stranger, "post", base), 404)
        assert_error(send(stranger, "post", f"{base}/submit", {"pm_id": company.pm.pk}), 404)
        # the head sees it but may not start it; before it starts, may not nominate
        head = api_client(company.head)
        assert_error(send(head, "post", base), 403)
        assert_error(send(head, "post", f"{base}/submit", {"pm_id": company.pm.pk}), 409)
        nomination_start(actor=company.pmo, project=draft)
        # the account manager sees it but is not the head
        am = api_client(company.am)
        assert_error(send(am, "post", f"{base}/submit", {"pm_id": company.pm.pk}), 403, "not_head")
        # validation
        assert_error(send(head, "post", f"{base}/submit", {}), 422, "validation_error")
        assert_error(send(head, "post", f"{base}/submit", {"pm_id": 999999}), 400)
        assert_error(send(api_client(company.pmo), "post", base), 409, "nomination_open")
        # a project with a PM: a PM change is a change request
        with_pm = make_project(name="有经理的项目", materials=False)
        response = send(
            head, "post", f"{URL}/{with_pm.pk}/nomination/submit", {"pm_id": company.member.pk}
        )
        assert_error(response, 409, "pm_exists")
        assert Nomination.objects.count() == 1


@pytest.mark.django_db
class TestNumberApi:
    def test_set_and_refusals(self, company, project, make_project):
        url = f"{URL}/{project.pk}/number"
        response = send(
            api_client(company.pmo), "put", url, {"number": " XM-9 ", "short_name": "九"}
        )
        assert response.status_code == 200, response.content
        assert response.json()["number"] == "XM-9" and response.json()["short_name"] == "九"
        assert_error(send(api_client(company.stranger), "put", url, {"number": "XM-1"}), 404)
        assert_error(send(api_client(company.pm), "put", url, {"number": "XM-1"}), 403)
        assert_error(send(api_client(company.pmo), "put", url, {}), 422, "validation_error")
        other = make_project(name="另一个", materials=False)
        response = send(api_client(company.pmo), "put", url, {"number": other.number})
        assert_error(response, 409, "number_taken")
