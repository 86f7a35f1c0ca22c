"""Pages: the meetings list, the form with action item rows, the detail, publish, print, the
home page card; strangers get 404 and team members read without write buttons."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epm.core.models import AuditEvent
from epm.registers import services
from epm.registers.models import ActionItem, ActionItemStatus, Meeting, MeetingStatus

from .conftest import HELD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(company, **overrides) -> dict:
    data = {
        "kind": "kickoff_internal",
        "title": "内部启动会",
        "held_on": HELD.isoformat(),
        "starts_at": "09:30",
        "location": "三楼会议室",
        "attendee_ids": [company.pm.pk, company.member.pk],
        "customer_attendees": "",
        "agenda": "目标与分工",
        "decisions": "按计划推进",
        "minutes": "会议记录……",
    }
    data.update(overrides)
    return data


class TestVisibility:
    def test_stranger_gets_404_everywhere(self, company, meeting):
        project, item = meeting.project, meeting.action_items.get()
        client = client_for(company.stranger)
        pages = [
            ("get", reverse("registers:meetings", args=[project.pk])),
            ("get", reverse("registers:meeting_create", args=[project.pk])),
            ("get", reverse("registers:meeting", args=[project.pk, meeting.pk])),
            ("get", reverse("registers:meeting_edit", args=[project.pk, meeting.pk])),
            ("get", reverse("registers:meeting_print", args=[project.pk, meeting.pk])),
            ("post", reverse("registers:meeting_publish", args=[project.pk, meeting.pk])),
            ("post", reverse("registers:action_item_add", args=[project.pk, meeting.pk])),
            ("post", reverse("registers:action_item_update", args=[project.pk, item.pk])),
            ("post", reverse("registers:action_item_complete", args=[project.pk, item.pk])),
            ("post", reverse("registers:action_item_reopen", args=[project.pk, item.pk])),
        ]
        for method, url in pages:
            response = getattr(client, method)(url)
            assert response.status_code == 404, url
            assert meeting.title not in response.content.decode()
        assert Meeting.objects.get().status == MeetingStatus.DRAFT

    def test_a_meeting_of_another_project_is_404(self, company, meeting, make_project):
        other = make_project(name="另一个项目")
        url = reverse("registers:meeting", args=[other.pk, meeting.pk])
        assert client_for(company.pmo).get(url).status_code == 404

    def test_member_reads_without_write_buttons(self, company, meeting):
        client = client_for(company.member)
        html = client.get(reverse("registers:meetings", args=[meeting.project_id])).content.decode()
        assert meeting.title in html and 'data-testid="meeting-create"' not in html
        url = reverse("registers:meeting", args=[meeting.project_id, meeting.pk])
        html = client.get(url).content.decode()
        assert "提交需求调研计划" in html
        assert 'data-testid="meeting-publish"' not in html
        assert 'data-testid="meeting-edit"' not in html
        assert 'data-testid="action-item-form"' not in html
        # the owner may tick off their own item
        assert f'data-testid="action-item-done-{meeting.action_items.get().pk}"' in html
        create = reverse("registers:meeting_create", args=[meeting.project_id])
        assert client.get(create).status_code == 403
        assert client.post(create, form_data(company)).status_code == 403
        publish = reverse("registers:meeting_publish", args=[meeting.project_id, meeting.pk])
        assert client.post(publish).status_code == 403
        assert Meeting.objects.count() == 1


class TestMeetingPages:
    def test_list_and_detail_for_the_pm(self, company, meeting):
        client = client_for(company.pm)
        html = client.get(reverse("registers:meetings", args=[meeting.project_id])).content.decode()
        assert 'data-testid="meeting-create"' in html and 'data-testid="tab-meetings"' in html
        url = reverse("registers:meeting", args=[meeting.project_id, meeting.pk])
        html = client.get(url).content.decode()
        assert 'data-testid="meeting-publish"' in html and 'data-testid="action-item-form"' in html
        assert "text-danger" in html  # the item was due in March: overdue now
        create = client.get(reverse("registers:meeting_create", args=[meeting.project_id]))
        assert create.status_code == 200
        assert 'data-testid="item-row-add"' in create.content.decode()

    def test_list_query_count_does_not_grow_with_meetings(self, company, make_meeting):
        client = client_for(company.pm)
        url = reverse("registers:meetings", args=[make_meeting().project_id])
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for _ in range(3):
            make_meeting()
        with CaptureQueriesContext(connection) as four:
            client.get(url)
        assert len(four) == len(one)

    def test_create_with_action_item_rows(self, company, team_project):
        client = client_for(company.pm)
        data = form_data(
            company,
            item_title=["确认需求", ""],
            item_owner=[str(company.member.pk), ""],
            item_due=[(HELD + dt.timedelta(days=5)).isoformat(), ""],
            item_note=["", ""],
        )
        response = client.post(reverse("registers:meeting_create", args=[team_project.pk]), data)
        meeting = Meeting.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "registers:meeting", args=[team_project.pk, meeting.pk]
        )
        assert meeting.starts_at == dt.time(9, 30)
        [item] = meeting.action_items.all()
        assert (item.title, item.owner, item.due_on) == (
            "确认需求",
            company.member,
            HELD + dt.timedelta(5),
        )

    def test_create_refused_shows_the_error_and_keeps_the_rows(self, company, team_project):
        client = client_for(company.pm)
        data = form_data(
            company,
            kind="kickoff_external",
            item_title=["确认需求"],
            item_owner=[str(company.member.pk)],
            item_due=[HELD.isoformat()],
            item_note=[""],
        )
        response = client.post(reverse("registers:meeting_create", args=[team_project.pk]), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert 'data-testid="form-error"' in html
        assert json.dumps("确认需求") in html  # the rows come back for Alpine to show again
        bad_row = form_data(
            company, item_title=["x"], item_owner=[""], item_due=["soon"], item_note=[""]
        )
        response = client.post(reverse("registers:meeting_create", args=[team_project.pk]), bad_row)
        assert (
            response.status_code == 400 and 'data-testid="form-error"' in response.content.decode()
        )
        assert not Meeting.objects.exists() and not ActionItem.objects.exists()

    def test_edit_draft_then_publish_then_correct_with_reason(self, company, meeting):
        client = client_for(company.pm)
        project_id = meeting.project_id
        edit = reverse("registers:meeting_edit", args=[project_id, meeting.pk])
        assert client.get(edit).status_code == 200
        response = client.post(edit, form_data(company, title="内部启动会（定稿）"))
        assert response.status_code == 302
        publish = reverse("registers:meeting_publish", args=[project_id, meeting.pk])
        assert client.post(publish).status_code == 302
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.PUBLISHED and meeting.title == "内部启动会（定稿）"
        # a correction without a reason is a form error; with one it is saved and audited
        response = client.post(edit, form_data(company, minutes="更正"))
        assert response.status_code == 400
        response = client.post(edit, form_data(company, minutes="更正", reason="遗漏一项决议"))
        assert response.status_code == 302
        assert AuditEvent.objects.filter(action="meeting.correct", note="遗漏一项决议").exists()
        # publishing twice is a message, not a crash
        response = client.post(
            publish, HTTP_REFERER=reverse("registers:meeting", args=[project_id, meeting.pk])
        )
        assert response.status_code == 302

    def test_print(self, company, meeting):
        url = reverse("registers:meeting_print", args=[meeting.project_id, meeting.pk])
        html = client_for(company.member).get(url).content.decode()
        assert 'data-testid="print-meeting"' in html and "提交需求调研计划" in html


class TestActionItemPages:
    def test_add_update_complete_reopen(self, company, meeting):
        client = client_for(company.pm)
        pid = meeting.project_id
        add = reverse("registers:action_item_add", args=[pid, meeting.pk])
        response = client.post(
            add, {"title": "搭建环境", "owner": company.pm.pk, "due_on": HELD.isoformat()}
        )
        assert response.status_code == 302
        item = ActionItem.objects.get(title="搭建环境")
        response = client.post(
            reverse("registers:action_item_update", args=[pid, item.pk]),
            {"title": "搭建测试环境", "owner": company.member.pk, "due_on": HELD.isoformat()},
        )
        item.refresh_from_db()
        assert item.title == "搭建测试环境" and item.owner == company.member
        member = client_for(company.member)
        member.post(reverse("registers:action_item_complete", args=[pid, item.pk]), {"note": "ok"})
        item.refresh_from_db()
        assert item.status == ActionItemStatus.DONE and item.note == "ok"
        member.post(reverse("registers:action_item_reopen", args=[pid, item.pk]))
        item.refresh_from_db()
        assert item.status == ActionItemStatus.OPEN

    def test_add_refused_is_a_form_error(self, company, meeting):
        add = reverse("registers:action_item_add", args=[meeting.project_id, meeting.pk])
        response = client_for(company.pm).post(
            add, {"title": "x", "owner": company.pm.pk, "due_on": "2026-03-01"}
        )
        assert response.status_code == 400
        assert 'data-testid="form-error"' in response.content.decode()
        assert meeting.action_items.count() == 1

    def test_someone_else_may_not_complete(self, company, meeting):
        item = meeting.action_items.get()
        url = reverse("registers:action_item_complete", args=[meeting.project_id, item.pk])
        assert client_for(company.am).post(url).status_code == 403
        item.refresh_from_db()
        assert item.is_open


class TestHomeCard:
    def test_my_open_items_with_overdue_in_red_and_mark_done(self, company, meeting):
        future = services.action_item_add(
            actor=company.pm,
            meeting=meeting,
            title="远期事项",
            owner_id=company.member.pk,
            due_on=dt.date(2999, 1, 1),
        )
        client = client_for(company.member)
        html = client.get(reverse("core:home")).content.decode()
        old = meeting.action_items.get(title="提交需求调研计划")
        assert f'data-testid="my-action-item-{old.pk}"' in html
        assert f'data-testid="my-action-item-{future.pk}"' in html
        assert html.count('data-testid="overdue"') == 1
        assert html.index("提交需求调研计划") < html.index("远期事项")
        response = client.post(
            reverse("registers:action_item_complete", args=[meeting.project_id, old.pk]),
            {"next": "/"},
        )
        assert response.status_code == 302 and response["Location"] == "/"
        html = client.get(reverse("core:home")).content.decode()
        assert f'data-testid="my-action-item-{old.pk}"' not in html

    def test_others_see_nothing_of_mine(self, company, meeting):
        html = client_for(company.pm).get(reverse("core:home")).content.decode()
        assert 'data-testid="my-action-items"' in html and "提交需求调研计划" not in html
