"""The WBS as an Excel workbook and as MS Project XML."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from epm.core.models import User
from epm.core.workcalendar import WorkingCalendar
from epm.interop import mspdi, wbs_excel
from epm.projects.models import Project

from ...models import Assignment, Dependency, TaskKind, WbsTask
from ..scheduler import DayScale, schedule_of
from .plans import day_ranges
from .uploads import MINUTES_PER_DAY

# --- Exports ------------------------------------------------------------------------------------


def _ordered(project: Project) -> list[WbsTask]:
    return list(WbsTask.objects.filter(project=project).order_by("row", "id"))


def _links_by_successor(project: Project) -> dict[int, list[Dependency]]:
    links: dict[int, list[Dependency]] = {}
    for link in Dependency.objects.filter(project=project).order_by("successor", "id"):
        links.setdefault(link.successor_id, []).append(link)
    return links


def _assignments_by_task(project: Project) -> dict[int, list[Assignment]]:
    found: dict[int, list[Assignment]] = {}
    for assignment in (
        Assignment.objects.filter(task__project=project).select_related("user").order_by("id")
    ):
        found.setdefault(assignment.task_id, []).append(assignment)
    return found


def _title(project: Project) -> str:
    return " ".join(part for part in (project.number or "", project.name) if part)


def export_filename(project: Project, kind: str) -> str:
    if kind == "template":
        return "wbs-template.xlsx"
    suffix = "xml" if kind == "xml" else "xlsx"
    return f"wbs-{project.number or project.pk}.{suffix}"


def wbs_template() -> bytes:
    return wbs_excel.template()


def export_wbs_excel(project: Project) -> bytes:
    """The WBS as .xlsx, in the columns the import reads (plus the computed start and finish)."""
    tasks = _ordered(project)
    outline = {task.pk: task.outline for task in tasks}
    links = _links_by_successor(project)
    assignments = _assignments_by_task(project)
    records = []
    for task in tasks:
        records.append(
            {
                "code": task.outline,
                "name": task.name,
                "kind": wbs_excel.kind_label(task.kind),
                "duration": task.duration_days,
                "predecessors": ", ".join(
                    wbs_excel.format_predecessor(
                        outline[link.predecessor_id], link.kind, link.lag_days
                    )
                    for link in links.get(task.pk, [])
                ),
                "constraint_type": wbs_excel.constraint_label(task.constraint_type),
                "constraint_on": task.constraint_on,
                "resources": "; ".join(
                    f"{a.user.username if a.user else a.resource_name}:"
                    f"{wbs_excel.format_hours(a.planned_hours)}"
                    for a in assignments.get(task.pk, [])
                ),
                "work_products": "\n".join(task.work_product_list),
                "start_on": task.start_on,
                "finish_on": task.finish_on,
            }
        )
    return wbs_excel.write_wbs(records, title=f"{_('WBS')} · {_title(project)}")


def export_mspdi(project: Project) -> bytes:
    """The schedule as MS Project XML: the WBS with its links, constraints, progress and
    assignments, and the project's working calendar as exceptions to a Monday–Friday week."""
    return mspdi.write(project_file(project))


def project_file(project: Project) -> mspdi.ProjectFile:
    schedule = schedule_of(project)
    scale = DayScale.of(schedule)
    tasks = _ordered(project)
    uids = _uids(tasks)
    links = _links_by_successor(project)
    by_task = _assignments_by_task(project)
    start = dt.datetime.combine(schedule.start_on, mspdi.DAY_START)
    finishes = [task.finish_on for task in tasks if task.finish_on]
    finish = dt.datetime.combine(max(finishes), mspdi.DAY_END) if finishes else None
    file = mspdi.ProjectFile(
        name=f"{_title(project)}.xml",
        title=_title(project),
        start_date=start,
        finish_date=finish,
        status_date=(
            dt.datetime.combine(schedule.status_on, mspdi.DAY_END) if schedule.status_on else None
        ),
        minutes_per_day=MINUTES_PER_DAY,
        calendar_uid=1,
    )
    file.calendars.append(
        mspdi.Calendar(
            uid=1,
            name=str(scale.calendar.code or _("Standard")),
            exceptions=_calendar_exceptions(scale.calendar, schedule.start_on, finish),
        )
    )
    resources: dict[str, int] = {}
    names = _resource_names(by_task)
    for task in tasks:
        milestone = task.kind == TaskKind.MILESTONE
        item = mspdi.Task(
            uid=uids[task.pk],
            id=task.row + 1,
            name=task.name,
            outline_level=task.outline.count(".") + 1,
            outline_number=task.outline,
            wbs=task.outline,
            duration_days=task.duration_days,
            milestone=milestone,
            summary=task.kind == TaskKind.SUMMARY,
            constraint=task.constraint_type,
            constraint_date=task.constraint_on,
            actual_start=task.actual_start_on,
            actual_finish=task.actual_finish_on,
            percent_complete=task.percent_complete,
            notes=task.notes,
            work_products=task.work_product_list,
            predecessors=[
                mspdi.Link(uids[link.predecessor_id], link.kind, link.lag_days)
                for link in links.get(task.pk, [])
            ],
        )
        if task.start_on and task.finish_on:
            if milestone:
                at = mspdi.DAY_START if task.early_start == 0 else mspdi.DAY_END
                item.start = item.finish = dt.datetime.combine(task.finish_on, at)
            else:
                item.start = dt.datetime.combine(task.start_on, mspdi.DAY_START)
                item.finish = dt.datetime.combine(task.finish_on, mspdi.DAY_END)
        file.tasks.append(item)
        for assignment in by_task.get(task.pk, []):
            name = names[assignment.pk]
            if name not in resources:
                resources[name] = len(resources) + 1
                file.resources.append(mspdi.Resource(resources[name], name))
            file.assignments.append(
                mspdi.Assignment(uids[task.pk], resources[name], assignment.planned_hours)
            )
    return file


def _resource_names(by_task: dict[int, list[Assignment]]) -> dict[int, str]:
    """Each assignment's resource name: a person's display name when it names only them (and
    is nobody's login), else their login; a named resource as it is."""
    assignments = [a for found in by_task.values() for a in found]
    shown = {a.user.display_name for a in assignments if a.user and a.user.display_name}
    taken: dict[str, int] = {}
    for display_name in User.objects.filter(display_name__in=shown).values_list(
        "display_name", flat=True
    ):
        taken[display_name] = taken.get(display_name, 0) + 1
    logins = set(User.objects.filter(username__in=shown).values_list("username", flat=True))
    names: dict[int, str] = {}
    for assignment in assignments:
        user = assignment.user
        if user is None:
            names[assignment.pk] = assignment.resource_name
        elif (
            user.display_name
            and taken.get(user.display_name) == 1
            and (user.display_name not in logins or user.display_name == user.username)
        ):
            names[assignment.pk] = user.display_name
        else:
            names[assignment.pk] = user.username
    return names


def _uids(tasks: list[WbsTask]) -> dict[int, int]:
    """Each task's UID: the one it came with from MS Project when still unique, else new."""
    uids: dict[int, int] = {}
    used: set[int] = set()
    for task in tasks:
        uid = task.external_uid
        if uid is not None and uid > 0 and uid not in used:
            uids[task.pk] = uid
            used.add(uid)
    following = max(used, default=0) + 1
    for task in tasks:
        if task.pk not in uids:
            uids[task.pk] = following
            following += 1
    return uids


def _calendar_exceptions(
    calendar: WorkingCalendar, start: dt.date, finish: dt.datetime | None
) -> list[mspdi.CalendarException]:
    """The days of the schedule's years where the working calendar departs from Monday to
    Friday: holidays on weekdays and working weekends, as ranges."""
    last_year = (finish.date() if finish else start).year
    days: list[tuple[dt.date, bool]] = []
    for year in range(start.year, last_year + 1):
        if not calendar.is_covered(year):
            continue
        day = dt.date(year, 1, 1)
        while day.year == year:
            working = calendar.is_working_day(day)
            if working != (day.weekday() < 5):
                days.append((day, working))
            day += dt.timedelta(days=1)
    return [
        mspdi.CalendarException(
            first, last, working, str(_("Working day") if working else _("Holiday"))
        )
        for first, last, working in day_ranges(days)
    ]
