"""MSPDI's codes and units, the plain data a file is read into, and the problems reading finds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NAMESPACE = "http://schemas.microsoft.com/project"
DEFAULT_MINUTES_PER_DAY = 480
SAVE_VERSION = 14  # MS Project 2010
# Custom task field used for a milestone's work products (MS Project's Task "Text1").
TEXT1_FIELD_ID = "188743731"
WORK_PRODUCTS_ALIASES = ("work products", "交付物", "工作产品", "交付成果", "可交付成果")
MAX_TASKS = 20_000

LINK_TYPES = {0: "FF", 1: "FS", 2: "SF", 3: "SS"}
LINK_CODES = {kind: code for code, kind in LINK_TYPES.items()}
CONSTRAINTS = {0: "asap", 2: "mso", 4: "snet", 7: "fnlt"}
CONSTRAINT_CODES = {kind: code for code, kind in CONSTRAINTS.items()}
CONSTRAINT_NAMES = {
    1: "As Late As Possible",
    3: "Must Finish On",
    5: "Start No Later Than",
    6: "Finish No Earlier Than",
}
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 20, 36, 38, 40, 42, 44, 52})
PERCENT_FORMATS = frozenset({19, 20, 51, 52})
# Resource types: 0 = material, 1 = work, 2 = cost (only work is measured in hours).
WORK_RESOURCE = 1
UNASSIGNED_RESOURCE = -65535
# Exception types: 1 = daily (a plain range of days when its period is 1).
DAILY_EXCEPTION = 1

DURATION_PATTERN = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def gettext_noop(message: str) -> str:
    """Marks a message for translation (collected by makemessages); translated by callers."""
    return message


# --- Problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something about the file worth telling: an error (it cannot be imported) or a warning."""

    code: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template


class MspdiError(ValueError):
    """The file cannot be read as a schedule; `problem` says why."""

    def __init__(self, code: str, template: str, **params: Any):
        self.problem = Problem(code, template, params)
        super().__init__(str(self.problem))

    @property
    def code(self) -> str:
        return self.problem.code


# --- The data model -------------------------------------------------------------------------


@dataclass
class Link:
    predecessor_uid: int
    kind: str = "FS"  # FS, SS, FF, SF
    lag_days: int = 0  # working days; negative is a lead


@dataclass
class Task:
    uid: int
    name: str
    outline_level: int = 1
    id: int | None = None
    outline_number: str = ""
    wbs: str = ""
    duration_days: int = 0
    milestone: bool = False
    summary: bool = False
    constraint: str = "asap"  # asap, snet, fnlt, mso
    constraint_date: dt.date | None = None
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    percent_complete: int = 0
    notes: str = ""
    work_products: list[str] = field(default_factory=list)
    predecessors: list[Link] = field(default_factory=list)
    # Informational: the dates MS Project computed (a reader computes its own).
    start: dt.datetime | None = None
    finish: dt.datetime | None = None


@dataclass
class CalendarException:
    start: dt.date
    finish: dt.date  # inclusive
    working: bool
    name: str = ""


@dataclass
class Calendar:
    uid: int
    name: str = ""
    base_uid: int | None = None
    # Python weekday (0 = Monday) → working, for the days the calendar itself defines.
    weekdays: dict[int, bool] = field(default_factory=dict)
    exceptions: list[CalendarException] = field(default_factory=list)


@dataclass
class Resource:
    uid: int
    name: str


@dataclass
class Assignment:
    task_uid: int
    resource_uid: int
    hours: Decimal  # planned work


@dataclass
class ProjectFile:
    name: str = ""
    title: str = ""
    start_date: dt.datetime | None = None
    finish_date: dt.datetime | None = None
    status_date: dt.datetime | None = None
    minutes_per_day: int = DEFAULT_MINUTES_PER_DAY
    calendar_uid: int | None = None
    calendars: list[Calendar] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)  # in outline order
    resources: list[Resource] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def calendar(self, uid: int | None = None) -> Calendar | None:
        """The calendar `uid` (default: the project calendar)."""
        uid = self.calendar_uid if uid is None else uid
        return next((c for c in self.calendars if c.uid == uid), None)

    def is_working_day(self, day: dt.date, calendar: Calendar | None = None) -> bool:
        """Whether the project calendar (or `calendar`) works on `day`: its exceptions, then
        its work week, then its base calendar's; Monday to Friday when nothing says."""
        seen: set[int] = set()
        current = calendar or self.calendar()
        while current is not None and current.uid not in seen:
            seen.add(current.uid)
            for exception in current.exceptions:
                if exception.start <= day <= exception.finish:
                    return exception.working
            if day.weekday() in current.weekdays:
                return current.weekdays[day.weekday()]
            current = self.calendar(current.base_uid) if current.base_uid is not None else None
        return day.weekday() < 5

    def work_week(self) -> dict[int, bool]:
        """The project calendar's working weekdays (0 = Monday), base calendars included."""
        week = {d: d < 5 for d in range(7)}
        chain: list[Calendar] = []
        current = self.calendar()
        while current is not None and current not in chain:
            chain.append(current)
            current = self.calendar(current.base_uid) if current.base_uid is not None else None
        for calendar in reversed(chain):
            week.update(calendar.weekdays)
        return week
