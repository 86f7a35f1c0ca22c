"""Every state-changing operation on meetings and their action items.

Each runs in one transaction: it locks the project row first (then the meeting or item),
re-checks the rules inside the lock, writes an audit event scoped to the project and queues
notifications for after the commit. Bad input raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, diff, scope_of
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.core.notifications import notify
from epm.core.workcalendar import company_time_zone
from epm.projects.models import Project, Status
from epm.projects.rules import PMO_ROLES
from epm.projects.services import lock_project

from . import rules
from .models import ActionItem, ActionItemStatus, Meeting, MeetingKind, MeetingStatus

MEETING_FIELDS = [
    "kind",
    "title",
    "held_on",
    "starts_at",
    "location",
    "customer_attendees",
    "agenda",
    "decisions",
    "minutes",
]
ITEM_FIELDS = ["title", "owner_id", "due_on", "note"]
TEXT_LIMIT = 50_000
MAX_CUSTOMER_ATTENDEES = 200
MAX_ACTION_ITEMS = 200


def company_today() -> dt.date:
    return timezone.localdate(timezone=company_time_zone())


# --- locking and guards --------------------------------------------------------------------------


def _lock_meeting(meeting: Meeting) -> tuple[Project, Meeting]:
    project = lock_project(meeting.project_id)
    return project, Meeting.objects.select_for_update().get(pk=meeting.pk)


def _lock_item(item: ActionItem) -> tuple[Project, ActionItem]:
    project = lock_project(item.project_id)
    return project, ActionItem.objects.select_for_update().get(pk=item.pk)


def _check_writable(actor: User, project: Project) -> None:
    """Meeting records change only in a running project, and only by its PM, assistant or PMO."""
    if project.is_frozen or project.status == Status.SUSPENDED:
        raise ApplicationError(
            _("The meetings of a %(state)s project cannot be changed.")
            % {"state": project.get_status_display()},
            "project_frozen",
            status=409,
        )
    if not rules.can_edit_meetings(actor, project):
        raise PermissionDenied()


def _correction_reason(meeting: Meeting, reason: str) -> str:
    """Published minutes change only through a correction that says why."""
    reason = (reason or "").strip()
    if meeting.is_published and not reason:
        raise ApplicationError(
            _("The minutes are published: give a reason for the correction."),
            "correction_reason_required",
            status=409,
        )
    if len(reason) > 2000:
        raise ApplicationError(_("The reason is too long."), "reason_too_long")
    return reason


# --- validation ----------------------------------------------------------------------------------


def _text(value: Any, label: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(
            _("%(field)s must be text.") % {"field": label}, "invalid_text", status=422
        )
    value = value.strip()
    if "\x00" in value:
        raise ApplicationError(_("Text cannot contain NUL characters."), "nul_character")
    if required and not value:
        raise ApplicationError(
            _("%(field)s is required.") % {"field": label}, "required", detail={"field": label}
        )
    if len(value) > limit:
        raise ApplicationError(
            _("%(field)s is longer than %(n)d characters.") % {"field": label, "n": limit},
            "too_long",
            detail={"field": label},
        )
    return value


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ApplicationError(
            _("%(field)s must be a date.") % {"field": label},
            "invalid_date",
            detail={"field": label},
        )
    return value


def _customer_attendees(value: Any) -> str:
    """One attendee per line, blank lines dropped, each line trimmed."""
    lines = [line.strip() for line in _text(value, _("Customer attendees")).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_CUSTOMER_ATTENDEES:
        raise ApplicationError(
            _("At most %(n)d customer attendees.") % {"n": MAX_CUSTOMER_ATTENDEES},
            "too_many_attendees",
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > 200:
            raise ApplicationError(
                _("Customer attendee line %(n)d is longer than 200 characters.") % {"n": number},
                "too_long",
                detail={"line": number},
            )
    return "\n".join(lines)


def _clean_meeting(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """The meeting's fields checked and normalised; raises on the first problem."""
    if data["kind"] not in MeetingKind.values:
        raise ApplicationError(_("Unknown kind of meeting."), "invalid_kind")
    clean = {
        "kind": data["kind"],
        "title": _text(data["title"], _("Title"), limit=200, required=True),
        "held_on": _date(data["held_on"], _("Meeting date")),
        "location": _text(data.get("location"), _("Location"), limit=200),
        "customer_attendees": _customer_attendees(data.get("customer_attendees")),
        "agenda": _text(data.get("agenda"), _("Agenda")),
        "decisions": _text(data.get("decisions"), _("Decisions")),
        "minutes": _text(data.get("minutes"), _("Minutes")),
    }
    starts_at = data.get("starts_at")
    if starts_at is not None and not isinstance(starts_at, dt.time):
        raise ApplicationError(_("The start time is not a time of day."), "invalid_time")
    clean["starts_at"] = starts_at
    signed = project.contract_signed_on
    if signed is not None and clean["held_on"] < signed:
        raise ApplicationError(
            _("The meeting cannot be held before the contract was signed (%(d)s).")
            % {"d": signed.isoformat()},
            "held_before_contract",
        )
    if clean["kind"] == MeetingKind.KICKOFF_EXTERNAL and not clean["customer_attendees"]:
        raise ApplicationError(
            _("An external kickoff meeting needs at least one customer attendee."),
            "customer_attendees_required",
        )
    return clean


def _users(ids: Iterable[Any], project: Project, *, field: str) -> list[User]:
    """Active users who can see the project, by id; unknown ids are named in the error."""
    wanted: list[int] = []
    for value in ids:
        pk = value.pk if isinstance(value, User) else value
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise ApplicationError(
                _("%(field)s: %(id)s is not a user id.") % {"field": field, "id": value},
                "invalid_reference",
                detail={"field": field},
            )
        if pk not in wanted:
            wanted.append(pk)
    found = {u.pk: u for u in User.objects.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ApplicationError(
            _("%(field)s: no user with id %(ids)s.")
            % {"field": field, "ids": ", ".join(map(str, missing))},
            "invalid_reference",
            detail={"field": field, "ids": missing},
        )
    users = [found[pk] for pk in wanted]
    for user in users:
        if not user.is_active:
            raise ApplicationError(
                _("%(u)s is not an active user.") % {"u": user},
                "inactive_user",
                detail={"field": field, "id": user.pk},
            )
        if not rules.can_see_project(user, project):
            raise ApplicationError(
                _("%(u)s cannot see this project: add them to the project team first.")
                % {"u": user},
                "not_on_project",
                detail={"field": field, "id": user.pk},
            )
    return users


def _clean_item(project: Project, held_on: dt.date, data: Mapping[str, Any]) -> dict[str, Any]:
    title = _text(data.get("title"), _("Action"), limit=200, required=True)
    owner_id = data.get("owner_id")
    if owner_id is None:
        raise ApplicationError(
            _("Every action item needs an owner."), "owner_required", detail={"field": "owner_id"}
        )
    [owner] = _users([owner_id], project, field="owner_id")
    due_on = _date(data.get("due_on"), _("Due date"))
    if due_on < held_on:
        raise ApplicationError(
            _("An action item cannot be due (%(due)s) before the meeting (%(held)s).")
            % {"due": due_on.isoformat(), "held": held_on.isoformat()},
            "due_before_meeting",
        )
    note = _text(data.get("note"), _("Note"), limit=5000)
    return {"title": title, "owner": owner, "due_on": due_on, "note": note}


def _in_row(number: int, exc: ApplicationError) -> ApplicationError:
    """An action item's error from a list, saying which row it is."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    return ApplicationError(
        _("Action item %(n)d: %(message)s") % {"n": number, "message": exc.message},
        exc.code,
        detail={**detail, "row": number},
        status=exc.status,
    )


# --- audit and notifications -------------------------------------------------------------------


def _meeting_snapshot(meeting: Meeting, attendees: Iterable[User]) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    values["attendees"] = sorted(str(u) for u in attendees)
    return values


def _item_snapshot(item: ActionItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": str(item.owner),
        "due_on": item.due_on,
        "note": item.note,
        "status": item.status,
    }


def meeting_url(meeting: Meeting) -> str:
    return reverse("registers:meeting", args=[meeting.project_id, meeting.pk])


def minutes_recipients(project: Project, meeting: Meeting) -> list[User]:
    """Who receives published minutes (R15): the internal attendees, the account manager, the
    head of the PM's department (or of the project's, without a PM) and the PMO."""
    people: list[User | None] = list(meeting.attendees.all())
    people.append(project.account_manager)
    department = project.pm.department if project.pm and project.pm.department else None
    department = department or project.department
    people.append(department.head if department else None)
    people.extend(
        User.objects.filter(is_active=True, role_assignments__role__in=PMO_ROLES).distinct()
    )
    unique: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())


def _minutes_title(params: dict[str, str], corrected: bool) -> str:
    """Rendered by `notify` in each recipient's language."""
    if corrected:
        return _("%(p)s: the minutes of “%(m)s” were corrected") % params
    return _("%(p)s: minutes of “%(m)s”") % params


def _owner_title(params: dict[str, str]) -> str:
    return _("Action item for you: %(t)s (due %(d)s)") % params


def overdue_title(params: dict[str, str]) -> str:
    return _("Action item overdue: %(t)s (was due %(d)s)") % params


def _send_minutes(project: Project, meeting: Meeting, *, actor: User, key: str, corrected: bool):
    recipients = [u for u in minutes_recipients(project, meeting) if u.pk != actor.pk]
    params = {"p": str(project), "m": meeting.title}
    url = meeting_url(meeting)
    body = meeting.decisions or meeting.minutes
    transaction.on_commit(
        lambda: notify(
            recipients=recipients,
            kind="registers.minutes_corrected" if corrected else "registers.minutes_published",
            title=partial(_minutes_title, params, corrected),
            body=body[:2000],
            url=url,
            dedupe_key=key,
        )
    )


def _tell_owner(item: ActionItem, *, actor: User) -> None:
    """The owner finds a new (or reassigned) item in their inbox; once per item and owner."""
    if item.owner_id == actor.pk:
        return
    owner = item.owner
    params = {"t": item.title, "d": item.due_on.isoformat()}
    url = reverse("registers:meeting", args=[item.project_id, item.meeting_id])
    transaction.on_commit(
        lambda: notify(
            recipients=[owner],
            kind="registers.action_item",
            title=partial(_owner_title, params),
            body=str(item.project),
            url=url,
            dedupe_key=action_item_key(item.pk, owner.pk),
        )
    )


def action_item_key(item_id: int, owner_id: int) -> str:
    return f"registers:action_item:{item_id}:owner:{owner_id}"


def overdue_key(item: ActionItem) -> str:
    return f"registers:action_item:{item.pk}:overdue:{item.due_on.isoformat()}"


# --- meetings ------------------------------------------------------------------------------------


def _create_item(
    *, actor: User, project: Project, meeting: Meeting, data: dict[str, Any], reason: str = ""
) -> ActionItem:
    item = ActionItem.objects.create(
        meeting=meeting, project=project, created_by=actor, status=ActionItemStatus.OPEN, **data
    )
    audit_record(
        actor=actor,
        action="action_item.add",
        target=item,
        scope=scope_of(project),
        changes={k: [None, v] for k, v in _item_snapshot(item).items() if v not in (None, "")},
        note=reason,
    )
    _tell_owner(item, actor=actor)
    return item


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    project: Project,
    kind: str,
    title: str,
    held_on: dt.date,
    starts_at: dt.time | None = None,
    location: str = "",
    attendee_ids: Iterable[int] = (),
    customer_attendees: str = "",
    agenda: str = "",
    decisions: str = "",
    minutes: str = "",
    action_items: Iterable[Mapping[str, Any]] = (),
) -> Meeting:
    """Record a meeting as a draft, with its action items (each owner is told)."""
    project = lock_project(project.pk)
    _check_writable(actor, project)
    data = _clean_meeting(
        project,
        {
            "kind": kind,
            "title": title,
            "held_on": held_on,
            "starts_at": starts_at,
            "location": location,
            "customer_attendees": customer_attendees,
            "agenda": agenda,
            "decisions": decisions,
            "minutes": minutes,
        },
    )
    attendees = _users(attendee_ids, project, field="attendee_ids")
    rows = list(action_items)
    if len(rows) > MAX_ACTION_ITEMS:
        raise ApplicationError(
            _("At most %(n)d action items per meeting.") % {"n": MAX_ACTION_ITEMS},
            "too_many_items",
        )
    items = []
    for number, row in enumerate(rows, start=1):
        try:
            items.append(_clean_item(project, data["held_on"], row))
        except ApplicationError as exc:
            raise _in_row(number, exc) from exc
    meeting = Meeting.objects.create(
        project=project, created_by=actor, status=MeetingStatus.DRAFT, **data
    )
    meeting.attendees.set(attendees)
    audit_record(
        actor=actor,
        action="meeting.create",
        target=meeting,
        scope=scope_of(project),
        changes={
            k: [None, v]
            for k, v in _meeting_snapshot(meeting, attendees).items()
            if v not in (None, "", [])
        },
    )
    for item in items:
        _create_item(actor=actor, project=project, meeting=meeting, data=item)
    return meeting


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, reason: str = "", **fields: Any) -> Meeting:
    """Change a meeting record; published minutes change only by a correction with a reason,
    which is audited as such and sent again to those who received them."""
    unknown = set(fields) - {*MEETING_FIELDS, "attendee_ids"}
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project, meeting = _lock_meeting(meeting)
    _check_writable(actor, project)
    reason = _correction_reason(meeting, reason)
    current_attendees = list(meeting.attendees.all())
    before = _meeting_snapshot(meeting, current_attendees)
    data = _clean_meeting(project, {**before, **fields})
    attendees = (
        _users(fields["attendee_ids"], project, field="attendee_ids")
        if "attendee_ids" in fields
        else current_attendees
    )
    early = meeting.action_items.filter(due_on__lt=data["held_on"]).first()
    if early is not None:
        raise ApplicationError(
            _("The action item “%(t)s” would be due (%(due)s) before the meeting.")
            % {"t": early.title, "due": early.due_on.isoformat()},
            "due_before_meeting",
        )
    for name, value in data.items():
        setattr(meeting, name, value)
    changes = diff(before, _meeting_snapshot(meeting, attendees))
    if not changes:
        return meeting
    meeting.save(update_fields=[*MEETING_FIELDS, "updated_at"])
    if "attendees" in changes:
        meeting.attendees.set(attendees)
    corrected = meeting.is_published
    event = audit_record(
        actor=actor,
        action="meeting.correct" if corrected else "meeting.update",
        target=meeting,
        scope=scope_of(project),
        changes=changes,
        note=reason,
    )
    if corrected:
        _send_minutes(project, meeting, actor=actor, key=f"audit:{event.pk}", corrected=True)
    return meeting


@transaction.atomic
def meeting_publish(*, actor: User, meeting: Meeting) -> Meeting:
    """Send the minutes (R15): to the attendees, the account manager, the PM's department head
    and the PMO. From now on the record is read-only except by an audited correction."""
    project, meeting = _lock_meeting(meeting)
    _check_writable(actor, project)
    if meeting.is_published:
        raise ApplicationError(
            _("These minutes were already published."), "already_published", status=409
        )
    if not meeting.minutes.strip():
        raise ApplicationError(_("Write the minutes before publishing them."), "minutes_required")
    if meeting.held_on > company_today():
        raise ApplicationError(
            _("The meeting is on %(d)s: publish its minutes after it was held.")
            % {"d": meeting.held_on.isoformat()},
            "not_held_yet",
        )
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.published_by = actor
    meeting.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=actor,
        action="meeting.publish",
        target=meeting,
        scope=scope_of(project),
        changes={"status": [MeetingStatus.DRAFT, MeetingStatus.PUBLISHED]},
    )
    _send_minutes(
        project,
        meeting,
        actor=actor,
        key=f"registers:meeting:{meeting.pk}:published",
        corrected=False,
    )
    return meeting


# --- action items --------------------------------------------------------------------------------


@transaction.atomic
def action_item_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    owner_id: int,
    due_on: dt.date,
    note: str = "",
    reason: str = "",
) -> ActionItem:
    """Add an action item; on published minutes this is a correction and needs a reason."""
    project, meeting = _lock_meeting(meeting)
    _check_writable(actor, project)
    reason = _correction_reason(meeting, reason)
    if meeting.action_items.count() >= MAX_ACTION_ITEMS:
        raise ApplicationError(
            _("At most %(n)d action items per meeting.") % {"n": MAX_ACTION_ITEMS},
            "too_many_items",
        )
    data = _clean_item(
        project,
        meeting.held_on,
        {"title": title, "owner_id": owner_id, "due_on": due_on, "note": note},
    )
    return _create_item(actor=actor, project=project, meeting=meeting, data=data, reason=reason)


@transaction.atomic
def action_item_update(
    *, actor: User, item: ActionItem, reason: str = "", **fields: Any
) -> ActionItem:
    """Change an item's text, owner or due date; a new owner is told. On published minutes
    this is a correction and needs a reason."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project, item = _lock_item(item)
    _check_writable(actor, project)
    meeting = Meeting.objects.get(pk=item.meeting_id)
    reason = _correction_reason(meeting, reason)
    current = {"title": item.title, "owner_id": item.owner_id, "due_on": item.due_on}
    data = _clean_item(project, meeting.held_on, {**current, "note": item.note, **fields})
    before = _item_snapshot(item)
    previous_owner = item.owner_id
    for name, value in data.items():
        setattr(item, name, value)
    changes = diff(before, _item_snapshot(item))
    if not changes:
        return item
    item.save(update_fields=["title", "owner", "due_on", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="action_item.update",
        target=item,
        scope=scope_of(project),
        changes=changes,
        note=reason,
    )
    if item.owner_id != previous_owner and item.is_open:
        _tell_owner(item, actor=actor)
    return item


@transaction.atomic
def action_item_complete(*, actor: User, item: ActionItem, note: str = "") -> ActionItem:
    """The owner (or the PM) ticks the item off, optionally saying how."""
    project, item = _lock_item(item)
    _check_completable(actor, project, item)
    if not item.is_open:
        raise ApplicationError(_("This action item is already done."), "already_done", status=409)
    note = _text(note, _("Note"), limit=5000)
    before = _item_snapshot(item)
    item.status = ActionItemStatus.DONE
    item.done_at = timezone.now()
    item.done_by = actor
    if note:
        item.note = note
    item.save(update_fields=["status", "done_at", "done_by", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="action_item.complete",
        target=item,
        scope=scope_of(project),
        changes=diff(before, _item_snapshot(item)),
    )
    return item


@transaction.atomic
def action_item_reopen(*, actor: User, item: ActionItem, reason: str = "") -> ActionItem:
    project, item = _lock_item(item)
    _check_completable(actor, project, item)
    if item.is_open:
        raise ApplicationError(_("This action item is still open."), "not_done", status=409)
    reason = _text(reason, _("Reason"), limit=2000)
    item.status = ActionItemStatus.OPEN
    item.done_at = None
    item.done_by = None
    item.save(update_fields=["status", "done_at", "done_by", "updated_at"])
    audit_record(
        actor=actor,
        action="action_item.reopen",
        target=item,
        scope=scope_of(project),
        changes={"status": [ActionItemStatus.DONE, ActionItemStatus.OPEN]},
        note=reason,
    )
    return item


def _check_completable(actor: User, project: Project, item: ActionItem) -> None:
    if project.is_frozen:
        raise ApplicationError(
            _("The action items of a %(state)s project cannot be changed.")
            % {"state": project.get_status_display()},
            "project_frozen",
            status=409,
        )
    if not rules.can_complete_action_item(actor, item, project):
        raise PermissionDenied()
