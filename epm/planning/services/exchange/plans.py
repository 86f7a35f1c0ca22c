"""From a file to a plan of the tasks, links and assignments an import creates.

The plan is the same whatever the file; `imports.replace` checks and writes it. See the package
docstring for what an MS Project file brings that OpenEPM keeps differently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from epm.core.workcalendar import CalendarCoverageError, WorkingCalendar
from epm.interop import mspdi, wbs_excel
from epm.projects.models import Project

from ...models import TaskKind
from ..scheduler import calendar_of, schedule_of
from .uploads import translated

# --- What an import creates, whatever the file --------------------------------------------------


@dataclass
class Item:
    ref: Any  # the task's reference in the file: a UID or a WBS code
    label: str  # how messages name it: “name” (UID 5) or Row 7
    parent: Any | None
    name: str
    fields: dict[str, Any]
    summary: bool = False
    external_uid: int | None = None
    number: int | None = None  # the sheet row, for Excel


@dataclass
class PlanLink:
    predecessor: Any
    successor: Any
    kind: str
    lag_days: int


@dataclass
class Work:
    task: Any
    resource: str
    hours: Decimal


@dataclass
class Plan:
    source: str
    items: list[Item]  # in outline order (parents before children)
    links: list[PlanLink]
    work: list[Work]
    start_on: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    filename: str = ""


# --- Reading a file into a plan ------------------------------------------------------------


def _task_label(task: mspdi.Task) -> str:
    return _("“%(name)s” (UID %(uid)s)") % {"name": task.name, "uid": task.uid}


def plan_from_mspdi(parsed: mspdi.ProjectFile) -> Plan:
    warnings = [translated(p) for p in parsed.warnings]
    items: list[Item] = []
    stack: list[mspdi.Task] = []
    has_children: set[int] = set()
    parent_of: dict[int, int | None] = {}
    for task in parsed.tasks:
        while stack and stack[-1].outline_level >= task.outline_level:
            stack.pop()
        parent = stack[-1].uid if stack else None
        parent_of[task.uid] = parent
        if parent is not None:
            has_children.add(parent)
        stack.append(task)
    for task in parsed.tasks:
        label = _task_label(task)
        summary = task.uid in has_children
        name = task.name
        if len(name) > 200:
            warnings.append(_("%(task)s: the name is cut to 200 characters.") % {"task": label})
            name = name[:200]
        notes = task.notes
        if len(notes) > 5000:
            warnings.append(_("%(task)s: the notes are cut to 5000 characters.") % {"task": label})
            notes = notes[:5000]
        fields: dict[str, Any] = {"notes": notes}
        if summary:
            if task.constraint != "asap":
                warnings.append(
                    _("%(task)s is a summary: its constraint is not imported.") % {"task": label}
                )
        else:
            fields.update(
                kind=TaskKind.MILESTONE if task.milestone else TaskKind.TASK,
                duration_days=task.duration_days,
                constraint_type=task.constraint,
                constraint_on=task.constraint_date,
                actual_start_on=task.actual_start,
                actual_finish_on=task.actual_finish,
                percent_complete=task.percent_complete,
            )
        if task.work_products:
            if summary or task.milestone or task.duration_days == 0:
                fields["work_products"] = "\n".join(task.work_products)
            else:
                warnings.append(
                    _("%(task)s is not a milestone: its work products are not imported.")
                    % {"task": label}
                )
        items.append(
            Item(
                ref=task.uid,
                label=label,
                parent=parent_of[task.uid],
                name=name,
                fields=fields,
                summary=summary,
                external_uid=task.uid,
            )
        )
    links = [
        PlanLink(link.predecessor_uid, task.uid, link.kind, link.lag_days)
        for task in parsed.tasks
        for link in task.predecessors
    ]
    names = {task.uid: _task_label(task) for task in parsed.tasks}
    links = _reattach(items, links, names, warnings)
    resources = {r.uid: r.name for r in parsed.resources}
    work: list[Work] = []
    for assignment in parsed.assignments:
        if assignment.task_uid in has_children:
            warnings.append(
                _("%(task)s is a summary: the assignment of %(resource)s is not imported.")
                % {
                    "task": names[assignment.task_uid],
                    "resource": resources[assignment.resource_uid],
                }
            )
            continue
        work.append(Work(assignment.task_uid, resources[assignment.resource_uid], assignment.hours))
    start = parsed.start_date.date() if parsed.start_date else None
    return Plan("mspdi", items, links, work, start_on=start, warnings=warnings)


def _reattach(
    items: list[Item], links: list[PlanLink], names: dict[Any, str], warnings: list[str]
) -> list[PlanLink]:
    """Links as OpenEPM keeps them: between leaf tasks only (see the module docstring)."""
    children: dict[Any, list[Any]] = {}
    for item in items:
        children.setdefault(item.parent, []).append(item.ref)
    summaries = {item.ref for item in items if item.summary}
    leaves_of: dict[Any, list[Any]] = {}

    def leaves(ref: Any) -> list[Any]:
        if ref not in leaves_of:
            found: list[Any] = []
            todo = list(reversed(children.get(ref, [])))
            while todo:
                current = todo.pop()
                if current in summaries:
                    todo.extend(reversed(children.get(current, [])))
                else:
                    found.append(current)
            leaves_of[ref] = found
        return leaves_of[ref]

    plain = [link for link in links if not {link.predecessor, link.successor} & summaries]

    def ends(summary: Any, first: bool) -> list[Any]:
        inside = set(leaves(summary))
        linked = {
            (link.successor if first else link.predecessor)
            for link in plain
            if link.predecessor in inside and link.successor in inside
        }
        chosen = [leaf for leaf in leaves(summary) if leaf not in linked]
        return chosen or leaves(summary)

    kept: dict[tuple[Any, Any], PlanLink] = {}
    for link in links:
        touched = {link.predecessor, link.successor} & summaries
        if not touched:
            predecessors, successors = [link.predecessor], [link.successor]
        else:
            predecessors = (
                ends(link.predecessor, first=link.kind[0] == "S")
                if link.predecessor in summaries
                else [link.predecessor]
            )
            successors = (
                ends(link.successor, first=link.kind[1] == "S")
                if link.successor in summaries
                else [link.successor]
            )
            if (
                set(predecessors) & set(successors)
                or (link.predecessor in summaries and link.successor in leaves(link.predecessor))
                or (link.successor in summaries and link.predecessor in leaves(link.successor))
            ):
                warnings.append(
                    _(
                        "The link from %(p)s to %(s)s joins a summary and its own subtask; "
                        "it is not imported."
                    )
                    % {"p": names[link.predecessor], "s": names[link.successor]}
                )
                continue
            warnings.append(
                _(
                    "The link from %(p)s to %(s)s touches a summary task; it is attached to "
                    "the subtasks instead: %(links)s."
                )
                % {
                    "p": names[link.predecessor],
                    "s": names[link.successor],
                    "links": ", ".join(
                        f"{names[p]} → {names[s]}" for p in predecessors for s in successors
                    ),
                }
            )
        for p in predecessors:
            for s in successors:
                new = PlanLink(p, s, link.kind, link.lag_days)
                old = kept.get((p, s))
                if old is None:
                    kept[(p, s)] = new
                elif (old.kind, old.lag_days) != (new.kind, new.lag_days):
                    warnings.append(
                        _("%(s)s depends on %(p)s twice; the first link is kept.")
                        % {"p": names[p], "s": names[s]}
                    )
    return list(kept.values())


def plan_from_sheet(sheet: wbs_excel.WbsSheet) -> Plan:
    items: list[Item] = []
    links: list[PlanLink] = []
    work: list[Work] = []
    for row in sheet.rows:
        fields: dict[str, Any] = {"work_products": "\n".join(row.work_products)}
        summary = row.kind == wbs_excel.SUMMARY
        if not summary:
            fields.update(
                kind=TaskKind.MILESTONE if row.kind == wbs_excel.MILESTONE else TaskKind.TASK,
                duration_days=row.duration_days,
                constraint_type=row.constraint_type,
                constraint_on=row.constraint_on,
            )
        items.append(
            Item(
                ref=row.code,
                label=_("Row %(row)d") % {"row": row.number},
                parent=row.parent,
                name=row.name,
                fields=fields,
                summary=summary,
                number=row.number,
            )
        )
        links.extend(
            PlanLink(ref.code, row.code, ref.kind, ref.lag_days) for ref in row.predecessors
        )
        work.extend(Work(row.code, name, hours) for name, hours in row.resources)
    return Plan("xlsx", items, links, work)


def calendar_warnings(project: Project, parsed: mspdi.ProjectFile) -> list[str]:
    """Where the file's project calendar disagrees with the project's working calendar."""
    calendar = calendar_of(schedule_of(project))
    warnings: list[str] = []
    week = parsed.work_week()
    if parsed.calendar() is not None and any(week[d] != (d < 5) for d in range(7)):
        warnings.append(
            _(
                "The file's calendar does not work Monday to Friday; dates follow the "
                "project's working calendar instead."
            )
        )
    project_calendar = parsed.calendar()
    if project_calendar is None:
        return warnings
    chain: list[mspdi.Calendar] = []
    current: mspdi.Calendar | None = project_calendar
    while current is not None and current not in chain:
        chain.append(current)
        current = parsed.calendar(current.base_uid) if current.base_uid is not None else None
    differing: list[tuple[dt.date, bool]] = []
    for exception in (e for c in chain for e in c.exceptions):
        day = exception.start
        last = min(exception.finish, exception.start + dt.timedelta(days=366))
        while day <= last:
            ours = _working(calendar, day)
            if ours is not None and parsed.is_working_day(day) != ours:
                differing.append((day, parsed.is_working_day(day)))
            day += dt.timedelta(days=1)
    for start, finish, working in day_ranges(sorted(set(differing))):
        span = start.isoformat() if start == finish else f"{start.isoformat()}–{finish.isoformat()}"
        if working:
            text = _(
                "The file's calendar works on %(days)s, a day off in the project's working "
                "calendar; the project's calendar is used."
            )
        else:
            text = _(
                "The file's calendar rests on %(days)s, a working day in the project's working "
                "calendar; the project's calendar is used."
            )
        warnings.append(text % {"days": span})
    return warnings


def _working(calendar: WorkingCalendar, day: dt.date) -> bool | None:
    try:
        return calendar.is_working_day(day)
    except CalendarCoverageError:
        return None


def day_ranges(days: Iterable[tuple[dt.date, bool]]) -> list[tuple[dt.date, dt.date, bool]]:
    """Consecutive days with the same flag as (first, last, flag)."""
    ranges: list[tuple[dt.date, dt.date, bool]] = []
    for day, flag in days:
        if ranges and ranges[-1][2] == flag and ranges[-1][1] + dt.timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day, flag)
        else:
            ranges.append((day, day, flag))
    return ranges
