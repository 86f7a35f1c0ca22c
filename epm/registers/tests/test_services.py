"""Meeting and action item services: happy paths, each refusal, permissions, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.core.services import user_update
from epm.registers import services
from epm.registers.models import ActionItem, ActionItemStatus, Meeting, MeetingStatus

from .conftest import HELD

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def refused(code: str, call, *args, **kwargs) -> ApplicationError:
    """The call raises an ApplicationError with `code` and writes nothing."""
    meetings, items, events = Meeting.objects.count(), ActionItem.objects.count(), actions()
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert (Meeting.objects.count(), ActionItem.objects.count()) == (meetings, items)
    assert actions() == events
    return info.value


class TestMeetingCreate:
    def test_creates_a_draft_with_attendees_items_and_audit(self, company, make_meeting):
        # given / when
        meeting = make_meeting(
            kind="kickoff_external",
            customer_attendees="张处长, 信息中心\n\n  李工，运维科  \n",
            starts_at=dt.time(9, 30),
            location="客户会议室",
            items=[
                {"title": "确认需求清单", "owner_id": company.member.pk, "due_on": HELD},
                {"title": "提交实施计划", "owner_id": company.pm.pk, "due_on": HELD},
            ],
        )
        # then
        assert meeting.status == MeetingStatus.DRAFT and meeting.created_by == company.pm
        assert set(meeting.attendees.all()) == {company.pm, company.member}
        assert meeting.customer_attendees == "张处长, 信息中心\n李工，运维科"
        assert meeting.customer_attendee_list() == [("张处长", "信息中心"), ("李工", "运维科")]
        assert [i.owner for i in meeting.action_items.all()] == [company.member, company.pm]
        assert actions()[-3:] == ["meeting.create", "action_item.add", "action_item.add"]
        event = AuditEvent.objects.get(action="meeting.create")
        assert event.scope == f"projects.project:{meeting.project_id}"
        assert event.changes["attendees"][1] == sorted([str(company.pm), str(company.member)])

    @pytest.mark.parametrize("who", ["pm", "pmo", "pmo_staff", "assistant"])
    def test_editors_may_create(self, company, team_project, make_meeting, who):
        if who == "assistant":
            from epm.projects.services import project_update

            project_update(actor=company.pmo, project=team_project, assistant=company.member)
            actor = company.member
        else:
            actor = getattr(company, who)
        assert make_meeting(actor=actor).created_by == actor

    @pytest.mark.parametrize("who", ["member", "am", "head", "president"])
    def test_others_may_not(self, company, make_meeting, who):
        with pytest.raises(PermissionDenied):
            make_meeting(actor=getattr(company, who))
        assert not Meeting.objects.exists()

    @pytest.mark.parametrize(
        "fields, code",
        [
            ({"title": "   "}, "required"),
            ({"kind": "party"}, "invalid_kind"),
            ({"held_on": dt.date(2026, 2, 28)}, "held_before_contract"),
            ({"held_on": "2026-03-10"}, "invalid_date"),
            (
                {"kind": "kickoff_external", "customer_attendees": " \n "},
                "customer_attendees_required",
            ),
            ({"attendee_ids": [999999]}, "invalid_reference"),
            ({"attendee_ids": ["x"]}, "invalid_reference"),
            ({"title": "x" * 201}, "too_long"),
        ],
    )
    def test_bad_input_is_refused(self, make_meeting, fields, code):
        refused(code, make_meeting, **fields)

    def test_inactive_attendee_is_refused(self, company, make_meeting):
        user_update(actor=company.admin, user=company.member, is_active=False)
        refused("inactive_user", make_meeting)

    def test_attendee_who_cannot_see_the_project_is_refused(self, company, make_meeting):
        error = refused("not_on_project", make_meeting, attendee_ids=[company.stranger.pk])
        assert str(company.stranger) in error.message

    @pytest.mark.parametrize(
        "item, code",
        [
            ({"title": "", "due_on": HELD}, "required"),
            ({"title": "x", "due_on": HELD - dt.timedelta(days=1)}, "due_before_meeting"),
            ({"title": "x", "due_on": HELD, "owner_id": None}, "owner_required"),
            ({"title": "x", "due_on": HELD, "owner_id": 987654}, "invalid_reference"),
            ({"title": "x", "due_on": None}, "invalid_date"),
        ],
    )
    def test_a_bad_action_item_refuses_the_whole_meeting(self, company, make_meeting, item, code):
        row = {"owner_id": company.member.pk, **item}
        good = {"title": "ok", "owner_id": company.pm.pk, "due_on": HELD}
        error = refused(code, make_meeting, items=[good, row])
        assert error.detail["row"] == 2 and "2" in error.message

    def test_frozen_and_suspended_projects_take_no_meetings(self, company, make_meeting, walk):
        project = make_meeting().project
        walk(project, "submit", "approve_initiation", "suspend")
        error = refused("project_frozen", make_meeting)
        assert error.status == 409
        walk(project, "resume", "cancel")
        refused("project_frozen", make_meeting)


class TestMeetingUpdateAndPublish:
    def test_update_a_draft(self, company, meeting):
        services.meeting_update(
            actor=company.pm,
            meeting=meeting,
            title="内部启动会（修订）",
            attendee_ids=[company.pm.pk],
        )
        meeting.refresh_from_db()
        assert meeting.title == "内部启动会（修订）"
        assert list(meeting.attendees.all()) == [company.pm]
        event = AuditEvent.objects.filter(action="meeting.update").get()
        assert set(event.changes) == {"title", "attendees"}

    def test_nothing_changed_writes_nothing(self, company, meeting):
        before = actions()
        services.meeting_update(actor=company.pm, meeting=meeting, title=meeting.title)
        assert actions() == before

    def test_update_refusals(self, company, meeting):
        refused("invalid_field", services.meeting_update, actor=company.pm, meeting=meeting, x=1)
        refused(
            "due_before_meeting",
            services.meeting_update,
            actor=company.pm,
            meeting=meeting,
            held_on=HELD + dt.timedelta(days=1),
        )
        with pytest.raises(PermissionDenied):
            services.meeting_update(actor=company.member, meeting=meeting, title="x")

    def test_publish_then_read_only_except_an_audited_correction(self, company, meeting):
        # when
        services.meeting_publish(actor=company.pm, meeting=meeting)
        meeting.refresh_from_db()
        # then
        assert meeting.status == MeetingStatus.PUBLISHED and meeting.published_by == company.pm
        error = refused(
            "correction_reason_required",
            services.meeting_update,
            actor=company.pm,
            meeting=meeting,
            minutes="改过",
        )
        assert error.status == 409
        services.meeting_update(
            actor=company.pm, meeting=meeting, minutes="更正：里程碑日期", reason="日期记错"
        )
        event = AuditEvent.objects.get(action="meeting.correct")
        assert event.note == "日期记错" and "minutes" in event.changes
        refused(
            "correction_reason_required",
            services.action_item_add,
            actor=company.pm,
            meeting=meeting,
            title="补充",
            owner_id=company.pm.pk,
            due_on=HELD,
        )

    def test_publish_refusals(self, company, make_meeting):
        empty = make_meeting(minutes="")
        refused("minutes_required", services.meeting_publish, actor=company.pm, meeting=empty)
        future = make_meeting(held_on=dt.date(2999, 1, 1))
        refused("not_held_yet", services.meeting_publish, actor=company.pm, meeting=future)
        done = make_meeting()
        services.meeting_publish(actor=company.pm, meeting=done)
        refused("already_published", services.meeting_publish, actor=company.pm, meeting=done)
        with pytest.raises(PermissionDenied):
            services.meeting_publish(actor=company.member, meeting=make_meeting())


class TestActionItems:
    def test_add_update_complete_reopen(self, company, meeting):
        item = services.action_item_add(
            actor=company.pm, meeting=meeting, title="准备环境", owner_id=company.pm.pk, due_on=HELD
        )
        item = services.action_item_update(
            actor=company.pmo, item=item, owner_id=company.member.pk, due_on=HELD + dt.timedelta(7)
        )
        assert item.owner == company.member
        item = services.action_item_complete(actor=company.member, item=item, note="已完成")
        assert item.status == ActionItemStatus.DONE and item.done_by == company.member
        assert item.done_at is not None and item.note == "已完成"
        item = services.action_item_reopen(actor=company.pm, item=item)
        assert item.status == ActionItemStatus.OPEN and item.done_at is None
        assert actions()[-4:] == [
            "action_item.add",
            "action_item.update",
            "action_item.complete",
            "action_item.reopen",
        ]

    def test_only_owner_or_pm_complete(self, company, meeting):
        item = meeting.action_items.get()
        for outsider in (company.am, company.pmo, company.head):
            with pytest.raises(PermissionDenied):
                services.action_item_complete(actor=outsider, item=item)
        services.action_item_complete(actor=company.pm, item=item)
        refused("already_done", services.action_item_complete, actor=company.member, item=item)
        services.action_item_reopen(actor=company.member, item=item)
        refused("not_done", services.action_item_reopen, actor=company.member, item=item)

    def test_complete_is_refused_in_a_finished_project(self, company, meeting, walk):
        item = meeting.action_items.get()
        walk(meeting.project, "cancel")
        refused("project_frozen", services.action_item_complete, actor=company.member, item=item)

    def test_item_refusals(self, company, meeting):
        item = meeting.action_items.get()
        refused(
            "due_before_meeting",
            services.action_item_update,
            actor=company.pm,
            item=item,
            due_on=HELD - dt.timedelta(1),
        )
        refused(
            "not_on_project",
            services.action_item_update,
            actor=company.pm,
            item=item,
            owner_id=company.stranger.pk,
        )
        refused("invalid_field", services.action_item_update, actor=company.pm, item=item, x=1)
        with pytest.raises(PermissionDenied):
            services.action_item_update(actor=company.member, item=item, title="mine now")
        with pytest.raises(PermissionDenied):
            services.action_item_add(
                actor=company.member,
                meeting=meeting,
                title="x",
                owner_id=company.member.pk,
                due_on=HELD,
            )
