"""The work breakdown structure: tasks in a tree, dependencies, assignments, schedule settings.

The PM (the assistant or the PMO may help) builds it once the project is initiated and keeps it
current until trial run (`rules.SCHEDULE_EDITABLE`); it is frozen while the implementation plan
is in review. Every service locks the project row, checks inside the lock, writes the audit and
asks the scheduler to re-date the project in the same transaction, so a refusal (a cycle, a date
the calendar cannot answer) leaves nothing changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, scope_of
from epm.core.errors import ApplicationError
from epm.core.models import CompanyCalendar, User
from epm.projects.models import Project
from epm.projects.services import lock_project

from .. import rules
from ..models import (
    Assignment,
    ConstraintType,
    Dependency,
    LinkKind,
    ProjectSchedule,
    TaskKind,
    WbsTask,
)
from .plan import pending_plan_request
from .scheduler import DayScale, deferred, request_reschedule, schedule_of, store_fields

MAX_TASKS = 5_000
MAX_DEPTH = 12
MAX_DURATION = 10_000  # working days, about forty years
MAX_LAG = 1_000
MAX_HOURS = Decimal("100000")
TASK_FIELDS = (
    "name",
    "kind",
    "duration_days",
    "constraint_type",
    "constraint_on",
    "actual_start_on",
    "actual_finish_on",
    "percent_complete",
    "remaining_days",
    "work_products",
    "notes",
)
# A summary's dates and progress are its subtasks'.
SUMMARY_IGNORES = frozenset(TASK_FIELDS) - {"name", "work_products", "notes"}
RENUMBERED_FIELDS = (
    "row",
    "position",
    "outline",
    "kind",
    "duration_days",
    "constraint_type",
    "constraint_on",
    "remaining_days",
    "percent_complete",
)
SCHEDULE_FIELDS = ("start_on", "status_on", "deadline_on", "calendar_code", "slip_threshold_days")


def lock_for_schedule(actor: User, project: Project) -> Project:
    """The project locked, after checking its schedule may be changed by `actor` now."""
    project = lock_project(project)
    rules.check_schedule_editable(
        actor, project, plan_in_review=pending_plan_request(project) is not None
    )
    return project


# --- Reading input ------------------------------------------------------------------------------


def _text(value: Any, label: str, limit: int, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ApplicationError(_("%(field)s is required.") % {"field": label}, "required")
    if len(text) > limit:
        raise ApplicationError(
            _("%(field)s is longer than %(n)d characters.") % {"field": label, "n": limit},
            "too_long",
        )
    return text


def whole_number(value: Any, label: str, low: int, high: int) -> int:
    """An int from an int or a string of ASCII digits, within [low, high]; bools refused."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii():
        text = value.strip()
        if text.removeprefix("-").isdigit():
            value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int or not low <= value <= high:
        raise ApplicationError(
            _("%(field)s must be a whole number from %(low)d to %(high)d.")
            % {"field": label, "low": low, "high": high},
            "invalid_number",
        )
    return value


def a_date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            _("%(field)s is not a date (YYYY-MM-DD).") % {"field": label}, "invalid_date"
        ) from None


def _clean_task(task: WbsTask, fields: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply `fields` to `task` after checking each; returns the audit changes."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    label = {f.name: str(f.verbose_name) for f in WbsTask._meta.fields}
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            values[name] = _text(value, label[name], 200, required=True)
        elif name in ("work_products", "notes"):
            values[name] = _text(value, label[name], 5_000)
        elif name == "kind":
            if value not in (TaskKind.TASK, TaskKind.MILESTONE):
                raise ApplicationError(
                    _("A task is a task or a milestone; summaries come from subtasks."),
                    "invalid_kind",
                )
            values[name] = value
        elif name == "duration_days":
            values[name] = whole_number(value, label[name], 0, MAX_DURATION)
        elif name == "percent_complete":
            values[name] = whole_number(value, label[name], 0, 100)
        elif name == "remaining_days":
            values[name] = (
                None if value in (None, "") else whole_number(value, label[name], 0, MAX_DURATION)
            )
        elif name == "constraint_type":
            if value not in ConstraintType.values:
                raise ApplicationError(
                    _("The constraint must be one of: %(kinds)s.")
                    % {"kinds": ", ".join(str(c.label) for c in ConstraintType)},
                    "invalid_constraint",
                )
            values[name] = value
        else:  # the dates
            values[name] = a_date(value, label[name])

    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        before = getattr(task, name)
        if before != value:
            changes[name] = [_plain(before), _plain(value)]
            setattr(task, name, value)
    _check_task(task)
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _check_task(task: WbsTask) -> None:
    """The rules that tie a task's fields together."""
    if task.kind == TaskKind.TASK and task.duration_days == 0:
        task.kind = TaskKind.MILESTONE  # zero duration is a milestone, as in MS Project
    if task.kind == TaskKind.MILESTONE:
        task.duration_days = 0
        task.remaining_days = None
    elif task.kind != TaskKind.SUMMARY and task.work_products:
        raise ApplicationError(
            _("Work products are attached to milestones."), "work_products_on_task"
        )
    if task.constraint_type == ConstraintType.ASAP:
        task.constraint_on = None
    elif task.constraint_on is None:
        raise ApplicationError(
            _("The constraint “%(c)s” needs a date.")
            % {"c": ConstraintType(task.constraint_type).label},
            "constraint_date_required",
        )
    if task.kind == TaskKind.MILESTONE and task.actual_start_on and not task.actual_finish_on:
        task.actual_finish_on = task.actual_start_on  # a milestone is reached, not worked on
    if task.actual_finish_on and not task.actual_start_on:
        if task.kind == TaskKind.MILESTONE:
            task.actual_start_on = task.actual_finish_on
        else:
            raise ApplicationError(
                _("A task cannot finish before it has started: give the actual start too."),
                "actual_start_required",
            )
    if (
        task.actual_start_on
        and task.actual_finish_on
        and task.actual_finish_on < task.actual_start_on
    ):
        raise ApplicationError(
            _("The actual finish is before the actual start."), "actual_finish_before_start"
        )
    today = timezone.localdate()
    for when in (task.actual_start_on, task.actual_finish_on):
        if when and when > today:
            raise ApplicationError(
                _("Actual dates record what happened: %(d)s is in the future.")
                % {"d": when.isoformat()},
                "actual_in_future",
            )
    if task.remaining_days is not None and task.remaining_days > task.duration_days:
        raise ApplicationError(
            _("The remaining duration is longer than the task."), "remaining_too_long"
        )
    if task.actual_finish_on:
        task.percent_complete = 100
        task.remaining_days = 0 if task.kind != TaskKind.MILESTONE else None
    elif task.percent_complete == 100 and task.kind != TaskKind.SUMMARY:
        raise ApplicationError(
            _("A task 100%% complete needs its actual finish date."), "actual_finish_required"
        )


# --- The tree -------------------------------------------------------------------------------------


def renumber(project: Project) -> list[WbsTask]:
    """Rewrite rows (pre-order), positions, outline codes and summary kinds from the tree."""
    tasks = list(WbsTask.objects.filter(project=project).order_by("position", "id"))
    children: dict[int | None, list[WbsTask]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    changed: list[WbsTask] = []
    ordered: list[WbsTask] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for position, task in enumerate(children.get(parent, []), start=1):
            outline = f"{prefix}{position}"
            kids = children.get(task.pk, [])
            kind = task.kind
            if kids and kind != TaskKind.SUMMARY:
                # A summary spans its subtasks: a constraint of its own would be ignored.
                kind = TaskKind.SUMMARY
                task.constraint_type, task.constraint_on = ConstraintType.ASAP, None
                task.remaining_days = None
            elif not kids and kind == TaskKind.SUMMARY:
                # Its rolled-up span and progress were its subtasks'; work products make it
                # the milestone it was.
                kind = TaskKind.MILESTONE if task.work_products else TaskKind.TASK
                task.duration_days = 0 if task.work_products else max(task.duration_days, 1)
                task.percent_complete = 0
            new = (len(ordered), position - 1, outline, kind)
            if (task.row, task.position, task.outline, task.kind) != new:
                task.row, task.position, task.outline, task.kind = new
                changed.append(task)
            ordered.append(task)
            walk(task.pk, f"{outline}.", depth + 1)

    walk(None, "", 1)
    store_fields(changed, RENUMBERED_FIELDS)
    return ordered


def _depth(task: WbsTask | None) -> int:
    depth = 0
    while task is not None:
        depth += 1
        task = task.parent
    return depth


def _height(task: WbsTask) -> int:
    """Levels of the subtree under `task`, itself included."""
    height, level = 1, [task.pk]
    while level := list(WbsTask.objects.filter(parent_id__in=level).values_list("pk", flat=True)):
        height += 1
    return height


def _this_parent(project: Project, parent: WbsTask | None) -> WbsTask | None:
    """The parent as stored now (read inside the lock), or a refusal when not of this project."""
    if parent is None:
        return None
    found = WbsTask.objects.filter(pk=parent.pk, project=project).first()
    if found is None:
        raise ApplicationError(_("The parent task is not in this project."), "unknown_task")
    return found


def _check_parent(project: Project, parent: WbsTask | None, moving: WbsTask | None = None) -> None:
    if parent is None:
        return
    if parent.project_id != project.pk:
        raise ApplicationError(_("The parent task is not in this project."), "unknown_task")
    ancestor: WbsTask | None = parent
    while ancestor is not None:
        if moving is not None and ancestor.pk == moving.pk:
            raise ApplicationError(
                _("A task cannot be moved under itself or its own subtasks."), "move_into_self"
            )
        ancestor = ancestor.parent
    if _depth(parent) + (_height(moving) if moving is not None else 1) > MAX_DEPTH:
        raise ApplicationError(
            _("The WBS is at most %(n)d levels deep.") % {"n": MAX_DEPTH}, "too_deep"
        )
    if parent.kind == TaskKind.SUMMARY:
        return
    if parent.kind == TaskKind.MILESTONE:
        # A milestone is a point in time (often a contract date): it has no work under it.
        raise ApplicationError(
            _(
                "“%(task)s” is a milestone, so it cannot get subtasks. Put the tasks before it "
                "and link them to it."
            )
            % {"task": parent},
            "subtasks_under_milestone",
            status=409,
        )
    if parent.successor_links.exists() or parent.predecessor_links.exists():
        raise ApplicationError(
            _(
                "“%(task)s” has dependencies, so it cannot get subtasks: links join tasks, not "
                "summaries. Move its links to the subtasks first."
            )
            % {"task": parent},
            "links_on_summary",
            status=409,
        )
    # A summary's people and progress are its subtasks': nothing of the task is dropped.
    if parent.assignments.exists():
        raise ApplicationError(
            _(
                "People are assigned to “%(task)s”, so it cannot get subtasks: a summary's "
                "work is its subtasks'. Remove the assignments first and assign the subtasks."
            )
            % {"task": parent},
            "assignments_on_summary",
            status=409,
        )
    if parent.actual_start_on or parent.actual_finish_on:
        raise ApplicationError(
            _(
                "“%(task)s” has actual dates, so it cannot get subtasks: a summary's progress "
                "is its subtasks'. Clear its actual dates first."
            )
            % {"task": parent},
            "actuals_on_summary",
            status=409,
        )


def _audit(actor: User, action: str, target: Any, project: Project, changes: dict) -> None:
    audit_record(
        actor=actor, action=action, target=target, scope=scope_of(project), changes=changes
    )


@transaction.atomic
def task_add(
    *,
    actor: User,
    project: Project,
    name: Any,
    parent: WbsTask | None = None,
    position: int | None = None,
    **fields: Any,
) -> WbsTask:
    """Add a task under `parent` (top level when None) at `position` (last when None)."""
    project = lock_for_schedule(actor, project)
    if WbsTask.objects.filter(project=project).count() >= MAX_TASKS:
        raise ApplicationError(
            _("A schedule has at most %(n)d tasks.") % {"n": MAX_TASKS}, "too_many_tasks"
        )
    parent = _this_parent(project, parent)
    _check_parent(project, parent)
    schedule_of(project)
    task = WbsTask(project=project, parent=parent, name="")
    fields = {"name": name, **fields}
    _clean_task(task, fields)
    siblings = WbsTask.objects.filter(project=project, parent=parent)
    if position is None:
        task.position = siblings.count()
    else:
        task.position = whole_number(position, _("position"), 0, MAX_TASKS)
        siblings.filter(position__gte=task.position).update(position=F("position") + 1)
    task.save()
    renumber(project)
    task.refresh_from_db()
    _audit(actor, "planning.task_add", task, project, {"name": [None, task.name]})
    request_reschedule(project)
    return task


@transaction.atomic
def task_update(*, actor: User, task: WbsTask, **fields: Any) -> WbsTask:
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.get(pk=task.pk, project=project)
    if task.kind == TaskKind.SUMMARY:
        fields = {k: v for k, v in fields.items() if k not in SUMMARY_IGNORES}
    changes = _clean_task(task, fields)
    if not changes:
        return task
    task.save()
    _audit(actor, "planning.task_update", task, project, changes)
    request_reschedule(project)
    task.refresh_from_db()
    return task


@transaction.atomic
def task_delete(*, actor: User, task: WbsTask) -> None:
    """Delete a task with its subtasks and their links (baselines keep their copies)."""
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.get(pk=task.pk, project=project)
    _audit(actor, "planning.task_delete", task, project, {"name": [task.name, None]})
    task.delete()
    renumber(project)
    request_reschedule(project)


@transaction.atomic
def task_move(
    *, actor: User, task: WbsTask, parent: WbsTask | None, position: int | None = None
) -> WbsTask:
    """Move a task (with its subtasks) under `parent` at `position` among the siblings."""
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.get(pk=task.pk, project=project)
    parent = _this_parent(project, parent)
    _check_parent(project, parent, moving=task)
    siblings = list(
        WbsTask.objects.filter(project=project, parent=parent)
        .exclude(pk=task.pk)
        .order_by("position", "id")
    )
    at = len(siblings) if position is None else whole_number(position, _("position"), 0, MAX_TASKS)
    siblings.insert(min(at, len(siblings)), task)
    before = [task.parent_id, task.outline]
    task.parent = parent
    for number, sibling in enumerate(siblings):
        sibling.position = number
    WbsTask.objects.bulk_update(siblings, ["position", "parent"])
    renumber(project)
    task.refresh_from_db()
    _audit(actor, "planning.task_move", task, project, {"outline": [before[1], task.outline]})
    request_reschedule(project)
    return task


@transaction.atomic
def task_indent(*, actor: User, task: WbsTask) -> WbsTask:
    """Make the task the last subtask of the sibling above it."""
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.get(pk=task.pk, project=project)
    above = (
        WbsTask.objects.filter(
            project=project, parent_id=task.parent_id, position__lt=task.position
        )
        .order_by("-position", "-id")
        .first()
    )
    if above is None:
        raise ApplicationError(
            _("There is no task above at the same level to indent under."), "cannot_indent"
        )
    return task_move(actor=actor, task=task, parent=above, position=None)


@transaction.atomic
def task_outdent(*, actor: User, task: WbsTask) -> WbsTask:
    """Make the task the sibling right after its parent."""
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.select_related("parent").get(pk=task.pk, project=project)
    if task.parent is None:
        raise ApplicationError(_("The task is already at the top level."), "cannot_outdent")
    parent = task.parent
    return task_move(actor=actor, task=task, parent=parent.parent, position=parent.position + 1)


# --- Dependencies -------------------------------------------------------------------------------


def _link_fields(kind: Any, lag_days: Any) -> tuple[str, int]:
    if kind not in LinkKind.values:
        raise ApplicationError(
            _("The dependency type must be one of FS, SS, FF, SF."), "invalid_link_kind"
        )
    return kind, whole_number(lag_days, _("lag (working days)"), -MAX_LAG, MAX_LAG)


@transaction.atomic
def link_add(
    *,
    actor: User,
    project: Project,
    predecessor: WbsTask,
    successor: WbsTask,
    kind: Any = LinkKind.FS,
    lag_days: Any = 0,
) -> Dependency:
    project = lock_for_schedule(actor, project)
    kind, lag = _link_fields(kind, lag_days)
    ends = {
        t.pk: t
        for t in WbsTask.objects.filter(project=project, pk__in=[predecessor.pk, successor.pk])
    }
    if predecessor.pk not in ends or successor.pk not in ends:
        raise ApplicationError(_("Both tasks must be in this project."), "unknown_task", status=404)
    if predecessor.pk == successor.pk:
        raise ApplicationError(_("A task cannot depend on itself."), "self_link")
    for end in ends.values():
        if end.kind == TaskKind.SUMMARY:
            raise ApplicationError(
                _("“%(task)s” is a summary: link its subtasks instead.") % {"task": end},
                "links_on_summary",
            )
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ApplicationError(
            _("“%(s)s” already depends on “%(p)s”.")
            % {"s": ends[successor.pk], "p": ends[predecessor.pk]},
            "duplicate_link",
            status=409,
        )
    link = Dependency.objects.create(
        project=project, predecessor=predecessor, successor=successor, kind=kind, lag_days=lag
    )
    _audit(
        actor,
        "planning.link_add",
        link,
        project,
        {
            "link": [
                None,
                f"{ends[predecessor.pk].outline} {kind}{lag:+d} {ends[successor.pk].outline}",
            ]
        },
    )
    request_reschedule(project)
    return link


@transaction.atomic
def link_update(
    *, actor: User, link: Dependency, kind: Any = None, lag_days: Any = None
) -> Dependency:
    project = lock_for_schedule(actor, link.project)
    link = Dependency.objects.get(pk=link.pk, project=project)
    new_kind, lag = _link_fields(
        link.kind if kind is None else kind, link.lag_days if lag_days is None else lag_days
    )
    changes: dict[str, list[Any]] = {}
    if new_kind != link.kind:
        changes["kind"] = [link.kind, new_kind]
    if lag != link.lag_days:
        changes["lag_days"] = [link.lag_days, lag]
    if not changes:
        return link
    link.kind, link.lag_days = new_kind, lag
    link.save(update_fields=["kind", "lag_days"])
    _audit(actor, "planning.link_update", link, project, changes)
    request_reschedule(project)
    return link


@transaction.atomic
def link_delete(*, actor: User, link: Dependency) -> None:
    project = lock_for_schedule(actor, link.project)
    link = Dependency.objects.select_related("predecessor", "successor").get(
        pk=link.pk, project=project
    )
    _audit(
        actor,
        "planning.link_delete",
        link,
        project,
        {"link": [f"{link.predecessor.outline} {link.kind} {link.successor.outline}", None]},
    )
    link.delete()
    request_reschedule(project)


# --- Assignments --------------------------------------------------------------------------------


def _hours(value: Any) -> Decimal:
    if isinstance(value, bool):
        value = None
    try:
        hours = Decimal(str(value).strip())
        if hours.is_finite():  # rounded first: 0.04 would be stored as 0.0
            hours = hours.quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if not hours.is_finite() or not Decimal(0) < hours <= MAX_HOURS:
        raise ApplicationError(
            _("Planned hours must be a number above 0 and at most %(n)s.") % {"n": MAX_HOURS},
            "invalid_hours",
        )
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def assignment_set(*, actor: User, task: WbsTask, user: User, planned_hours: Any) -> Assignment:
    """Put a person on a task with planned hours (changing the hours when already on it)."""
    project = lock_for_schedule(actor, task.project)
    task = WbsTask.objects.get(pk=task.pk, project=project)
    if task.kind == TaskKind.SUMMARY:
        raise ApplicationError(
            _("Assign people to the subtasks of a summary, not to the summary."),
            "assignment_on_summary",
        )
    if not user.is_active:
        raise ApplicationError(_("%(u)s is not active.") % {"u": user.name}, "inactive_user")
    hours = _hours(planned_hours)
    assignment = Assignment.objects.filter(task=task, user=user).first()
    before = assignment.planned_hours if assignment else None
    if assignment is None:
        assignment = Assignment.objects.create(task=task, user=user, planned_hours=hours)
    elif assignment.planned_hours != hours:
        assignment.planned_hours = hours
        assignment.save(update_fields=["planned_hours"])
    else:
        return assignment
    _audit(
        actor,
        "planning.assignment_set",
        assignment,
        project,
        {"planned_hours": [None if before is None else str(before), str(hours)]},
    )
    return assignment


@transaction.atomic
def assignment_remove(*, actor: User, assignment: Assignment) -> None:
    project = lock_for_schedule(actor, assignment.task.project)
    assignment = Assignment.objects.get(pk=assignment.pk, task__project=project)
    _audit(
        actor,
        "planning.assignment_remove",
        assignment,
        project,
        {"planned_hours": [str(assignment.planned_hours), None]},
    )
    assignment.delete()


# --- Settings and dragging ----------------------------------------------------------------------


@transaction.atomic
def schedule_update(*, actor: User, project: Project, **fields: Any) -> ProjectSchedule:
    """Change the schedule's start, status date, deadline, calendar or slip threshold."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project = lock_for_schedule(actor, project)
    schedule = schedule_of(project)
    label = {f.name: str(f.verbose_name) for f in ProjectSchedule._meta.fields}
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        if name in ("start_on", "status_on", "deadline_on"):
            new: Any = a_date(value, label[name])
            if name == "start_on" and new is None:
                raise ApplicationError(_("The schedule needs a start date."), "required")
            if name == "status_on" and new and new > timezone.localdate():
                raise ApplicationError(
                    _("The status date cannot be in the future."), "status_in_future"
                )
        elif name == "slip_threshold_days":
            new = whole_number(value, label[name], 0, 365)
        else:
            new = _text(value, label[name], 40)
            if new and not CompanyCalendar.objects.filter(code=new).exists():
                raise ApplicationError(
                    _("There is no working calendar “%(c)s”.") % {"c": new}, "unknown_calendar"
                )
        if getattr(schedule, name) != new:
            changes[name] = [_plain(getattr(schedule, name)), _plain(new)]
            setattr(schedule, name, new)
    if changes:
        schedule.save()
        _audit(actor, "planning.schedule_update", schedule, project, changes)
        request_reschedule(project)
        schedule.refresh_from_db()
    return schedule


@dataclass(frozen=True, slots=True)
class Move:
    task_id: int
    start_before: dt.date | None
    finish_before: dt.date | None
    start_on: dt.date | None
    finish_on: dt.date | None


def _dates(project: Project) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    return {
        pk: (start, finish)
        for pk, start, finish in WbsTask.objects.filter(project=project).values_list(
            "pk", "start_on", "finish_on"
        )
    }


@transaction.atomic
def task_drag(
    *,
    actor: User,
    task: WbsTask,
    start_on: Any = None,
    finish_on: Any = None,
    revision: Any = None,
) -> list[Move]:
    """What dragging a bar in the Gantt does, as in MS Project: moving the bar sets "start no
    earlier than" its new start; dragging its end sets the duration. Returns every task whose
    dates changed, so the chart can show the successors that moved."""
    project = lock_for_schedule(actor, task.project)
    schedule = schedule_of(project)
    if (
        revision not in (None, "")
        and whole_number(revision, "revision", 0, 2**31) != schedule.revision
    ):
        raise ApplicationError(
            _("The schedule was changed by someone else since you opened it. Reload the page."),
            "stale_revision",
            status=409,
        )
    task = WbsTask.objects.get(pk=task.pk, project=project)
    if task.kind == TaskKind.SUMMARY:
        raise ApplicationError(
            _("A summary follows its subtasks: move the subtasks instead."), "drag_summary"
        )
    before = _dates(project)
    start = a_date(start_on, _("start"))
    finish = a_date(finish_on, _("finish"))
    fields: dict[str, Any] = {}
    if start is not None and start != task.start_on:
        fields["constraint_type"] = ConstraintType.SNET
        fields["constraint_on"] = start
    if finish is not None and task.kind == TaskKind.TASK:
        scale = DayScale.of(schedule)
        begin = start or task.start_on or schedule.start_on
        days = scale.calendar.working_days_between(begin, finish) + (
            1 if scale.calendar.is_working_day(begin) else 0
        )
        if days < 1:
            raise ApplicationError(_("The finish is before the start."), "finish_before_start")
        fields["duration_days"] = min(days, MAX_DURATION)
    if fields:
        changes = _clean_task(task, fields)
        if changes:
            task.save()
            _audit(actor, "planning.task_drag", task, project, changes)
            request_reschedule(project)
    after = _dates(project)
    return [
        Move(pk, *before.get(pk, (None, None)), *dates)
        for pk, dates in after.items()
        if before.get(pk) != dates
    ]


@transaction.atomic
def wbs_from_preliminary(*, actor: User, project: Project) -> list[WbsTask]:
    """Start an empty WBS from the initiation's preliminary schedule: each milestone becomes a
    milestone due ("finish no later than") on its planned date, with its work products."""
    project = lock_for_schedule(actor, project)
    if WbsTask.objects.filter(project=project).exists():
        raise ApplicationError(
            _("The WBS already has tasks; the preliminary milestones are only a starting point."),
            "wbs_not_empty",
            status=409,
        )
    milestones = list(project.milestones.all())
    if not milestones:
        raise ApplicationError(
            _("The initiation has no preliminary milestones to start from."), "no_milestones"
        )
    with deferred():
        made = [
            task_add(
                actor=actor,
                project=project,
                name=milestone.name,
                kind=TaskKind.MILESTONE,
                constraint_type=ConstraintType.FNLT,
                constraint_on=milestone.planned_on,
                work_products=milestone.work_products,
            )
            for milestone in milestones
        ]
    return made
