"""API shapes for meetings and action items."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from epm.core.schemas import ObjectId, UserRef

from . import selectors

TEXT = 50_000


class ProjectRef(Schema):
    id: int
    number: str | None
    name: str


class ActionItemOut(Schema):
    id: int
    meeting_id: int
    project_id: int
    title: str
    owner: UserRef
    due_on: dt.date
    status: str
    done_at: dt.datetime | None
    done_by: UserRef | None
    note: str
    overdue: bool = False


class MyActionItemOut(ActionItemOut):
    project: ProjectRef
    meeting_title: str

    @staticmethod
    def resolve_meeting_title(obj) -> str:
        return obj.meeting.title


class CustomerAttendeeOut(Schema):
    name: str
    affiliation: str = Field(..., description="Title or organisation")


class MeetingOut(Schema):
    id: int
    project_id: int
    kind: str
    kind_label: str
    title: str
    held_on: dt.date
    starts_at: dt.time | None
    location: str
    status: str
    published_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class MeetingDetailOut(MeetingOut):
    attendees: list[UserRef]
    customer_attendees: str = Field(..., description='One per line: "name, title/organisation"')
    customer_attendee_list: list[CustomerAttendeeOut]
    agenda: str
    decisions: str
    minutes: str
    action_items: list[ActionItemOut]

    @staticmethod
    def resolve_customer_attendee_list(obj) -> list[dict]:
        return [{"name": n, "affiliation": a} for n, a in obj.customer_attendee_list()]

    @staticmethod
    def resolve_attendees(obj) -> list:
        return selectors.meeting_attendees(obj)

    @staticmethod
    def resolve_action_items(obj) -> list:
        return selectors.meeting_items(obj)


class ActionItemIn(Schema):
    title: str = Field(..., max_length=200)
    owner_id: ObjectId
    due_on: dt.date
    note: str = Field("", max_length=5000)


class ActionItemAddIn(ActionItemIn):
    reason: str = Field("", max_length=2000, description="Required once the minutes are published")


class ActionItemPatchIn(Schema):
    title: str = Field(None, max_length=200)
    owner_id: ObjectId = None
    due_on: dt.date = None
    note: str = Field(None, max_length=5000)
    reason: str = Field("", max_length=2000, description="Required once the minutes are published")


class CompleteIn(Schema):
    note: str = Field("", max_length=5000)


class MeetingCreateIn(Schema):
    kind: str = Field(..., description="kickoff_internal, kickoff_external or regular")
    title: str = Field(..., max_length=200)
    held_on: dt.date
    starts_at: dt.time | None = None
    location: str = Field("", max_length=200)
    attendee_ids: list[ObjectId] = Field(default_factory=list, max_length=500)
    customer_attendees: str = Field("", max_length=TEXT)
    agenda: str = Field("", max_length=TEXT)
    decisions: str = Field("", max_length=TEXT)
    minutes: str = Field("", max_length=TEXT)
    action_items: list[ActionItemIn] = Field(default_factory=list, max_length=200)


class MeetingPatchIn(Schema):
    kind: str = None
    title: str = Field(None, max_length=200)
    held_on: dt.date = None
    starts_at: dt.time | None = None
    location: str = Field(None, max_length=200)
    attendee_ids: list[ObjectId] = Field(None, max_length=500)
    customer_attendees: str = Field(None, max_length=TEXT)
    agenda: str = Field(None, max_length=TEXT)
    decisions: str = Field(None, max_length=TEXT)
    minutes: str = Field(None, max_length=TEXT)
    reason: str = Field(
        "", max_length=2000, description="Why published minutes are corrected (required then)"
    )
