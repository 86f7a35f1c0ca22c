"""The implementation plan API (/api/v1/planning/projects/{id}/plan…)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from epm.approvals.models import ApprovalTask, RequestStatus, TaskStatus
from epm.approvals.services import task_return
from epm.core.services import api_token_create
from epm.planning.models import ImplementationPlan, PlanComment, PlanStatus
from epm.planning.services.plan import plan_save, plan_submit
from epm.projects.models import Status

from .test_plan_services import FULL

BASE = "/api/v1/planning/projects"


def api_client(user) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def send(client: Client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url, data or {})
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"message", "code", "detail"}
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def planning(make_project, walk):
    return walk(make_project(), "submit", "start_planning")


@pytest.mark.django_db
class TestPlanApi:
    def test_write_submit_read(self, company, planning):
        pm = api_client(company.pm)
        url = f"{BASE}/{planning.pk}/plan"
        body = send(pm, "get", url).json()
        assert body["status"] == "draft" and body["version"] is None and body["editable"]
        assert [s["code"] for s in body["sections"]][:2] == ["background", "scope"]
        assert body["sections"][1]["reviewers"] == ["technical_head", "commerce"]
        response = send(pm, "put", url, {"sections": FULL})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["version"] == 1 and body["can_submit"] and body["missing"] == []
        response = send(pm, "post", f"{url}/submit", {"reason": "请评审"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "in_review" and body["approval_id"] and not body["editable"]
        assert body["versions"][0]["submitted_at"]
        mine = send(api_client(company.quality), "get", url).json()
        assert mine["my_sections"] == ["quality", "risk"] and mine["my_roles"] == ["quality"]
        version = send(pm, "get", f"{url}/versions/1").json()
        assert version["sections"]["scope"] == FULL["scope"]

    def test_comment_and_diff(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        plan_submit(actor=company.pm, project=planning)
        url = f"{BASE}/{planning.pk}/plan"
        response = send(
            api_client(company.commerce),  # a reviewer without portfolio view
            "post",
            f"{url}/comments",
            {"section": "scope", "text": "与合同一致"},
        )
        assert response.status_code == 201, response.content
        assert response.json()["version"] == 1 and PlanComment.objects.count() == 1
        task = ApprovalTask.objects.get(
            request__status=RequestStatus.PENDING, assignee=company.head, status=TaskStatus.PENDING
        )
        task_return(actor=company.head, task_id=task.pk, comment="组织计划不全")
        pm = api_client(company.pm)
        send(pm, "put", url, {"sections": {"organisation": "项目经理王经理；技术负责人李工。"}})
        body = send(pm, "get", f"{url}/diff", {"a": 1, "b": 2}).json()
        changed = [s for s in body["sections"] if s["changed"]]
        assert [s["code"] for s in changed] == ["organisation"]
        segments = changed[0]["lines"][0]["segments"]
        assert {"kind": "del", "text": "张"} in segments and {
            "kind": "ins",
            "text": "李",
        } in segments

    def test_stranger_gets_404(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        stranger = api_client(company.stranger)
        url = f"{BASE}/{planning.pk}/plan"
        for method, path, data in [
            ("get", "", None),
            ("put", "", {"sections": {"scope": "x"}}),
            ("post", "/submit", {}),
            ("get", "/versions/1", None),
            ("get", "/diff", {"a": 1, "b": 1}),
            ("post", "/comments", {"section": "scope", "text": "x"}),
        ]:
            assert_error(send(stranger, method, url + path, data), 404, "not_found")
        assert_error(send(api_client(company.pm), "get", f"{BASE}/999999/plan"), 404)

    def test_viewer_who_may_not_write_gets_403(self, company, planning):
        plan_save(actor=company.pm, project=planning, sections=FULL)
        quality = api_client(company.quality)  # sees every project, writes no plan
        url = f"{BASE}/{planning.pk}/plan"
        assert send(quality, "get", url).status_code == 200
        assert_error(send(quality, "put", url, {"sections": {"scope": "x"}}), 403)
        assert_error(send(quality, "post", f"{url}/submit", {}), 403)
        plan_submit(actor=company.pm, project=planning)
        assert_error(
            send(
                api_client(company.finance),
                "post",
                f"{url}/comments",
                {"section": "scope", "text": "x"},
            ),
            403,
        )
        assert ImplementationPlan.objects.get(project=planning).versions.get().sections == {**FULL}

    def test_validation_errors(self, company, planning):
        pm = api_client(company.pm)
        url = f"{BASE}/{planning.pk}/plan"
        assert_error(send(pm, "put", url, {"sections": "all"}), 422, "validation_error")
        assert_error(send(pm, "put", url, {"sections": {"budget": "x"}}), 400, "unknown_section")
        assert_error(send(pm, "get", f"{url}/diff", {"a": "x", "b": 1}), 422, "validation_error")
        assert_error(send(pm, "get", f"{url}/versions/3"), 404, "version_not_found")
        send(pm, "put", url, {"sections": {"scope": "范围"}})
        body = assert_error(send(pm, "post", f"{url}/submit", {}), 400, "plan_incomplete")
        assert "scope" not in body["detail"] and "background" in body["detail"]
        assert_error(
            send(pm, "post", f"{url}/comments", {"section": "scope", "text": ""}),
            422,
            "validation_error",
        )
        assert_error(
            send(pm, "post", f"{url}/comments", {"section": "scope", "text": "x"}),
            409,
            "not_in_review",
        )
        assert ImplementationPlan.objects.get(project=planning).status == PlanStatus.DRAFT
        planning.refresh_from_db()
        assert planning.status == Status.PLANNING
