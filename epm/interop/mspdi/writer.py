"""Writing `ProjectFile` as an MSPDI document, in the element order of the schema."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

from .model import (
    CONSTRAINT_CODES,
    DAILY_EXCEPTION,
    LINK_CODES,
    NAMESPACE,
    SAVE_VERSION,
    TEXT1_FIELD_ID,
    WORK_RESOURCE,
    Calendar,
    ProjectFile,
)

# --- Writing ------------------------------------------------------------------------------------

DAY_START = dt.time(8, 0)
DAY_END = dt.time(17, 0)
WORKING_TIMES = ((dt.time(8, 0), dt.time(12, 0)), (dt.time(13, 0), dt.time(17, 0)))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def open(self, tag: str) -> None:
        self.lines.append(f"{'  ' * self.depth}<{tag}>")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{tag}>")

    def value(self, tag: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif isinstance(value, dt.datetime):
            text = value.strftime("%Y-%m-%dT%H:%M:%S")
        elif isinstance(value, dt.time):
            text = value.strftime("%H:%M:%S")
        else:
            text = escape(_xml_text(str(value)))
        self.lines.append(f"{'  ' * self.depth}<{tag}>{text}</{tag}>")


def _xml_text(text: str) -> str:
    """Without the characters XML 1.0 cannot carry."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


def duration_text(minutes: int) -> str:
    return f"PT{minutes // 60}H{minutes % 60}M0S"


def work_text(hours: Decimal) -> str:
    minutes = int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))
    return duration_text(minutes)


def write(project: ProjectFile) -> bytes:
    """The project as an MSPDI document (UTF-8) that MS Project 2010 and later open.

    Tasks are written in outline order with fixed durations (task type "fixed duration") and
    automatic scheduling, so MS Project keeps their durations and recomputes their dates from
    the links and constraints; the first calendar of `project.calendars` is the project's.
    """
    per_day = project.minutes_per_day
    w = _Writer()
    w.lines.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    w.lines.append(f'<Project xmlns="{NAMESPACE}">')
    w.depth = 1
    w.value("SaveVersion", SAVE_VERSION)
    w.value("Name", project.name[:255] if project.name else None)
    w.value("Title", project.title[:512] if project.title else None)
    w.value("ScheduleFromStart", True)
    w.value("StartDate", project.start_date)
    w.value("FinishDate", project.finish_date)
    w.value("CurrencyCode", "CNY")
    calendar_uid = project.calendars[0].uid if project.calendars else None
    w.value("CalendarUID", calendar_uid)
    w.value("DefaultStartTime", DAY_START)
    w.value("DefaultFinishTime", DAY_END)
    w.value("MinutesPerDay", per_day)
    w.value("MinutesPerWeek", per_day * 5)
    w.value("DaysPerMonth", 20)
    w.value("DefaultTaskType", 1)
    w.value("DurationFormat", 7)
    w.value("WorkFormat", 2)
    w.value("HonorConstraints", True)
    w.value("StatusDate", project.status_date)
    w.value("NewTasksAreManual", False)
    if any(task.work_products for task in project.tasks):
        w.open("ExtendedAttributes")
        w.open("ExtendedAttribute")
        w.value("FieldID", TEXT1_FIELD_ID)
        w.value("FieldName", "Text1")
        w.value("Alias", "Work products")
        w.close("ExtendedAttribute")
        w.close("ExtendedAttributes")
    if project.calendars:
        w.open("Calendars")
        for calendar in project.calendars:
            _write_calendar(w, calendar)
        w.close("Calendars")
    _write_tasks(w, project)
    _write_resources(w, project)
    _write_assignments(w, project)
    w.lines.append("</Project>")
    return ("\n".join(w.lines) + "\n").encode("utf-8")


def _write_working_times(w: _Writer) -> None:
    w.open("WorkingTimes")
    for start, finish in WORKING_TIMES:
        w.open("WorkingTime")
        w.value("FromTime", start)
        w.value("ToTime", finish)
        w.close("WorkingTime")
    w.close("WorkingTimes")


def _write_calendar(w: _Writer, calendar: Calendar) -> None:
    w.open("Calendar")
    w.value("UID", calendar.uid)
    w.value("Name", calendar.name[:255] or "Standard")
    w.value("IsBaseCalendar", calendar.base_uid is None)
    w.value("IsBaselineCalendar", False)
    w.value("BaseCalendarUID", -1 if calendar.base_uid is None else calendar.base_uid)
    w.open("WeekDays")
    for day_type in range(1, 8):  # 1 = Sunday … 7 = Saturday
        weekday = (day_type + 5) % 7
        working = calendar.weekdays.get(weekday, weekday < 5)
        w.open("WeekDay")
        w.value("DayType", day_type)
        w.value("DayWorking", working)
        if working:
            _write_working_times(w)
        w.close("WeekDay")
    w.close("WeekDays")
    if calendar.exceptions:
        w.open("Exceptions")
        for exception in calendar.exceptions:
            days = (exception.finish - exception.start).days + 1
            w.open("Exception")
            w.value("EnteredByOccurrences", False)
            w.open("TimePeriod")
            w.value("FromDate", dt.datetime.combine(exception.start, dt.time()))
            w.value("ToDate", dt.datetime.combine(exception.finish, dt.time(23, 59)))
            w.close("TimePeriod")
            w.value("Occurrences", days)
            w.value("Name", exception.name[:255] or None)
            w.value("Type", DAILY_EXCEPTION)
            w.value("Period", 1)
            w.value("DayWorking", exception.working)
            if exception.working:
                _write_working_times(w)
            w.close("Exception")
        w.close("Exceptions")
    w.close("Calendar")


def _write_tasks(w: _Writer, project: ProjectFile) -> None:
    per_day = project.minutes_per_day
    w.open("Tasks")
    w.open("Task")  # the project summary task, as MS Project writes it
    w.value("UID", 0)
    w.value("ID", 0)
    w.value("Name", (project.title or project.name)[:512] or None)
    w.value("Active", True)
    w.value("Manual", False)
    w.value("Type", 1)
    w.value("IsNull", False)
    w.value("WBS", "0")
    w.value("OutlineNumber", "0")
    w.value("OutlineLevel", 0)
    w.value("Start", project.start_date)
    w.value("Finish", project.finish_date)
    w.value("Summary", True)
    w.close("Task")
    for position, task in enumerate(project.tasks, start=1):
        w.open("Task")
        w.value("UID", task.uid)
        w.value("ID", task.id if task.id is not None else position)
        w.value("Name", task.name[:512])
        w.value("Active", True)
        w.value("Manual", False)
        w.value("Type", 1)  # fixed duration
        w.value("IsNull", False)
        w.value("WBS", task.wbs or task.outline_number or None)
        w.value("OutlineNumber", task.outline_number or None)
        w.value("OutlineLevel", task.outline_level)
        w.value("Priority", 500)
        w.value("Start", task.start)
        w.value("Finish", task.finish)
        w.value("Duration", duration_text(0 if task.milestone else task.duration_days * per_day))
        w.value("DurationFormat", 7)
        w.value("Milestone", task.milestone)
        w.value("Summary", task.summary)
        w.value("PercentComplete", task.percent_complete)
        if task.actual_start:
            w.value("ActualStart", dt.datetime.combine(task.actual_start, DAY_START))
        if task.actual_finish:
            w.value("ActualFinish", dt.datetime.combine(task.actual_finish, DAY_END))
        w.value("ConstraintType", CONSTRAINT_CODES.get(task.constraint, 0))
        if task.constraint != "asap" and task.constraint_date:
            at_end = task.constraint == "fnlt" or task.milestone
            w.value(
                "ConstraintDate",
                dt.datetime.combine(task.constraint_date, DAY_END if at_end else DAY_START),
            )
        w.value("Notes", task.notes or None)
        for link in task.predecessors:
            w.open("PredecessorLink")
            w.value("PredecessorUID", link.predecessor_uid)
            w.value("Type", LINK_CODES[link.kind])
            w.value("CrossProject", False)
            w.value("LinkLag", link.lag_days * per_day * 10)
            w.value("LagFormat", 7)
            w.close("PredecessorLink")
        if task.work_products:
            w.open("ExtendedAttribute")
            w.value("FieldID", TEXT1_FIELD_ID)
            w.value("Value", "; ".join(task.work_products)[:255])
            w.close("ExtendedAttribute")
        w.close("Task")
    w.close("Tasks")


def _write_resources(w: _Writer, project: ProjectFile) -> None:
    if not project.resources:
        return
    w.open("Resources")
    for position, resource in enumerate(project.resources, start=1):
        w.open("Resource")
        w.value("UID", resource.uid)
        w.value("ID", position)
        w.value("Name", resource.name[:255])
        w.value("Type", WORK_RESOURCE)
        w.value("IsNull", False)
        w.value("MaxUnits", "1.00")
        w.close("Resource")
    w.close("Resources")


def _write_assignments(w: _Writer, project: ProjectFile) -> None:
    if not project.assignments:
        return
    tasks = {task.uid: task for task in project.tasks}
    w.open("Assignments")
    for uid, assignment in enumerate(project.assignments, start=1):
        task = tasks.get(assignment.task_uid)
        w.open("Assignment")
        w.value("UID", uid)
        w.value("TaskUID", assignment.task_uid)
        w.value("ResourceUID", assignment.resource_uid)
        if task is not None:
            w.value("Finish", task.finish)
            w.value("Start", task.start)
            span = task.duration_days * project.minutes_per_day / 60
            units = assignment.hours / Decimal(span) if span else Decimal(1)
            w.value("Units", f"{units.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}")
        w.value("Work", work_text(assignment.hours))
        w.close("Assignment")
    w.close("Assignments")
