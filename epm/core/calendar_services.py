"""Changing company working calendars: exception days and years published ahead of the package.

Only the PMO admin and system administrators keep calendars (`rules.can_manage_org`). Every
change locks the calendar row, so two admins editing the same calendar take turns.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_record, diff, scope_of
from .errors import ApplicationError, NotFound
from .models import User
from .models.calendars import CalendarException, CalendarYear, CompanyCalendar
from .rules import require_org_admin

NOTE_MAX_LENGTH = 200
# Years a published calendar may be for: the package starts at 2004; further out is a typo.
PUBLISHABLE_YEARS = range(2000, 2101)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("The note may have at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH},
            "note_too_long",
        )
    return note


def _lock(calendar: CompanyCalendar) -> CompanyCalendar:
    try:
        return CompanyCalendar.objects.select_for_update().get(pk=calendar.pk)
    except CompanyCalendar.DoesNotExist as exc:
        raise NotFound() from exc


@transaction.atomic
def calendar_exception_set(
    *,
    actor: User,
    calendar: CompanyCalendar,
    date: dt.date,
    is_working: bool,
    note: str = "",
) -> CalendarException:
    """Make `date` a working day or a day off in `calendar`, whatever the statutory calendar says.

    Setting the same values again changes nothing and records nothing.
    """
    require_org_admin(actor)
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise ApplicationError(_("A valid date is required."), "invalid_date")
    note = _clean_note(note)
    calendar = _lock(calendar)
    exception = CalendarException.objects.filter(calendar=calendar, date=date).first()
    if exception is None:
        before: dict[str, bool | str | None] = {"is_working": None, "note": None}
        exception = CalendarException.objects.create(
            calendar=calendar, date=date, is_working=bool(is_working), note=note
        )
    else:
        before = {"is_working": exception.is_working, "note": exception.note}
        if before == {"is_working": bool(is_working), "note": note}:
            return exception
        exception.is_working = bool(is_working)
        exception.note = note
        exception.save(update_fields=["is_working", "note"])
    audit_record(
        actor=actor,
        action="calendar.exception_set",
        target=exception,
        scope=scope_of(calendar),
        changes=diff(before, {"is_working": exception.is_working, "note": exception.note}),
    )
    return exception


@transaction.atomic
def calendar_exception_remove(*, actor: User, calendar: CompanyCalendar, date: dt.date) -> None:
    """Let the statutory calendar decide `date` again."""
    require_org_admin(actor)
    calendar = _lock(calendar)
    exception = CalendarException.objects.filter(calendar=calendar, date=date).first()
    if exception is None:
        raise NotFound(
            _("%(calendar)s has no exception on %(date)s.")
            % {"calendar": calendar, "date": date.isoformat()},
            "calendar_exception_not_found",
        )
    audit_record(
        actor=actor,
        action="calendar.exception_remove",
        target=exception,
        scope=scope_of(calendar),
        changes={"is_working": [exception.is_working, None], "note": [exception.note, None]},
    )
    exception.delete()


@transaction.atomic
def calendar_year_publish(
    *, actor: User, calendar: CompanyCalendar, year: int, note: str = ""
) -> CalendarYear:
    """Declare that `calendar`'s exceptions now hold all of `year`'s holidays and adjusted days.

    Needed only for years `chinesecalendar` does not cover yet; until then such dates raise
    `CalendarCoverageError`. Enter the exceptions first, then publish.
    """
    require_org_admin(actor)
    if not isinstance(year, int) or year not in PUBLISHABLE_YEARS:
        raise ApplicationError(_("Please give a year between 2000 and 2100."), "invalid_year")
    note = _clean_note(note)
    calendar = _lock(calendar)
    if CalendarYear.objects.filter(calendar=calendar, year=year).exists():
        raise ApplicationError(
            _("%(year)d is already published for %(calendar)s.")
            % {"year": year, "calendar": calendar},
            "calendar_year_published",
        )
    published = CalendarYear.objects.create(calendar=calendar, year=year, note=note)
    audit_record(
        actor=actor,
        action="calendar.year_publish",
        target=published,
        scope=scope_of(calendar),
        changes={"year": [None, year]},
        note=note,
    )
    return published


@transaction.atomic
def calendar_year_unpublish(*, actor: User, calendar: CompanyCalendar, year: int) -> None:
    """Withdraw a published year (its exceptions stay)."""
    require_org_admin(actor)
    calendar = _lock(calendar)
    published = CalendarYear.objects.filter(calendar=calendar, year=year).first()
    if published is None:
        raise NotFound(
            _("%(year)s is not published for %(calendar)s.") % {"year": year, "calendar": calendar},
            "calendar_year_not_found",
        )
    audit_record(
        actor=actor,
        action="calendar.year_unpublish",
        target=published,
        scope=scope_of(calendar),
        changes={"year": [year, None]},
    )
    published.delete()
