"""The registers API (/api/v1/registers): success, 403, 404 for strangers, validation errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from epm.core.models import AuditEvent
from epm.core.services import api_token_create
from epm.registers.models import ActionItem, ActionItemStatus, Meeting, MeetingStatus

from .conftest import HELD

pytestmark = pytest.mark.django_db
URL = "/api/v1/registers"


def api(user) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def send(client: Client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"message", "code", "detail"}
    if code:
        assert body["code"] == code, body
    return body


def payload(company, **overrides) -> dict:
    data = {
        "kind": "kickoff_external",
        "title": "外部启动会",
        "held_on": HELD.isoformat(),
        "starts_at": "14:00",
        "location": "客户现场",
        "attendee_ids": [company.pm.pk, company.am.pk],
        "customer_attendees": "王处长, 交通局信息中心\n赵工, 运维科",
        "agenda": "介绍项目背景与计划",
        "decisions": "双方确认里程碑",
        "minutes": "会议纪要正文",
        "action_items": [
            {"title": "提供接口文档", "owner_id": company.member.pk, "due_on": "2026-03-20"}
        ],
    }
    data.update(overrides)
    return data


class TestMeetings:
    def test_create_list_detail(self, company, team_project):
        client = api(company.pm)
        response = send(
            client, "post", f"{URL}/projects/{team_project.pk}/meetings", payload(company)
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "draft" and body["kind"] == "kickoff_external"
        assert body["starts_at"] == "14:00:00"
        assert {a["username"] for a in body["attendees"]} == {"pm", "am"}
        assert body["customer_attendee_list"][0] == {
            "name": "王处长",
            "affiliation": "交通局信息中心",
        }
        [item] = body["action_items"]
        assert item["owner"]["username"] == "member" and item["status"] == "open"
        listed = send(api(company.member), "get", f"{URL}/projects/{team_project.pk}/meetings")
        assert [m["id"] for m in listed.json()] == [body["id"]]
        detail = send(api(company.member), "get", f"{URL}/meetings/{body['id']}")
        assert detail.status_code == 200 and detail.json()["minutes"] == "会议纪要正文"

    def test_stranger_gets_404(self, company, meeting):
        client = api(company.stranger)
        item = meeting.action_items.get()
        calls = [
            ("get", f"{URL}/projects/{meeting.project_id}/meetings", None),
            ("post", f"{URL}/projects/{meeting.project_id}/meetings", payload(company)),
            ("get", f"{URL}/meetings/{meeting.pk}", None),
            ("patch", f"{URL}/meetings/{meeting.pk}", {"title": "x"}),
            ("post", f"{URL}/meetings/{meeting.pk}/publish", {}),
            (
                "post",
                f"{URL}/meetings/{meeting.pk}/action-items",
                {"title": "x", "owner_id": company.pm.pk, "due_on": "2026-04-01"},
            ),
            ("patch", f"{URL}/action-items/{item.pk}", {"title": "x"}),
            ("post", f"{URL}/action-items/{item.pk}/complete", {}),
            ("post", f"{URL}/action-items/{item.pk}/reopen", {}),
        ]
        for method, url, data in calls:
            error(send(client, method, url, data), 404, "not_found")
        error(send(api(company.pm), "get", f"{URL}/meetings/999999"), 404)
        assert send(client, "get", f"{URL}/action-items/mine").json() == []
        assert Meeting.objects.get().title == meeting.title and item.status == "open"

    def test_member_may_read_not_write(self, company, meeting):
        client, am = api(company.member), api(company.am)
        events = AuditEvent.objects.count()
        error(
            send(client, "post", f"{URL}/projects/{meeting.project_id}/meetings", payload(company)),
            403,
        )
        error(send(client, "patch", f"{URL}/meetings/{meeting.pk}", {"title": "x"}), 403)
        error(send(client, "post", f"{URL}/meetings/{meeting.pk}/publish"), 403)
        item = meeting.action_items.get()
        error(send(client, "patch", f"{URL}/action-items/{item.pk}", {"title": "x"}), 403)
        error(send(am, "post", f"{URL}/action-items/{item.pk}/complete"), 403)
        assert AuditEvent.objects.count() == events

    @pytest.mark.parametrize(
        "overrides, status, code",
        [
            ({"held_on": "2026-02-01"}, 400, "held_before_contract"),
            ({"customer_attendees": ""}, 400, "customer_attendees_required"),
            ({"title": " "}, 400, "required"),
            ({"kind": "party"}, 400, "invalid_kind"),
            ({"attendee_ids": [424242]}, 400, "invalid_reference"),
            ({"attendee_ids": [0]}, 422, "validation_error"),
            ({"held_on": "yesterday"}, 422, "validation_error"),
            ({"item_due_on": "2026-01-01"}, 400, "due_before_meeting"),
        ],
    )
    def test_validation(self, company, team_project, overrides, status, code):
        body = payload(company)
        if "item_due_on" in overrides:
            body["action_items"][0]["due_on"] = overrides.pop("item_due_on")
        body.update(overrides)
        response = send(
            api(company.pm),
            "post",
            f"{URL}/projects/{team_project.pk}/meetings",
            body,
        )
        error(response, status, code)
        assert not Meeting.objects.exists() and not ActionItem.objects.exists()

    def test_patch_publish_and_correct(self, company, meeting):
        client = api(company.pm)
        url = f"{URL}/meetings/{meeting.pk}"
        response = send(client, "patch", url, {"location": "二楼", "starts_at": "10:00"})
        assert response.status_code == 200 and response.json()["location"] == "二楼"
        error(send(client, "patch", url, {"held_on": "2026-02-01"}), 400, "held_before_contract")
        response = send(client, "post", f"{url}/publish")
        assert response.status_code == 200 and response.json()["status"] == "published"
        error(send(client, "post", f"{url}/publish"), 409, "already_published")
        error(send(client, "patch", url, {"minutes": "改"}), 409, "correction_reason_required")
        response = send(client, "patch", url, {"minutes": "改", "reason": "笔误"})
        assert response.status_code == 200 and response.json()["minutes"] == "改"
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.PUBLISHED


class TestActionItems:
    def test_add_patch_complete_reopen_mine(self, company, meeting):
        client = api(company.pm)
        response = send(
            client,
            "post",
            f"{URL}/meetings/{meeting.pk}/action-items",
            {"title": "部署测试环境", "owner_id": company.member.pk, "due_on": "2999-01-01"},
        )
        assert response.status_code == 201, response.content
        item_id = response.json()["id"]
        response = send(
            client, "patch", f"{URL}/action-items/{item_id}", {"note": "需要两台服务器"}
        )
        assert response.status_code == 200 and response.json()["note"] == "需要两台服务器"
        member = api(company.member)
        mine = send(member, "get", f"{URL}/action-items/mine").json()
        assert [(i["title"], i["overdue"]) for i in mine] == [
            ("提交需求调研计划", True),
            ("部署测试环境", False),
        ]
        assert (
            mine[0]["project"]["id"] == meeting.project_id
            and mine[0]["meeting_title"] == meeting.title
        )
        response = send(member, "post", f"{URL}/action-items/{item_id}/complete", {"note": "完成"})
        assert response.status_code == 200 and response.json()["status"] == ActionItemStatus.DONE
        error(send(member, "post", f"{URL}/action-items/{item_id}/complete"), 409, "already_done")
        response = send(member, "post", f"{URL}/action-items/{item_id}/reopen")
        assert response.json()["status"] == "open"

    def test_item_validation(self, company, meeting):
        client = api(company.pm)
        url = f"{URL}/meetings/{meeting.pk}/action-items"
        error(
            send(
                client,
                "post",
                url,
                {"title": "x", "owner_id": company.pm.pk, "due_on": "2026-01-01"},
            ),
            400,
            "due_before_meeting",
        )
        error(
            send(client, "post", url, {"title": "x", "owner_id": 777777, "due_on": "2026-04-01"}),
            400,
            "invalid_reference",
        )
        error(
            send(client, "post", url, {"title": "x", "due_on": "2026-04-01"}),
            422,
            "validation_error",
        )
        item = meeting.action_items.get()
        error(
            send(
                client, "patch", f"{URL}/action-items/{item.pk}", {"owner_id": company.stranger.pk}
            ),
            400,
            "not_on_project",
        )
        error(send(client, "patch", f"{URL}/action-items/{item.pk}", {"due_on": "soon"}), 422)
        assert meeting.action_items.count() == 1
        item.refresh_from_db()
        assert item.owner == company.member and item.due_on == HELD
