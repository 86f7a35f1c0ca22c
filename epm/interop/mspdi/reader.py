"""Reading an MSPDI file into `ProjectFile` (see the package docstring for units and codes)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .model import (
    CONSTRAINT_NAMES,
    CONSTRAINTS,
    DAILY_EXCEPTION,
    DURATION_PATTERN,
    ELAPSED_FORMATS,
    LINK_TYPES,
    MAX_TASKS,
    NAMESPACE,
    PERCENT_FORMATS,
    WORK_PRODUCTS_ALIASES,
    WORK_RESOURCE,
    Assignment,
    Calendar,
    CalendarException,
    Link,
    MspdiError,
    Problem,
    ProjectFile,
    Resource,
    Task,
    gettext_noop,
)

# --- Reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, root: Element):
        tag = root.tag
        self.ns = tag[1 : tag.index("}")] if tag.startswith("{") else ""
        local = tag.rsplit("}", 1)[-1]
        if local != "Project" or not (self.ns == "" or self.ns.startswith(NAMESPACE)):
            raise MspdiError(
                "not_mspdi",
                gettext_noop(
                    "This is not a Microsoft Project XML file (its root element is not "
                    "<Project> in the namespace http://schemas.microsoft.com/project)."
                ),
            )
        self.root = root
        self.file = ProjectFile()
        # Links whose lag is a percentage of the predecessor's duration, resolved once every
        # duration is known: (link, percent, successor name, successor UID).
        self.percent_links: list[tuple[Link, int, str, int]] = []

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def child(self, element: Element, name: str) -> Element | None:
        return element.find(self.q(name))

    def children(self, element: Element, *path: str) -> list[Element]:
        return element.findall("/".join(self.q(p) for p in path))

    def text(self, element: Element, name: str) -> str:
        found = element.find(self.q(name))
        return (found.text or "").strip() if found is not None else ""

    def warn(self, code: str, template: str, **params: Any) -> None:
        self.file.warnings.append(Problem(code, template, params))

    # --- values ---

    def integer(self, element: Element, name: str, where: dict[str, Any]) -> int | None:
        text = self.text(element, name)
        if not text:
            return None
        try:
            return int(Decimal(text))
        except ArithmeticError:
            raise self.bad_value(name, text, where) from None

    def number(self, element: Element, name: str, where: dict[str, Any]) -> Decimal | None:
        text = self.text(element, name)
        if not text:
            return None
        try:
            value = Decimal(text)
        except ArithmeticError:
            raise self.bad_value(name, text, where) from None
        if not value.is_finite():
            raise self.bad_value(name, text, where)
        return value

    def flag(self, element: Element, name: str) -> bool:
        return self.text(element, name).lower() in ("1", "true")

    def moment(self, element: Element, name: str, where: dict[str, Any]) -> dt.datetime | None:
        text = self.text(element, name)
        if not text:
            return None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise MspdiError(
                "bad_date",
                gettext_noop("%(where)s: %(field)s “%(value)s” is not a date."),
                where=self.where_text(where),
                field=name,
                value=text[:40],
                **where,
            ) from None
        return moment.replace(tzinfo=None)

    def bad_value(self, name: str, text: str, where: dict[str, Any]) -> MspdiError:
        return MspdiError(
            "bad_number",
            gettext_noop("%(where)s: %(field)s “%(value)s” is not a number."),
            where=self.where_text(where),
            field=name,
            value=text[:40],
            **where,
        )

    @staticmethod
    def where_text(where: dict[str, Any]) -> str:
        if "task" in where:
            return f"“{where['task']}” (UID {where.get('uid', '?')})"
        return str(where.get("element", "Project"))

    def minutes(self, text: str, where: dict[str, Any], name: str) -> Decimal:
        """Working minutes of an ISO-8601 duration (days count as working days)."""
        match = DURATION_PATTERN.match(text.strip())
        if match is None:
            raise MspdiError(
                "bad_duration",
                gettext_noop("%(where)s: the %(field)s “%(value)s” cannot be read."),
                where=self.where_text(where),
                field=name,
                value=text[:40],
                **where,
            )
        parts = match.groupdict()
        total = (
            Decimal(parts["days"] or 0) * self.file.minutes_per_day
            + Decimal(parts["hours"] or 0) * 60
            + Decimal(parts["minutes"] or 0)
            + Decimal(parts["seconds"] or 0) / 60
        )
        if parts["sign"] and total:
            raise MspdiError(
                "negative_duration",
                gettext_noop("%(where)s: the %(field)s %(value)s is negative."),
                where=self.where_text(where),
                field=name,
                value=text[:40],
                **where,
            )
        return total

    def whole_days(self, minutes: Decimal, per_day: int) -> tuple[int, bool]:
        days = minutes / per_day
        whole = int(days.to_integral_value(rounding=ROUND_HALF_UP))
        return whole, days != whole

    # --- sections ---

    def read(self) -> ProjectFile:
        root, f = self.root, self.file
        here = {"element": "Project"}
        f.name = self.text(root, "Name")
        f.title = self.text(root, "Title")
        f.start_date = self.moment(root, "StartDate", here)
        f.finish_date = self.moment(root, "FinishDate", here)
        f.status_date = self.moment(root, "StatusDate", here)
        per_day = self.integer(root, "MinutesPerDay", here)
        if per_day is not None:
            if not 1 <= per_day <= 1440:
                raise self.bad_value("MinutesPerDay", str(per_day), here)
            f.minutes_per_day = per_day
        f.calendar_uid = self.integer(root, "CalendarUID", here)
        self.read_calendars()
        work_products_field = self.work_products_field()
        self.read_tasks(work_products_field)
        self.read_resources()
        self.read_assignments()
        return f

    def work_products_field(self) -> str | None:
        """The FieldID of the custom task field whose alias names work products."""
        for attribute in self.children(self.root, "ExtendedAttributes", "ExtendedAttribute"):
            alias = self.text(attribute, "Alias").strip().lower()
            if alias in WORK_PRODUCTS_ALIASES:
                return self.text(attribute, "FieldID")
        return None

    def read_calendars(self) -> None:
        for element in self.children(self.root, "Calendars", "Calendar"):
            where = {"element": "Calendar"}
            uid = self.integer(element, "UID", where)
            if uid is None:
                continue
            calendar = Calendar(uid=uid, name=self.text(element, "Name"))
            base = self.integer(element, "BaseCalendarUID", where)
            calendar.base_uid = base if base is not None and base >= 0 else None
            for day in self.children(element, "WeekDays", "WeekDay"):
                day_type = self.integer(day, "DayType", where)
                working = self.flag(day, "DayWorking")
                if day_type == 0:  # the pre-2007 form of an exception: a range of dates
                    exception = self.period(day, working, "", where)
                    if exception is not None:
                        calendar.exceptions.append(exception)
                elif day_type is not None and 1 <= day_type <= 7:
                    calendar.weekdays[(day_type + 5) % 7] = working  # 1 = Sunday
            for item in self.children(element, "Exceptions", "Exception"):
                exception = self.exception(item, calendar, where)
                if exception is None:
                    continue
                # MS Project writes each exception twice: in WeekDays for old readers
                # (without its name) and here; keep one.
                calendar.exceptions = [
                    e
                    for e in calendar.exceptions
                    if (e.start, e.finish, e.working)
                    != (exception.start, exception.finish, exception.working)
                ]
                calendar.exceptions.append(exception)
            self.file.calendars.append(calendar)

    def period(
        self, element: Element, working: bool, name: str, where: dict[str, Any]
    ) -> CalendarException | None:
        period = self.child(element, "TimePeriod")
        if period is None:
            return None
        start = self.moment(period, "FromDate", where)
        finish = self.moment(period, "ToDate", where)
        if start is None or finish is None:
            return None
        end = finish.date()
        if finish.time() == dt.time() and end > start.date():
            end -= dt.timedelta(days=1)  # "up to midnight" ends the day before
        if end < start.date():
            return None
        return CalendarException(start.date(), end, working, name)

    def exception(
        self, element: Element, calendar: Calendar, where: dict[str, Any]
    ) -> CalendarException | None:
        name = self.text(element, "Name")
        occurrences = self.integer(element, "Occurrences", where)
        kind = self.integer(element, "Type", where)
        period = self.integer(element, "Period", where)
        plain = occurrences in (None, 0, 1) or (
            kind in (None, DAILY_EXCEPTION) and period in (None, 0, 1)
        )
        if not plain:
            self.warn(
                "recurring_exception",
                gettext_noop(
                    "The calendar “%(calendar)s” has a recurring exception “%(name)s”; "
                    "recurring exceptions are not read."
                ),
                calendar=calendar.name,
                name=name,
            )
            return None
        return self.period(element, self.flag(element, "DayWorking"), name, where)

    def read_tasks(self, work_products_field: str | None) -> None:
        elements = self.children(self.root, "Tasks", "Task")
        if len(elements) > MAX_TASKS:
            raise MspdiError(
                "too_many_tasks",
                gettext_noop("The file has more than %(n)d tasks."),
                n=MAX_TASKS,
            )
        rows: list[tuple[int, int, Task]] = []
        seen: set[int] = set()
        for order, element in enumerate(elements):
            task = self.task(element, work_products_field)
            if task is None:
                continue
            if task.uid in seen:
                raise MspdiError(
                    "duplicate_uid",
                    gettext_noop("Two tasks have the UID %(uid)s."),
                    uid=task.uid,
                    task=task.name,
                )
            seen.add(task.uid)
            rows.append((task.id if task.id is not None else order, order, task))
        rows.sort(key=lambda row: (row[0], row[1]))  # MS Project's ID order is the outline
        tasks = [task for _id, _order, task in rows]
        previous = 0
        for task in tasks:
            if task.outline_level > previous + 1:
                raise MspdiError(
                    "bad_outline",
                    gettext_noop(
                        "%(where)s: its outline level %(level)d follows level %(previous)d; "
                        "a task can only be one level below the task above it."
                    ),
                    where=self.where_text({"task": task.name, "uid": task.uid}),
                    task=task.name,
                    uid=task.uid,
                    level=task.outline_level,
                    previous=previous,
                )
            previous = task.outline_level
        for task in tasks:
            for link in task.predecessors:
                if link.predecessor_uid not in seen:
                    raise MspdiError(
                        "unknown_predecessor",
                        gettext_noop(
                            "%(where)s: its predecessor UID %(predecessor)s is not a task of "
                            "the file."
                        ),
                        where=self.where_text({"task": task.name, "uid": task.uid}),
                        task=task.name,
                        uid=task.uid,
                        predecessor=link.predecessor_uid,
                    )
        self.file.tasks = tasks
        self.percent_lags(tasks)

    def task(self, element: Element, work_products_field: str | None) -> Task | None:
        uid = self.integer(element, "UID", {"element": "Task"})
        if uid is None:
            raise MspdiError("missing_uid", gettext_noop("A task of the file has no UID."))
        name = self.text(element, "Name")
        where = {"task": name, "uid": uid}
        level = self.integer(element, "OutlineLevel", where)
        outline_number = self.text(element, "OutlineNumber")
        if level is None:
            if uid == 0 and outline_number in ("", "0"):
                return None  # the project summary task
            level = outline_number.count(".") + 1 if outline_number else 1
        if level == 0:
            return None  # the project summary task
        if self.flag(element, "IsNull"):
            return None  # a blank row
        if level < 0:
            raise self.bad_value("OutlineLevel", str(level), where)
        task = Task(uid=uid, name=name, outline_level=level, outline_number=outline_number)
        task.id = self.integer(element, "ID", where)
        task.wbs = self.text(element, "WBS")
        task.milestone = self.flag(element, "Milestone")
        task.summary = self.flag(element, "Summary")
        task.start = self.moment(element, "Start", where)
        task.finish = self.moment(element, "Finish", where)
        task.notes = self.text(element, "Notes")
        if not name:
            self.warn(
                "unnamed_task",
                gettext_noop("The task with UID %(uid)s has no name; it is called “%(name)s”."),
                uid=uid,
                name=f"UID {uid}",
            )
            task.name = f"UID {uid}"
        if self.text(element, "Active") == "0":
            self.warn(
                "inactive_task",
                gettext_noop("%(where)s is inactive in the file; it is imported as active."),
                where=self.where_text(where),
            )
        self.task_duration(element, task, where)
        self.task_constraint(element, task, where)
        actual_start = self.moment(element, "ActualStart", where)
        actual_finish = self.moment(element, "ActualFinish", where)
        task.actual_start = actual_start.date() if actual_start else None
        task.actual_finish = actual_finish.date() if actual_finish else None
        percent = self.integer(element, "PercentComplete", where) or 0
        if not 0 <= percent <= 100:
            raise self.bad_value("PercentComplete", str(percent), where)
        task.percent_complete = percent
        if work_products_field:
            for attribute in self.children(element, "ExtendedAttribute"):
                if self.text(attribute, "FieldID") == work_products_field:
                    value = self.text(attribute, "Value")
                    task.work_products = [
                        p.strip() for p in re.split(r"[\n;；]", value) if p.strip()
                    ]
        for link in self.children(element, "PredecessorLink"):
            parsed = self.link(link, where)
            if parsed is not None:
                task.predecessors.append(parsed)
        return task

    def task_duration(self, element: Element, task: Task, where: dict[str, Any]) -> None:
        text = self.text(element, "Duration")
        if not text or task.summary:
            return
        minutes = self.minutes(text, where, "Duration")
        duration_format = self.integer(element, "DurationFormat", where)
        per_day = self.file.minutes_per_day
        if duration_format in ELAPSED_FORMATS:
            per_day = 24 * 60
            self.warn(
                "elapsed_duration",
                gettext_noop(
                    "%(where)s: its duration is elapsed time; it is counted as %(days)s "
                    "working days."
                ),
                where=self.where_text(where),
                days=self.whole_days(minutes, per_day)[0],
            )
        days, rounded = self.whole_days(minutes, per_day)
        if rounded:
            self.warn(
                "duration_rounded",
                gettext_noop(
                    "%(where)s: its duration of %(hours)s hours is not a whole number of "
                    "working days; it is rounded to %(days)d."
                ),
                where=self.where_text(where),
                hours=_plain(minutes / 60),
                days=days,
            )
        if task.milestone and days:
            self.warn(
                "milestone_duration",
                gettext_noop(
                    "%(where)s is a milestone with a duration of %(days)d working days; "
                    "milestones take no time, so it is imported with none."
                ),
                where=self.where_text(where),
                days=days,
            )
            days = 0
        task.duration_days = days

    def task_constraint(self, element: Element, task: Task, where: dict[str, Any]) -> None:
        code = self.integer(element, "ConstraintType", where)
        if code is None or code == 0:
            return
        when = self.moment(element, "ConstraintDate", where)
        if code not in CONSTRAINTS:
            self.warn(
                "constraint_unsupported",
                gettext_noop(
                    "%(where)s: the constraint “%(constraint)s” is not supported; the task is "
                    "imported as “as soon as possible”."
                ),
                where=self.where_text(where),
                constraint=CONSTRAINT_NAMES.get(code, str(code)),
            )
            return
        if when is None:
            self.warn(
                "constraint_without_date",
                gettext_noop(
                    "%(where)s: its constraint has no date; the task is imported as “as soon "
                    "as possible”."
                ),
                where=self.where_text(where),
            )
            return
        task.constraint = CONSTRAINTS[code]
        task.constraint_date = when.date()

    def link(self, element: Element, where: dict[str, Any]) -> Link | None:
        predecessor = self.integer(element, "PredecessorUID", where)
        if predecessor is None:
            return None
        if self.flag(element, "CrossProject"):
            self.warn(
                "cross_project_link",
                gettext_noop("%(where)s: its link to a task of another project is not imported."),
                where=self.where_text(where),
            )
            return None
        code = self.integer(element, "Type", where)
        kind = LINK_TYPES.get(1 if code is None else code)
        if kind is None:
            raise self.bad_value("PredecessorLink/Type", str(code), where)
        lag = self.integer(element, "LinkLag", where) or 0
        lag_format = self.integer(element, "LagFormat", where)
        link = Link(predecessor_uid=predecessor, kind=kind)
        if lag_format in PERCENT_FORMATS:
            self.percent_links.append((link, lag, where["task"], where["uid"]))
            return link
        per_day = 24 * 60 if lag_format in ELAPSED_FORMATS else self.file.minutes_per_day
        days, rounded = self.whole_days(Decimal(lag) / 10, per_day)
        if lag and lag_format in ELAPSED_FORMATS:
            self.warn(
                "elapsed_lag",
                gettext_noop(
                    "%(where)s: the lag after UID %(predecessor)s is elapsed time; it is "
                    "counted as %(days)d working days."
                ),
                where=self.where_text(where),
                predecessor=predecessor,
                days=days,
            )
        if rounded:
            self.warn(
                "lag_rounded",
                gettext_noop(
                    "%(where)s: the lag of %(hours)s hours after UID %(predecessor)s is not a "
                    "whole number of working days; it is rounded to %(days)d."
                ),
                where=self.where_text(where),
                hours=_plain(Decimal(lag) / 600),
                predecessor=predecessor,
                days=days,
            )
        link.lag_days = days
        return link

    def percent_lags(self, tasks: list[Task]) -> None:
        """A lag of n% is n% of the predecessor's duration, in whole working days."""
        durations = {task.uid: task.duration_days for task in tasks}
        for link, percent, name, uid in self.percent_links:
            exact = Decimal(percent) * durations[link.predecessor_uid] / 100
            link.lag_days = int(exact.to_integral_value(rounding=ROUND_HALF_UP))
            self.warn(
                "lag_percent",
                gettext_noop(
                    "“%(task)s” (UID %(uid)s): the lag of %(percent)s%% of UID "
                    "%(predecessor)s's duration is imported as %(days)d working days."
                ),
                task=name,
                uid=uid,
                percent=percent,
                predecessor=link.predecessor_uid,
                days=link.lag_days,
            )

    def read_resources(self) -> None:
        for element in self.children(self.root, "Resources", "Resource"):
            where = {"element": "Resource"}
            uid = self.integer(element, "UID", where)
            name = self.text(element, "Name")
            if uid is None or not name or self.flag(element, "IsNull"):
                continue
            kind = self.integer(element, "Type", where)
            if kind is not None and kind != WORK_RESOURCE:
                self.warn(
                    "not_work_resource",
                    gettext_noop(
                        "The resource “%(name)s” is a material or cost resource; its "
                        "assignments are not imported."
                    ),
                    name=name,
                )
                continue
            self.file.resources.append(Resource(uid=uid, name=name))

    def read_assignments(self) -> None:
        resources = {r.uid for r in self.file.resources}
        tasks = {t.uid for t in self.file.tasks}
        for element in self.children(self.root, "Assignments", "Assignment"):
            where = {"element": "Assignment"}
            task_uid = self.integer(element, "TaskUID", where)
            resource_uid = self.integer(element, "ResourceUID", where)
            if task_uid not in tasks or resource_uid not in resources:
                continue  # unassigned work, a skipped resource or the project summary
            work = self.text(element, "Work")
            minutes = self.minutes(work, where, "Work") if work else Decimal(0)
            hours = (minutes / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            assert task_uid is not None and resource_uid is not None
            self.file.assignments.append(Assignment(task_uid, resource_uid, hours))


def _plain(number: Decimal) -> str:
    text = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP).normalize():f}"
    return text


def parse(data: bytes) -> ProjectFile:
    """Read an MSPDI file; raises MspdiError (with a Problem) when it cannot be read."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MspdiError(
            "forbidden_xml",
            gettext_noop(
                "The file declares a document type or entities, which are refused for safety. "
                "Save it again from Microsoft Project as XML."
            ),
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise MspdiError(
            "malformed_xml",
            gettext_noop(
                "The file is not well-formed XML (line %(line)d, column %(column)d). "
                "Save it again from Microsoft Project as XML."
            ),
            line=line,
            column=column,
        ) from None
    except (ValueError, UnicodeError):
        raise MspdiError(
            "malformed_xml",
            gettext_noop(
                "The file is not well-formed XML (line %(line)d, column %(column)d). "
                "Save it again from Microsoft Project as XML."
            ),
            line=0,
            column=0,
        ) from None
    return _Reader(root).read()
