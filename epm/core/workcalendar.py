"""Working days and deadlines: the PRC statutory calendar with a company's own days on top.

`WorkingCalendar` is built from plain data and never touches the database; `get_calendar()`
loads one from a `CompanyCalendar`. Conventions (shared by every method):

- A day's status: a company exception wins; otherwise `chinesecalendar` decides (weekends,
  holidays and adjusted working days); for a year the package does not cover yet but the PMO
  has published, Monday–Friday work and the exceptions carry the holidays. Any other year
  raises `CalendarCoverageError`: never a guess.
- Counting never includes the starting day (as in PRC law, "开始的当日不计入"):
  `add_working_days(d, n)` for n >= 1 is the n-th working day strictly after d, whether or not
  d is itself a working day. "Within 2 working days of receiving the contract" on Friday
  2025-09-26 is Monday 2025-09-29 (Sunday 09-28 was an adjusted working day); received on
  Saturday 2025-10-04 (a holiday) it is Friday 2025-10-10: the first working day after receipt
  is day 1.
- `add_working_days(d, 0)` is d if it is a working day, else the next one (a deadline never
  falls on a day off). For n <= -1 it is the |n|-th working day strictly before d.
- `working_days_between(a, b)` counts the working days in the half-open range (a, b]: after a,
  up to and including b; it is -working_days_between(b, a) when b < a. So for every d and
  every n >= 1, `working_days_between(d, add_working_days(d, n)) == n`, and for a working day
  d that holds for every n; the count of days late is `working_days_between(due, done)`.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import chinese_calendar
from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ApplicationError

DEFAULT_DAY_START = dt.time(9, 0)
DEFAULT_NOON = dt.time(12, 0)
DEFAULT_DAY_END = dt.time(18, 0)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class CalendarCoverageError(ApplicationError):
    """A date falls in a year that neither `chinesecalendar` nor the PMO has published."""

    def __init__(self, year: int):
        super().__init__(
            _(
                "The working calendar for %(year)s is not available yet. "
                "The PMO needs to publish that year's holidays and adjusted working days."
            )
            % {"year": year},
            "calendar_not_covered",
            detail={"year": year},
        )
        self.year = year


@dataclass(frozen=True, slots=True)
class _Year:
    first: int  # ordinal of 1 January
    working: list[int]  # ordinals of the working days, ascending
    flags: bytes  # flags[ordinal - first] == 1 on a working day


class WorkingCalendar:
    """Working days of one company calendar. Cheap to query; build one per request or job."""

    def __init__(
        self,
        *,
        exceptions: Mapping[dt.date, bool] | None = None,
        published_years: Iterable[int] = (),
        day_start: dt.time = DEFAULT_DAY_START,
        noon: dt.time = DEFAULT_NOON,
        day_end: dt.time = DEFAULT_DAY_END,
        time_zone: str = DEFAULT_TIME_ZONE,
        code: str = "",
    ):
        self.code = code
        self.day_start = day_start
        self.noon = noon
        self.day_end = day_end
        self.tz = zoneinfo.ZoneInfo(time_zone)
        self.published_years = frozenset(published_years)
        self._exceptions: dict[int, dict[dt.date, bool]] = {}
        for day, is_working in (exceptions or {}).items():
            self._exceptions.setdefault(day.year, {})[day] = bool(is_working)
        self._years: dict[int, _Year] = {}

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.code or '(statutory)'}>"

    # --- coverage and per-year data ------------------------------------------------------

    @staticmethod
    def _statutory_workdays(year: int) -> list[dt.date] | None:
        try:
            return chinese_calendar.get_workdays(dt.date(year, 1, 1), dt.date(year, 12, 31))
        except NotImplementedError:
            return None

    def is_covered(self, year: int) -> bool:
        """Whether dates of `year` can be answered (package data or a published year)."""
        if year in self._years or year in self.published_years:
            return True
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is None:
            data = self._years[year] = self._build_year(year)
        return data

    def _build_year(self, year: int) -> _Year:
        first = dt.date(year, 1, 1)
        days = 366 if calendar.isleap(year) else 365  # (9999 has no next year to count to)
        statutory = self._statutory_workdays(year)
        if statutory is not None:
            flags = bytearray(days)
            for day in statutory:
                flags[(day - first).days] = 1
        elif year in self.published_years:
            # Published ahead of the package: a plain Monday–Friday year; the exceptions
            # carry that year's holidays and adjusted working days.
            flags = bytearray(
                1 if (first + dt.timedelta(days=i)).weekday() < 5 else 0 for i in range(days)
            )
        else:
            raise CalendarCoverageError(year)
        for day, is_working in self._exceptions.get(year, {}).items():
            flags[(day - first).days] = 1 if is_working else 0
        base = first.toordinal()
        working = [base + i for i, flag in enumerate(flags) if flag]
        return _Year(first=base, working=working, flags=bytes(flags))

    # --- days ----------------------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        data = self._year(d.year)
        return data.flags[d.toordinal() - data.first] == 1

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d (n >= 1), before d (n <= -1); see the module docstring.

        n == 0 gives d when it is a working day, else the next working day.
        """
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        ordinal = d.toordinal()
        year = d.year
        data = self._year(year)
        if n > 0:
            # Index into data.working of the n-th working day after d, possibly past the year.
            index = bisect.bisect_right(data.working, ordinal) + n - 1
            while index >= len(data.working):
                index -= len(data.working)
                year += 1
                data = self._year(year)
        else:
            index = bisect.bisect_left(data.working, ordinal) + n
            while index < 0:
                year -= 1
                data = self._year(year)
                index += len(data.working)
        return dt.date.fromordinal(data.working[index])

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after d."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: dt.date) -> dt.date:
        """The last working day strictly before d."""
        return self.add_working_days(d, -1)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (-count of (b, a]) when b < a; 0 when a == b."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        for year in range(a.year, b.year + 1):
            working = self._year(year).working
            low = bisect.bisect_right(working, a.toordinal()) if year == a.year else 0
            high = bisect.bisect_right(working, b.toordinal()) if year == b.year else len(working)
            count += high - low
        return count

    def working_days_in(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The working days of the closed range [start, end], ascending."""
        days: list[dt.date] = []
        for year in range(start.year, end.year + 1):
            working = self._year(year).working
            low = bisect.bisect_left(working, start.toordinal())
            high = bisect.bisect_right(working, end.toordinal())
            days.extend(dt.date.fromordinal(o) for o in working[low:high])
        return days

    # --- deadlines -----------------------------------------------------------------------

    def datetime_at(self, d: dt.date, time: dt.time) -> dt.datetime:
        """d at a wall-clock time of this calendar's time zone, as an aware datetime."""
        return dt.datetime.combine(d, time, tzinfo=self.tz)

    def start_of_day(self, d: dt.date) -> dt.datetime:
        return self.datetime_at(d, self.day_start)

    def noon_of(self, d: dt.date) -> dt.datetime:
        return self.datetime_at(d, self.noon)

    def end_of_day(self, d: dt.date) -> dt.datetime:
        return self.datetime_at(d, self.day_end)

    def weekday_deadline(
        self,
        week_containing: dt.date,
        weekday: int,
        at: Literal["end", "noon"] = "end",
        roll: Literal["backward", "forward"] = "backward",
    ) -> dt.datetime:
        """A weekly deadline such as "Friday end of day" or "Monday noon".

        The day is `weekday` (0 = Monday … 6 = Sunday) of the Monday-to-Sunday week holding
        `week_containing`. If it is not a working day, `roll="backward"` moves to the last
        working day before it (Friday 2025-10-03 → Tuesday 2025-09-30) and `roll="forward"`
        to the first working day after it (Monday 2025-10-06 → Thursday 2025-10-09). When no
        working day is left in that week in the roll direction, the roll crosses into the
        neighbouring week rather than dropping the deadline.
        """
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {weekday!r}")
        if at not in ("end", "noon"):
            raise ValueError(f"at must be 'end' or 'noon', not {at!r}")
        if roll not in ("backward", "forward"):
            raise ValueError(f"roll must be 'backward' or 'forward', not {roll!r}")
        day = week_containing + dt.timedelta(days=weekday - week_containing.weekday())
        if not self.is_working_day(day):
            day = (
                self.previous_working_day(day) if roll == "backward" else self.next_working_day(day)
            )
        return self.end_of_day(day) if at == "end" else self.noon_of(day)


def get_calendar(code: str | None = None) -> WorkingCalendar:
    """The working calendar `code` (default: settings.EPM_DEFAULT_CALENDAR) with its days.

    When the default calendar has no row yet, this is the plain statutory calendar
    (09:00 / 12:00 / 18:00, Asia/Shanghai). A code that was asked for by name and does not
    exist raises `NotFound`.
    """
    from django.conf import settings

    from .errors import NotFound
    from .models.calendars import CalendarException, CalendarYear, CompanyCalendar

    default_code = getattr(settings, "EPM_DEFAULT_CALENDAR", "default") or "default"
    code = code or default_code
    calendar = CompanyCalendar.objects.filter(code=code).first()
    if calendar is None:
        if code != default_code:
            raise NotFound(
                _("There is no working calendar %(code)s.") % {"code": code},
                "calendar_not_found",
            )
        return WorkingCalendar(code=code)
    return WorkingCalendar(
        exceptions=dict(
            CalendarException.objects.filter(calendar=calendar).values_list("date", "is_working")
        ),
        published_years=CalendarYear.objects.filter(calendar=calendar).values_list(
            "year", flat=True
        ),
        day_start=calendar.day_start,
        noon=calendar.noon,
        day_end=calendar.day_end,
        time_zone=calendar.time_zone,
        code=calendar.code,
    )


def company_time_zone() -> zoneinfo.ZoneInfo:
    """The company's time zone (settings.TIME_ZONE): what "today" means for numbers and rules,
    whatever time zone the person acting has chosen for their own display."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)
