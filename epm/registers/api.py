"""API endpoints of the registers app: meetings with their minutes, and action items."""

from __future__ import annotations

from ninja import Router, Status

from epm.projects.rules import access_project

from . import selectors, services
from .rules import access_action_item, access_meeting
from .schemas import (
    ActionItemAddIn,
    ActionItemOut,
    ActionItemPatchIn,
    CompleteIn,
    MeetingCreateIn,
    MeetingDetailOut,
    MeetingOut,
    MeetingPatchIn,
    MyActionItemOut,
)

router = Router(tags=["registers"])

# PATCH fields that may be set to null; for the others null means "leave as it is".
NULLABLE = {"starts_at"}


def _patch(payload) -> dict:
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "") or ""
    return {
        "reason": reason,
        **{k: v for k, v in data.items() if v is not None or k in NULLABLE},
    }


def _item(user, item_id: int):
    item = access_action_item(user, item_id)
    item.overdue = item.is_overdue_on(selectors.company_today())
    return item


@router.get("/projects/{project_id}/meetings", response=list[MeetingOut])
def meeting_list(request, project_id: int):
    """The project's meetings, newest first."""
    project = access_project(request.auth, project_id)
    return list(selectors.meeting_list(project))


@router.post("/projects/{project_id}/meetings", response={201: MeetingDetailOut})
def meeting_create(request, project_id: int, payload: MeetingCreateIn):
    """Record a meeting (a draft) with its action items; each owner is told."""
    project = access_project(request.auth, project_id)
    data = payload.dict()
    data["action_items"] = [dict(row) for row in data["action_items"]]
    meeting = services.meeting_create(actor=request.auth, project=project, **data)
    return Status(201, access_meeting(request.auth, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut)
def meeting_detail(request, meeting_id: int):
    return access_meeting(request.auth, meeting_id)


@router.patch("/meetings/{meeting_id}", response=MeetingDetailOut)
def meeting_update(request, meeting_id: int, payload: MeetingPatchIn):
    """Change a draft; published minutes need a `reason` (an audited correction)."""
    meeting = access_meeting(request.auth, meeting_id)
    services.meeting_update(actor=request.auth, meeting=meeting, **_patch(payload))
    return access_meeting(request.auth, meeting_id)


@router.post("/meetings/{meeting_id}/publish", response=MeetingDetailOut)
def meeting_publish(request, meeting_id: int):
    """Send the minutes to the attendees, the account manager, the PM's head and the PMO."""
    meeting = access_meeting(request.auth, meeting_id)
    services.meeting_publish(actor=request.auth, meeting=meeting)
    return access_meeting(request.auth, meeting_id)


@router.post("/meetings/{meeting_id}/action-items", response={201: ActionItemOut})
def action_item_add(request, meeting_id: int, payload: ActionItemAddIn):
    meeting = access_meeting(request.auth, meeting_id)
    item = services.action_item_add(actor=request.auth, meeting=meeting, **payload.dict())
    return Status(201, _item(request.auth, item.pk))


@router.get("/action-items/mine", response=list[MyActionItemOut])
def my_action_items(request):
    """My open action items in running projects, soonest due first."""
    return selectors.my_action_items(request.auth)


@router.patch("/action-items/{item_id}", response=ActionItemOut)
def action_item_update(request, item_id: int, payload: ActionItemPatchIn):
    item = access_action_item(request.auth, item_id)
    services.action_item_update(actor=request.auth, item=item, **_patch(payload))
    return _item(request.auth, item_id)


@router.post("/action-items/{item_id}/complete", response=ActionItemOut)
def action_item_complete(request, item_id: int, payload: CompleteIn | None = None):
    item = access_action_item(request.auth, item_id)
    note = payload.note if payload is not None else ""
    services.action_item_complete(actor=request.auth, item=item, note=note)
    return _item(request.auth, item_id)


@router.post("/action-items/{item_id}/reopen", response=ActionItemOut)
def action_item_reopen(request, item_id: int):
    item = access_action_item(request.auth, item_id)
    services.action_item_reopen(actor=request.auth, item=item)
    return _item(request.auth, item_id)
