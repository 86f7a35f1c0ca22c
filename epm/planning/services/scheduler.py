"""Run the critical-path engine over a project's WBS and store the dates it gives.

The engine (`epm.scheduling`) works in working-day offsets; this module translates the WBS to
it and back with the project's working calendar:

- Offset 0 is the start of the first working day on or after the schedule start. A task with
  early start e and duration d runs on the working days e … e + d - 1; its finish date is the
  last of them.
- A milestone (duration 0) at offset m is reached at the end of working day m - 1 (the day its
  predecessor finishes), shown on that day; at offset 0 it is on the first day. A date constraint
  on a milestone means "by the end of that day", so the two readings agree.
- Start constraints (SNET, MSO) and actual starts use the first working day on or after their
  date; finish constraints, actual finishes, the status date and the deadline the last working
  day on or before theirs (an end of day).

Only leaf tasks and milestones go to the engine; a summary task spans its children (earliest
start, latest finish, least float, critical when a child is). Links touch leaves only (the
services refuse links on summaries).

Every service that changes what dates depend on calls `request_reschedule(project)` inside its
transaction. Inside `deferred()` (imports, bulk edits) the requests are collected and each
project is scheduled once when the block ends; outside, immediately. Either way the stored
dates are current when the transaction commits, and a refusal (a cycle, a year the calendar
does not cover) rolls the whole change back.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.core.workcalendar import WorkingCalendar, get_calendar
from epm.projects.models import Project
from epm.projects.services import lock_project
from epm.scheduling import CycleError, compute

from ..models import ConstraintType, Dependency, ProjectSchedule, TaskKind, WbsTask

COMPUTED_FIELDS = (
    "start_on",
    "finish_on",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float",
    "free_float",
    "critical",
    "duration_days",
    "percent_complete",
)

_pending: contextvars.ContextVar[dict[int, Project] | None] = contextvars.ContextVar(
    "planning_reschedule_pending", default=None
)


def schedule_of(project: Project) -> ProjectSchedule:
    """The project's schedule settings, made on first use (starting at the planned start)."""
    schedule = ProjectSchedule.objects.filter(project=project).first()
    if schedule is None:
        start = project.planned_start or timezone.localdate()
        schedule, _created = ProjectSchedule.objects.get_or_create(
            project=project, defaults={"start_on": start}
        )
    return schedule


def calendar_of(schedule: ProjectSchedule) -> WorkingCalendar:
    return get_calendar(schedule.calendar_code or None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect reschedule requests and run each project once at the end of the block."""
    if _pending.get() is not None:  # nested: the outer block runs them
        yield
        return
    token = _pending.set({})
    try:
        yield
        pending = _pending.get() or {}
    finally:
        _pending.reset(token)
    for project in pending.values():
        with transaction.atomic():  # as every service: the project locked while it is dated
            reschedule(lock_project(project))


def request_reschedule(project: Project) -> None:
    pending = _pending.get()
    if pending is None:
        reschedule(project)
    else:
        pending[project.pk] = project


@dataclass(frozen=True, slots=True)
class DayScale:
    """Working-day offsets ↔ dates for one schedule."""

    calendar: WorkingCalendar
    day0: dt.date

    @classmethod
    def of(cls, schedule: ProjectSchedule) -> DayScale:
        calendar = calendar_of(schedule)
        return cls(calendar, calendar.add_working_days(schedule.start_on, 0))

    def day(self, offset: int) -> dt.date:
        """The working day with index `offset` (0 = day0; negative before it)."""
        return self.day0 if offset == 0 else self.calendar.add_working_days(self.day0, offset)

    def start_index(self, d: dt.date) -> int:
        """Index of the first working day on or after d."""
        return self.calendar.working_days_between(self.day0, self.calendar.add_working_days(d, 0))

    def end_offset(self, d: dt.date) -> int:
        """Offset just after the last working day on or before d (an end of day)."""
        return self.calendar.working_days_between(self.day0, d) + 1

    def task_dates(self, es: int, ef: int, milestone: bool) -> tuple[dt.date, dt.date]:
        if milestone:
            day = self.day(max(es - 1, 0)) if es > 0 else self.day0
            return day, day
        return self.day(es), self.day(max(ef - 1, es))


def describe_cycle(tasks: list[WbsTask], cycle: list[int]) -> str:
    return " → ".join(str(tasks[i]) for i in [*cycle, cycle[0]])


def reschedule(project: Project) -> ProjectSchedule:
    """Compute the project's dates and store them on its tasks and schedule (caller holds the
    project lock). Raises ApplicationError for a cycle or dates the calendar cannot answer."""
    schedule = schedule_of(project)
    scale = DayScale.of(schedule)
    tasks = list(WbsTask.objects.filter(project=project).order_by("row", "id"))
    stored = {t.pk: _computed(t) for t in tasks}
    leaves = [t for t in tasks if t.kind != TaskKind.SUMMARY]
    index = {t.pk: i for i, t in enumerate(leaves)}
    links = []
    for pred, succ, kind, lag in Dependency.objects.filter(project=project).values_list(
        "predecessor_id", "successor_id", "kind", "lag_days"
    ):
        if pred in index and succ in index:
            links.append((index[pred], index[succ], kind, lag))
    durations = [0 if t.kind == TaskKind.MILESTONE else t.duration_days for t in leaves]
    options = _engine_options(schedule, scale, leaves)
    try:
        result = compute(durations, links, **options)
    except CycleError as exc:
        raise ApplicationError(
            _("These tasks depend on each other in a circle: %(cycle)s. Remove one of the links.")
            % {"cycle": describe_cycle(leaves, exc.cycle)},
            "cycle",
            detail={"tasks": [leaves[i].pk for i in exc.cycle]},
            status=409,
        ) from exc
    except ValueError as exc:
        raise ApplicationError(str(exc), "schedule_invalid", status=409) from exc

    for i, task in enumerate(leaves):
        task.early_start, task.early_finish = result.es[i], result.ef[i]
        task.late_start, task.late_finish = result.ls[i], result.lf[i]
        task.total_float, task.free_float = result.total_float[i], result.free_float[i]
        task.critical = result.critical[i]
        task.start_on, task.finish_on = scale.task_dates(
            result.es[i], result.ef[i], task.kind == TaskKind.MILESTONE
        )
        # What happened is shown as it happened, also on a day off.
        task.start_on = task.actual_start_on or task.start_on
        task.finish_on = task.actual_finish_on or task.finish_on
    _roll_up(tasks, scale)
    # An edit moves a few tasks: write only those (this runs after every change).
    store_fields([t for t in tasks if _computed(t) != stored[t.pk]], COMPUTED_FIELDS)

    finishes = [t.finish_on for t in leaves if t.finish_on]
    schedule.finish_on = max(finishes) if finishes else None
    schedule.computed_at = timezone.now()
    schedule.revision += 1
    schedule.save(update_fields=["finish_on", "computed_at", "revision"])
    from .baseline import check_slips  # imports this module

    check_slips(project)
    return schedule


def _computed(task: WbsTask) -> tuple:
    return tuple(getattr(task, name) for name in COMPUTED_FIELDS)


def store_fields(tasks: list[WbsTask], fields: tuple[str, ...] | list[str]) -> None:
    """Write `fields` of `tasks` in one batched statement. bulk_update builds a CASE per field
    and row through the ORM, seconds for a few thousand tasks; executemany takes milliseconds."""
    if not tasks:
        return
    connection = connections[router.db_for_write(WbsTask)]
    meta, quote = WbsTask._meta, connection.ops.quote_name
    by_name = {field.name: field for field in meta.concrete_fields}
    columns = [by_name[name] for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(column.column or column.attname)} = %s" for column in columns),
        quote(meta.pk.attname if meta.pk else "id"),
    )
    rows = [
        [c.get_db_prep_save(getattr(t, c.attname), connection) for c in columns] + [t.pk]
        for t in tasks
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _engine_options(schedule: ProjectSchedule, scale: DayScale, leaves: list[WbsTask]) -> dict:
    options: dict = {}
    constraints: dict[int, tuple[str, int]] = {}
    actual_start: dict[int, int] = {}
    actual_finish: dict[int, int] = {}
    remaining: dict[int, int] = {}
    status = schedule.status_on or timezone.localdate()
    status_offset = max(scale.end_offset(status), 0)
    for i, task in enumerate(leaves):
        milestone = task.kind == TaskKind.MILESTONE
        for when in (task.actual_start_on, task.actual_finish_on):
            if when and when > status:
                raise ApplicationError(
                    _(
                        "“%(task)s” has an actual date (%(d)s) after the status date "
                        "%(status)s. Move the status date or correct the actual date."
                    )
                    % {"task": task, "d": when.isoformat(), "status": status.isoformat()},
                    "actual_after_status",
                    status=409,
                )
        if task.constraint_type != ConstraintType.ASAP and task.constraint_on:
            when = task.constraint_on
            if task.constraint_type == ConstraintType.FNLT or milestone:
                offset = scale.end_offset(when)
            else:
                offset = scale.start_index(when)
            constraints[i] = (task.constraint_type.upper(), max(offset, 0))
        if task.actual_start_on:
            # Work may start or finish on a day off (a weekend cut-over): the start is pulled
            # back so the task keeps at least a day, and nothing lands after the status date.
            begin = max(scale.start_index(task.actual_start_on), 0)
            if task.actual_finish_on:
                end = max(scale.end_offset(task.actual_finish_on), 0 if milestone else 1)
                actual_start[i] = end if milestone else min(begin, end - 1)
                actual_finish[i] = end
            else:
                actual_start[i] = min(begin, status_offset)
                if task.remaining_days is not None:
                    remaining[i] = task.remaining_days
                elif task.percent_complete:
                    left = task.duration_days * (100 - task.percent_complete)
                    remaining[i] = -(-left // 100)
    if constraints:
        options["constraints"] = constraints
    if schedule.deadline_on:
        options["deadline"] = max(scale.end_offset(schedule.deadline_on), 0)
    if actual_start:
        options["actual_start"] = actual_start
        options["actual_finish"] = actual_finish
        options["remaining"] = remaining
        # Work done before the schedule start is clamped to its first day, maybe past a status
        # date that is also before it: the engine refuses an actual finish after the status date.
        options["status_date"] = max(status_offset, *actual_finish.values(), 0)
    return options


def _roll_up(tasks: list[WbsTask], scale: DayScale) -> None:
    """Summaries span their children, deepest first (rows are in pre-order)."""
    children: dict[int, list[WbsTask]] = {}
    for task in tasks:
        if task.parent_id is not None:
            children.setdefault(task.parent_id, []).append(task)
    for task in reversed(tasks):
        if task.kind != TaskKind.SUMMARY:
            continue
        kids = [k for k in children.get(task.pk, []) if k.early_start is not None]
        if not kids:
            task.start_on = task.finish_on = None
            task.early_start = task.early_finish = task.late_start = task.late_finish = None
            task.total_float = task.free_float = None
            task.critical = False
            task.duration_days = 0
            continue
        task.early_start = min(k.early_start for k in kids)  # type: ignore[type-var]
        task.early_finish = max(k.early_finish for k in kids)  # type: ignore[type-var]
        task.late_start = min(k.late_start for k in kids)  # type: ignore[type-var]
        task.late_finish = max(k.late_finish for k in kids)  # type: ignore[type-var]
        task.total_float = min(k.total_float for k in kids)  # type: ignore[type-var]
        task.free_float = min(k.free_float for k in kids)  # type: ignore[type-var]
        task.critical = any(k.critical for k in kids)
        task.start_on = min(k.start_on for k in kids if k.start_on)
        task.finish_on = max(k.finish_on for k in kids if k.finish_on)
        task.duration_days = max(task.early_finish - task.early_start, 0)  # type: ignore[operator]
        weights = [(max(k.duration_days, 1), k.percent_complete) for k in kids]
        total = sum(w for w, _p in weights)
        task.percent_complete = round(sum(w * p for w, p in weights) / total) if total else 0
