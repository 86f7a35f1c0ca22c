"""Read queries about people and the organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .calendar_services import PUBLISHABLE_YEARS
from .errors import ApplicationError, NotFound
from .models import CompanyCalendar, Department, User
from .workcalendar import WorkingCalendar, get_calendar


def user_list(
    *, text: str = "", department: Department | None = None, active: bool | None = True
) -> QuerySet[User]:
    qs = User.objects.select_related("department").prefetch_related("role_assignments")
    if active is not None:
        qs = qs.filter(is_active=active)
    if department is not None:
        qs = qs.filter(department=department)
    if text:
        qs = qs.filter(
            Q(username__icontains=text)
            | Q(display_name__icontains=text)
            | Q(employee_no__icontains=text)
            | Q(email__icontains=text)
        )
    return qs.order_by("department__sort_order", "employee_no", "username")


def access_user(viewer: User, user_id: int) -> User:
    """Colleagues are visible to every signed-in employee (it is the company directory)."""
    user = user_list(active=None).filter(pk=user_id).first()
    if user is None or not viewer.is_authenticated:
        raise NotFound()
    return user


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("head", "parent")


def access_department(viewer: User, department_id: int) -> Department:
    department = department_list().filter(pk=department_id).first()
    if department is None or not viewer.is_authenticated:
        raise NotFound()
    return department


def department_tree() -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children, siblings in order."""
    departments = list(department_list())
    children: dict[int | None, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for d in children.get(parent_id, []):
            out.append((d, depth))
            walk(d.pk, depth + 1)

    walk(None, 0)
    return out


def department_descendant_ids(department: Department) -> set[int]:
    """The department and everything below it."""
    pairs = list(Department.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in pairs:
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [department.pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def department_head(department: Department, *, levels_up: int = 0) -> User:
    """The head of `department` (levels_up=0), of its parent (1), and so on.

    Approval chains resolve "department head N levels up" through this; a missing level or an
    empty head is an error that names the department, never a silent None.
    """
    if levels_up < 0:
        raise ApplicationError(_("Levels up cannot be negative."), "invalid_level")
    lineage = department.lineage()
    if levels_up >= len(lineage):
        raise ApplicationError(
            _("%(dept)s has no department %(n)d levels up.") % {"dept": department, "n": levels_up},
            "no_such_department_level",
        )
    # Read the head afresh: an approval resolves it now, not when the department was loaded.
    target = Department.objects.select_related("head").get(pk=lineage[levels_up].pk)
    head = target.head
    if head is None or not head.is_active:
        raise ApplicationError(
            _("%(dept)s has no active department head.") % {"dept": target}, "no_department_head"
        )
    return head


def head_of_user(user: User, *, levels_up: int = 0) -> User:
    """The head of the user's department, N levels up."""
    if user.department is None:
        raise ApplicationError(
            _("%(user)s belongs to no department.") % {"user": user}, "no_department"
        )
    return department_head(user.department, levels_up=levels_up)


# --- working calendars -----------------------------------------------------------------------

# `chinesecalendar` names holidays in English; these msgids let the catalogue translate them.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("New Year's Day"),
    "Spring Festival": gettext_lazy("Spring Festival"),
    "Tomb-sweeping Day": gettext_lazy("Tomb-sweeping Day"),
    "Labour Day": gettext_lazy("Labour Day"),
    "Dragon Boat Festival": gettext_lazy("Dragon Boat Festival"),
    "National Day": gettext_lazy("National Day"),
    "Mid-autumn Festival": gettext_lazy("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": gettext_lazy("Anti-Fascist 70th Day"),
}


@dataclass(frozen=True, slots=True)
class CalendarDay:
    date: dt.date
    is_working: bool
    # Why the day is (not) worked:
    #   statutory: the ordinary week (Monday–Friday work, weekends off);
    #   holiday:   a statutory public holiday (weekend days inside the holiday included);
    #   adjusted:  a weekend day worked in exchange for a holiday (调休上班);
    #   company:   one of the company's own exceptions, whatever the statute says.
    why: str
    name: str  # the holiday's name, or the company exception's note


def company_calendar(code: str | None = None) -> CompanyCalendar | None:
    """The calendar row `get_calendar(code)` reads; None while the default one has no row."""
    from django.conf import settings

    code = code or getattr(settings, "EPM_DEFAULT_CALENDAR", "default") or "default"
    return CompanyCalendar.objects.filter(code=code).first()


def access_company_calendar(viewer: User, code: str | None = None) -> CompanyCalendar:
    calendar = company_calendar(code)
    if calendar is None or not viewer.is_authenticated:
        raise NotFound(_("There is no working calendar to change."), "calendar_not_found")
    return calendar


def calendar_package_covers(year: int) -> bool:
    """Whether `chinesecalendar` has `year`; other years need the PMO to publish them."""
    return WorkingCalendar().is_covered(year)


def _check_calendar_year(year: int) -> None:
    if year not in PUBLISHABLE_YEARS:
        raise ApplicationError(_("Please give a year between 2000 and 2100."), "invalid_year")


def _check_calendar_date(day: dt.date) -> None:
    if day.year not in PUBLISHABLE_YEARS:
        raise ApplicationError(
            _("Please give a date between the years 2000 and 2100."), "invalid_date"
        )


def calendar_days(year: int, *, code: str | None = None) -> list[CalendarDay]:
    """Every day of `year`, and why it is or is not a working day.

    A year neither `chinesecalendar` nor the PMO has published raises `CalendarCoverageError`.
    """
    _check_calendar_year(year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    working = set(get_calendar(code).working_days_in(first, last))
    calendar = company_calendar(code)
    notes = (
        dict(calendar.exceptions.filter(date__year=year).values_list("date", "note"))
        if calendar
        else {}
    )
    days = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        is_working = day in working
        if day in notes:
            why, name = "company", notes[day]
        else:
            try:
                _is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:  # a year the PMO published ahead of the package
                holiday = None
            if holiday is None:
                why, name = "statutory", ""
            else:
                why = "adjusted" if is_working else "holiday"
                name = str(HOLIDAY_NAMES.get(holiday, holiday))
        days.append(CalendarDay(date=day, is_working=is_working, why=why, name=name))
    return days


def working_days_add(start: dt.date, days: int, *, code: str | None = None) -> dt.date:
    """The `days`-th working day after `start` (see `WorkingCalendar.add_working_days`)."""
    _check_calendar_date(start)
    return get_calendar(code).add_working_days(start, days)


def working_days_count(start: dt.date, end: dt.date, *, code: str | None = None) -> int:
    """Working days in (start, end] (see `WorkingCalendar.working_days_between`)."""
    _check_calendar_date(start)
    _check_calendar_date(end)
    return get_calendar(code).working_days_between(start, end)
