"""Working calendar: statutory days, company days, counting conventions, deadlines, services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.workcalendar import CalendarCoverageError, WorkingCalendar, get_calendar

D = dt.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def prc() -> WorkingCalendar:
    return WorkingCalendar()


# --- statutory days --------------------------------------------------------------------------


def test_national_day_2025(prc):
    for day in range(1, 9):
        assert not prc.is_working_day(D(2025, 10, day)), day
    # Adjusted working days: a Sunday before and a Saturday after.
    assert prc.is_working_day(D(2025, 9, 28))
    assert prc.is_working_day(D(2025, 10, 11))
    # Ordinary weekend days around them stay off.
    assert not prc.is_working_day(D(2025, 9, 27))
    assert not prc.is_working_day(D(2025, 10, 12))
    assert prc.is_working_day(D(2025, 9, 30))
    assert prc.is_working_day(D(2025, 10, 9))


def test_spring_festival_2026(prc):
    for day in range(15, 24):
        assert not prc.is_working_day(D(2026, 2, day)), day
    assert prc.is_working_day(D(2026, 2, 14))  # Saturday, adjusted
    assert prc.is_working_day(D(2026, 2, 28))  # Saturday, adjusted
    assert prc.is_working_day(D(2026, 2, 24))


# --- adding and counting ---------------------------------------------------------------------


def test_add_working_days_across_national_day(prc):
    # Contract received on Friday 2025-09-26: Sunday 09-28 is working day 1.
    assert prc.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert prc.add_working_days(D(2025, 9, 26), 2) == D(2025, 9, 29)
    assert prc.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert prc.add_working_days(D(2025, 9, 30), 4) == D(2025, 10, 13)
    # Received during the holiday: the first working day after it is day 1.
    assert prc.add_working_days(D(2025, 10, 4), 1) == D(2025, 10, 9)
    assert prc.add_working_days(D(2025, 10, 4), 2) == D(2025, 10, 10)
    # Zero: the day itself if working, else the next working day.
    assert prc.add_working_days(D(2025, 10, 9), 0) == D(2025, 10, 9)
    assert prc.add_working_days(D(2025, 10, 4), 0) == D(2025, 10, 9)
    # Negative: working days strictly before.
    assert prc.add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert prc.add_working_days(D(2025, 10, 9), -4) == D(2025, 9, 26)
    assert prc.add_working_days(D(2025, 10, 4), -1) == D(2025, 9, 30)


def test_add_working_days_across_spring_festival_2026(prc):
    assert prc.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert prc.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert prc.add_working_days(D(2026, 2, 12), 3) == D(2026, 2, 24)
    assert prc.add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)


def test_add_working_days_across_new_year(prc):
    # 2026-01-01..03 off, Sunday 2026-01-04 an adjusted working day.
    assert prc.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert prc.add_working_days(D(2026, 1, 4), -1) == D(2025, 12, 31)
    assert prc.add_working_days(D(2025, 1, 2), -300) < D(2024, 1, 1)


def test_next_and_previous_working_day(prc):
    assert prc.next_working_day(D(2025, 9, 30)) == D(2025, 10, 9)
    assert prc.next_working_day(D(2025, 10, 9)) == D(2025, 10, 10)
    assert prc.previous_working_day(D(2025, 10, 9)) == D(2025, 9, 30)
    assert prc.previous_working_day(D(2025, 10, 12)) == D(2025, 10, 11)


def test_working_days_between(prc):
    assert prc.working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    # (09-26, 10-12]: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11.
    assert prc.working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 6
    assert prc.working_days_between(D(2025, 10, 12), D(2025, 9, 26)) == -6
    assert prc.working_days_between(D(2025, 10, 3), D(2025, 10, 3)) == 0
    assert prc.working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0
    # Done on a day off after a Friday deadline: not late in working days.
    assert prc.working_days_between(D(2025, 10, 10), D(2025, 10, 12)) == 1
    assert prc.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert prc.working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2
    # Whole years, straight from the package.
    for year in (2025, 2026):
        expected = len(chinese_calendar.get_workdays(D(year, 1, 1), D(year, 12, 31)))
        assert prc.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == expected


def test_working_days_in(prc):
    assert prc.working_days_in(D(2025, 9, 27), D(2025, 10, 11)) == [
        D(2025, 9, 28),
        D(2025, 9, 29),
        D(2025, 9, 30),
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
    ]


# --- deadlines -------------------------------------------------------------------------------


def test_end_of_day_and_noon_are_aware_in_the_calendar_zone(prc):
    end = prc.end_of_day(D(2025, 10, 10))
    assert end == dt.datetime(2025, 10, 10, 18, 0, tzinfo=SHANGHAI)
    assert end.utcoffset() == dt.timedelta(hours=8)
    assert prc.noon_of(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 4, 0, tzinfo=dt.UTC)
    assert prc.start_of_day(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 9, tzinfo=SHANGHAI)


def test_friday_end_of_day_rolls_back_when_friday_is_a_holiday(prc):
    # Friday 2025-10-03 is National Day: the last working day of that week is Tuesday 09-30.
    for day in (D(2025, 9, 29), D(2025, 10, 3), D(2025, 10, 5)):
        deadline = prc.weekday_deadline(day, 4, at="end", roll="backward")
        assert deadline == dt.datetime(2025, 9, 30, 18, 0, tzinfo=SHANGHAI)
    # An ordinary Friday stays put.
    assert prc.weekday_deadline(D(2025, 10, 14), 4) == dt.datetime(
        2025, 10, 17, 18, 0, tzinfo=SHANGHAI
    )


def test_friday_deadline_in_a_week_without_working_days_crosses_into_the_week_before(prc):
    # 2026-02-16..22 is all Spring Festival; Saturday 02-14 is the last working day before.
    deadline = prc.weekday_deadline(D(2026, 2, 18), 4, at="end", roll="backward")
    assert deadline == dt.datetime(2026, 2, 14, 18, 0, tzinfo=SHANGHAI)


def test_monday_noon_rolls_forward_when_monday_is_a_holiday(prc):
    deadline = prc.weekday_deadline(D(2025, 10, 8), 0, at="noon", roll="forward")
    assert deadline == dt.datetime(2025, 10, 9, 12, 0, tzinfo=SHANGHAI)
    deadline = prc.weekday_deadline(D(2026, 2, 20), 0, at="noon", roll="forward")
    assert deadline == dt.datetime(2026, 2, 24, 12, 0, tzinfo=SHANGHAI)
    deadline = prc.weekday_deadline(D(2025, 10, 15), 0, at="noon", roll="forward")
    assert deadline == dt.datetime(2025, 10, 13, 12, 0, tzinfo=SHANGHAI)


def test_weekday_deadline_rejects_bad_arguments(prc):
    with pytest.raises(ValueError):
        prc.weekday_deadline(D(2025, 10, 8), 7)
    with pytest.raises(ValueError):
        prc.weekday_deadline(D(2025, 10, 8), 4, at="morning")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        prc.weekday_deadline(D(2025, 10, 8), 4, roll="sideways")  # type: ignore[arg-type]


def test_working_time_and_zone_come_from_the_calendar():
    cal = WorkingCalendar(day_end=dt.time(17, 30), noon=dt.time(11, 45), time_zone="Asia/Urumqi")
    urumqi = zoneinfo.ZoneInfo("Asia/Urumqi")
    assert cal.end_of_day(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 17, 30, tzinfo=urumqi)
    assert cal.weekday_deadline(D(2025, 10, 6), 0, at="noon", roll="forward") == dt.datetime(
        2025, 10, 9, 11, 45, tzinfo=urumqi
    )


# --- company exceptions ----------------------------------------------------------------------


def test_company_exceptions_override_statutory_days_both_ways():
    cal = WorkingCalendar(
        exceptions={
            D(2025, 10, 9): False,  # company anniversary: a statutory working day off
            D(2025, 10, 4): True,  # go-live weekend: a statutory holiday worked
            D(2025, 9, 28): False,  # the adjusted Sunday given back
        }
    )
    assert not cal.is_working_day(D(2025, 10, 9))
    assert cal.is_working_day(D(2025, 10, 4))
    assert not cal.is_working_day(D(2025, 9, 28))
    assert cal.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 29)
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 4)
    assert cal.add_working_days(D(2025, 10, 4), 1) == D(2025, 10, 10)
    # (09-26, 10-12]: 09-29, 09-30, 10-04, 10-10, 10-11.
    assert cal.working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 5
    assert cal.weekday_deadline(D(2025, 10, 9), 3) == dt.datetime(
        2025, 10, 4, 18, 0, tzinfo=SHANGHAI
    )


# --- coverage --------------------------------------------------------------------------------


def test_2027_is_not_covered_without_a_published_year(prc):
    assert not prc.is_covered(2027)
    assert prc.is_covered(2026)
    with pytest.raises(CalendarCoverageError) as caught:
        prc.is_working_day(D(2027, 1, 4))
    assert isinstance(caught.value, ApplicationError)
    assert caught.value.code == "calendar_not_covered"
    assert caught.value.detail == {"year": 2027}
    assert "2027" in caught.value.message
    # Reaching into 2027 from 2026 is refused too, not guessed.
    with pytest.raises(CalendarCoverageError):
        prc.add_working_days(D(2026, 12, 31), 1)
    with pytest.raises(CalendarCoverageError):
        prc.working_days_between(D(2026, 12, 1), D(2027, 1, 10))
    with pytest.raises(CalendarCoverageError):
        prc.is_working_day(D(2003, 6, 2))


def test_publishing_2027_makes_it_work():
    cal = WorkingCalendar(
        exceptions={D(2027, 1, 1): False, D(2027, 2, 6): True},
        published_years=[2027],
    )
    assert cal.is_covered(2027)
    assert not cal.is_working_day(D(2027, 1, 1))  # Friday, published holiday
    assert not cal.is_working_day(D(2027, 1, 2))  # Saturday
    assert cal.is_working_day(D(2027, 1, 4))  # Monday
    assert cal.is_working_day(D(2027, 2, 6))  # Saturday, published adjusted working day
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2
    with pytest.raises(CalendarCoverageError):
        cal.is_working_day(D(2028, 1, 3))


def test_a_published_year_the_package_covers_still_uses_the_package():
    cal = WorkingCalendar(published_years=[2025])
    assert not cal.is_working_day(D(2025, 10, 1))
    assert cal.is_working_day(D(2025, 9, 28))


# --- properties ------------------------------------------------------------------------------


@given(
    d=st.dates(min_value=D(2020, 1, 1), max_value=D(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=300),
)
def test_counting_undoes_adding(prc, d, n):
    try:
        target = prc.add_working_days(d, n)
    except CalendarCoverageError as exc:
        # Only when the answer really lies beyond 2026.
        assert exc.year == 2027
        assert prc.working_days_between(d, D(2026, 12, 31)) < max(n, 1)
        return
    assert prc.is_working_day(target)
    assert target >= d
    if n > 0 or prc.is_working_day(d):
        assert prc.working_days_between(d, target) == n
    else:
        # n == 0 from a day off: the next working day, which is one working day after d.
        assert target == prc.next_working_day(d)
        assert prc.working_days_between(d, target) == 1
    if n > 0:
        assert prc.working_days_between(d, prc.previous_working_day(target)) == n - 1


@given(
    d=st.dates(min_value=D(2020, 1, 1), max_value=D(2025, 6, 30)),
    n=st.integers(min_value=-300, max_value=300),
)
def test_adding_matches_stepping_day_by_day_through_the_package(prc, d, n):
    expected = d
    if n == 0:
        while not chinese_calendar.is_workday(expected):
            expected += dt.timedelta(days=1)
    step = dt.timedelta(days=1 if n > 0 else -1)
    for _ in range(abs(n)):
        expected += step
        while not chinese_calendar.is_workday(expected):
            expected += step
    assert prc.add_working_days(d, n) == expected
    if prc.is_working_day(d):
        assert prc.working_days_between(d, expected) == n


# --- loading and changing calendars ----------------------------------------------------------


def _user(username: str, *roles: str):
    from epm.core.models import OrgRoleAssignment, User

    user = User.objects.create_user(username=username, password="x")
    for role in roles:
        OrgRoleAssignment.objects.create(user=user, role=role)
    return user


@pytest.mark.django_db
def test_get_calendar_without_a_row_is_the_statutory_calendar():
    cal = get_calendar()
    assert not cal.is_working_day(D(2025, 10, 3))
    assert cal.end_of_day(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 18, tzinfo=SHANGHAI)
    assert cal.noon_of(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 12, tzinfo=SHANGHAI)
    with pytest.raises(NotFound):
        get_calendar("no-such-calendar")


@pytest.mark.django_db
def test_get_calendar_loads_times_exceptions_and_published_years(settings):
    from epm.core.models.calendars import CalendarException, CalendarYear, CompanyCalendar

    # given
    settings.EPM_DEFAULT_CALENDAR = "hq"
    hq = CompanyCalendar.objects.create(code="hq", name="HQ", day_end=dt.time(17, 30))
    CalendarException.objects.create(calendar=hq, date=D(2025, 10, 9), is_working=False)
    CalendarException.objects.create(calendar=hq, date=D(2027, 1, 1), is_working=False)
    CalendarYear.objects.create(calendar=hq, year=2027)
    # when
    cal = get_calendar()
    # then
    assert cal.code == "hq"
    assert not cal.is_working_day(D(2025, 10, 9))
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.end_of_day(D(2025, 10, 10)) == dt.datetime(2025, 10, 10, 17, 30, tzinfo=SHANGHAI)
    assert get_calendar("hq").code == "hq"


@pytest.mark.django_db
def test_calendar_exception_set_and_remove_are_audited():
    from epm.core.calendar_services import calendar_exception_remove, calendar_exception_set
    from epm.core.models import AuditEvent
    from epm.core.models.calendars import CompanyCalendar

    # given
    pmo = _user("pmo", "pmo_admin")
    hq = CompanyCalendar.objects.get(code="default")  # created by migration core 0002
    # when
    calendar_exception_set(
        actor=pmo, calendar=hq, date=D(2025, 10, 9), is_working=False, note="Anniversary"
    )
    # then
    assert not get_calendar().is_working_day(D(2025, 10, 9))
    event = AuditEvent.objects.get(action="calendar.exception_set")
    assert event.actor == pmo
    assert event.scope == f"core.companycalendar:{hq.pk}"
    assert event.changes["is_working"] == [None, False]

    # setting the same again records nothing; flipping it does
    calendar_exception_set(
        actor=pmo, calendar=hq, date=D(2025, 10, 9), is_working=False, note="Anniversary"
    )
    assert AuditEvent.objects.filter(action="calendar.exception_set").count() == 1
    calendar_exception_set(actor=pmo, calendar=hq, date=D(2025, 10, 9), is_working=True)
    assert get_calendar().is_working_day(D(2025, 10, 9))
    assert hq.exceptions.count() == 1

    calendar_exception_remove(actor=pmo, calendar=hq, date=D(2025, 10, 9))
    assert not hq.exceptions.exists()
    assert AuditEvent.objects.filter(action="calendar.exception_remove").count() == 1
    with pytest.raises(NotFound) as caught:
        calendar_exception_remove(actor=pmo, calendar=hq, date=D(2025, 10, 9))
    assert caught.value.code == "calendar_exception_not_found"


@pytest.mark.django_db
def test_only_the_pmo_admin_and_system_admin_change_calendars():
    from epm.core.calendar_services import calendar_exception_set, calendar_year_publish
    from epm.core.models import AuditEvent
    from epm.core.models.calendars import CompanyCalendar

    hq = CompanyCalendar.objects.get(code="default")  # created by migration core 0002
    for stranger in (_user("pm"), _user("staff", "pmo_staff")):
        with pytest.raises(PermissionDenied):
            calendar_exception_set(
                actor=stranger, calendar=hq, date=D(2025, 10, 9), is_working=False
            )
        with pytest.raises(PermissionDenied):
            calendar_year_publish(actor=stranger, calendar=hq, year=2027)
    assert not hq.exceptions.exists()
    assert not AuditEvent.objects.exists()

    admin = _user("admin", "system_admin")
    calendar_exception_set(actor=admin, calendar=hq, date=D(2025, 10, 9), is_working=False)
    assert hq.exceptions.count() == 1


@pytest.mark.django_db
def test_publishing_a_year_through_the_service():
    from epm.core.calendar_services import (
        calendar_exception_set,
        calendar_year_publish,
        calendar_year_unpublish,
    )
    from epm.core.models.calendars import CompanyCalendar

    pmo = _user("pmo", "pmo_admin")
    hq = CompanyCalendar.objects.get(code="default")  # created by migration core 0002
    calendar_exception_set(actor=pmo, calendar=hq, date=D(2027, 1, 1), is_working=False)
    with pytest.raises(CalendarCoverageError):
        get_calendar().is_working_day(D(2027, 1, 4))

    calendar_year_publish(actor=pmo, calendar=hq, year=2027, note="State Council notice")
    cal = get_calendar()
    assert not cal.is_working_day(D(2027, 1, 1))
    assert cal.next_working_day(D(2026, 12, 31)) == D(2027, 1, 4)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_publish(actor=pmo, calendar=hq, year=2027)
    assert caught.value.code == "calendar_year_published"
    with pytest.raises(ApplicationError) as caught:
        calendar_year_publish(actor=pmo, calendar=hq, year=27)
    assert caught.value.code == "invalid_year"

    calendar_year_unpublish(actor=pmo, calendar=hq, year=2027)
    with pytest.raises(CalendarCoverageError):
        get_calendar().is_working_day(D(2027, 1, 4))


@pytest.mark.django_db
def test_calendar_exception_set_refuses_bad_input_and_changes_nothing():
    from epm.core.calendar_services import calendar_exception_set
    from epm.core.models.calendars import CompanyCalendar

    pmo = _user("pmo", "pmo_admin")
    hq = CompanyCalendar.objects.get(code="default")  # created by migration core 0002
    with pytest.raises(ApplicationError) as caught:
        calendar_exception_set(
            actor=pmo, calendar=hq, date=D(2025, 10, 9), is_working=False, note="x" * 201
        )
    assert caught.value.code == "note_too_long"
    with pytest.raises(ApplicationError) as caught:
        calendar_exception_set(
            actor=pmo,
            calendar=hq,
            date=dt.datetime(2025, 10, 9, tzinfo=dt.UTC),
            is_working=False,
        )
    assert caught.value.code == "invalid_date"
    assert not hq.exceptions.exists()
