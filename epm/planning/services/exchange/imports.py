"""The import services: one transaction that swaps the project's WBS for a file's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, scope_of
from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.interop import mspdi, wbs_excel
from epm.interop.excel import CellError
from epm.projects.models import Project

from ... import rules
from ...models import Assignment, Dependency, TaskKind, WbsTask
from .. import wbs
from ..scheduler import deferred, request_reschedule, schedule_of
from .plans import Item, Plan, calendar_warnings, plan_from_mspdi, plan_from_sheet
from .uploads import (
    MAX_FILE_BYTES,
    check_mode,
    file_kind,
    mspdi_error,
    read_upload,
    rows_refused,
)

MAX_WARNINGS = 100


@dataclass(frozen=True)
class ImportResult:
    source: str  # "xlsx", "mspdi" or "mpxj"
    tasks: int
    links: int
    assignments: int
    removed: int  # tasks of the WBS the import replaced
    start_on: dt.date
    finish_on: dt.date | None
    warnings: list[str] = field(default_factory=list)


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def import_schedule_file(
    *, actor: User, project: Project, file: IO[bytes] | bytes, filename: str = "", mode="replace"
) -> ImportResult:
    """Import whichever kind of file was uploaded (see `file_kind`)."""
    check_mode(mode)
    data = read_upload(file)
    filename = filename or str(getattr(file, "name", "") or "")
    kind = file_kind(filename, data)
    if kind == "xlsx":
        return import_wbs_excel(actor=actor, project=project, data=data, filename=filename)
    if kind == "mpxj":
        return import_mpxj(actor=actor, project=project, data=data, filename=filename)
    return import_mspdi(actor=actor, project=project, data=data, filename=filename, mode=mode)


@transaction.atomic
def import_mspdi(
    *,
    actor: User,
    project: Project,
    data: IO[bytes] | bytes,
    mode: str = "replace",
    filename: str = "",
    source: str = "mspdi",
) -> ImportResult:
    """Replace the project's WBS with the tasks of an MS Project XML file."""
    check_mode(mode)
    content = read_upload(data)
    project = wbs.lock_for_schedule(actor, project)
    try:
        parsed = mspdi.parse(content)
    except mspdi.MspdiError as error:
        raise mspdi_error(error) from None
    plan = plan_from_mspdi(parsed)
    plan.source, plan.filename = source, filename or str(getattr(data, "name", "") or "")
    plan.warnings.extend(calendar_warnings(project, parsed))
    return _replace(actor, project, plan)


@transaction.atomic
def import_mpxj(
    *, actor: User, project: Project, data: IO[bytes] | bytes, filename: str = ""
) -> ImportResult:
    """An .mpp, .xer or other file mpxj reads, converted to MSPDI and imported as such."""
    from epm.interop import mpxj_import

    content = read_upload(data)
    if not rules.can_edit_schedule(actor, project):
        wbs.lock_for_schedule(actor, project)  # raises the reason
    # Converted before the project is locked: Java may take a while.
    xml = mpxj_import.convert_to_mspdi(content, filename=filename)
    return import_mspdi(actor=actor, project=project, data=xml, filename=filename, source="mpxj")


@transaction.atomic
def import_wbs_excel(
    *, actor: User, project: Project, data: IO[bytes] | bytes, filename: str = ""
) -> ImportResult:
    """Replace the project's WBS with the rows of an Excel sheet (see `wbs_excel`). Every row
    must be right or nothing changes: the refusal lists each bad cell by row and column."""
    content = read_upload(data)
    project = wbs.lock_for_schedule(actor, project)
    try:
        sheet = wbs_excel.read_wbs(content, max_bytes=MAX_FILE_BYTES)
    except ApplicationError as error:
        if error.status == 422:  # a file that is no workbook is a bad request here
            error.status = 400
        raise
    if sheet.errors:
        raise rows_refused(sheet.errors)
    if not sheet.rows:
        raise ApplicationError(
            _("The sheet has no tasks under its header row."), "no_rows", status=400
        )
    plan = plan_from_sheet(sheet)
    plan.filename = filename or str(getattr(data, "name", "") or "")
    return _replace(actor, project, plan, sheet=sheet)


# --- Replacing the WBS --------------------------------------------------------------------------


_ROW_COLUMNS = {
    "work_products_on_task": "work_products",
    "constraint_date_required": "constraint_on",
    "invalid_constraint": "constraint_type",
    "invalid_number": "duration",
    "too_long": "name",
    "required": "name",
}


def _refuse_item(item: Item, error: ApplicationError, sheet: wbs_excel.WbsSheet | None):
    if sheet is not None and item.number is not None:
        key = _ROW_COLUMNS.get(error.code, "name")
        cell = CellError(item.number, sheet.header(key), error.message, error.code, key)
        return rows_refused([cell])
    return ApplicationError(
        _("%(task)s: %(message)s") % {"task": item.label, "message": error.message},
        error.code,
        detail={"task": item.label},
        status=error.status if error.status != 422 else 400,
    )


def _depths(items: list[Item]) -> dict[Any, int]:
    depth: dict[Any, int] = {}
    for item in items:
        depth[item.ref] = 1 if item.parent is None else depth[item.parent] + 1
    return depth


def _people(names: Iterable[str]) -> dict[str, User | None]:
    """Each resource name → the active person it names (login name first, then display name),
    or None when it names nobody or more than one person."""
    wanted = set(names)
    found: dict[str, User | None] = {}
    if not wanted:
        return found
    users = list(
        User.objects.filter(is_active=True).filter(
            Q(username__in=wanted) | Q(display_name__in=wanted)
        )
    )
    by_login = {u.username: u for u in users}
    by_name: dict[str, list[User]] = {}
    for user in users:
        if user.display_name:
            by_name.setdefault(user.display_name, []).append(user)
    for name in wanted:
        if name in by_login:
            found[name] = by_login[name]
        elif len(by_name.get(name, [])) == 1:
            found[name] = by_name[name][0]
        else:
            found[name] = None
    return found


def _replace(
    actor: User, project: Project, plan: Plan, sheet: wbs_excel.WbsSheet | None = None
) -> ImportResult:
    """Swap the project's WBS for the plan's (caller holds the lock, inside a transaction)."""
    if len(plan.items) > wbs.MAX_TASKS:
        raise ApplicationError(
            _("A schedule has at most %(n)d tasks; the file has %(m)d.")
            % {"n": wbs.MAX_TASKS, "m": len(plan.items)},
            "too_many_tasks",
            status=400,
        )
    if not plan.items:
        raise ApplicationError(_("The file has no tasks."), "no_rows", status=400)
    depths = _depths(plan.items)
    deepest = max(depths.values())
    if deepest > wbs.MAX_DEPTH:
        item = next(i for i in plan.items if depths[i.ref] == deepest)
        raise ApplicationError(
            _("%(task)s: the WBS is at most %(n)d levels deep.")
            % {"task": item.label, "n": wbs.MAX_DEPTH},
            "too_deep",
            status=400,
        )
    # Each task checked by the same rules as one typed in, before anything is written.
    tasks: dict[Any, WbsTask] = {}
    for item in plan.items:
        task = WbsTask(project=project, name="", external_uid=item.external_uid)
        if item.summary:
            task.kind = TaskKind.SUMMARY
            task.duration_days = 0
        try:
            wbs._clean_task(task, {"name": item.name, **item.fields})
        except ApplicationError as error:
            raise _refuse_item(item, error, sheet) from None
        tasks[item.ref] = task
    labels = {item.ref: item.label for item in plan.items}
    for link in plan.links:
        if abs(link.lag_days) > wbs.MAX_LAG:
            raise ApplicationError(
                _("%(task)s: the lag after %(other)s is more than %(n)d working days.")
                % {
                    "task": labels[link.successor],
                    "other": labels[link.predecessor],
                    "n": wbs.MAX_LAG,
                },
                "invalid_lag",
                status=400,
            )

    schedule = schedule_of(project)
    removed = WbsTask.objects.filter(project=project).count()
    before = {
        "tasks": removed,
        "links": Dependency.objects.filter(project=project).count(),
        "start_on": schedule.start_on.isoformat(),
    }
    with deferred():
        WbsTask.objects.filter(project=project).delete()
        if plan.start_on and plan.start_on != schedule.start_on:
            schedule.start_on = plan.start_on
            schedule.save(update_fields=["start_on"])
        _create_tasks(plan.items, tasks)
        wbs.renumber(project)
        Dependency.objects.bulk_create(
            Dependency(
                project=project,
                predecessor=tasks[link.predecessor],
                successor=tasks[link.successor],
                kind=link.kind,
                lag_days=link.lag_days,
            )
            for link in plan.links
        )
        assignments = _assignments(plan, tasks)
        Assignment.objects.bulk_create(assignments, batch_size=500)
        request_reschedule(project)

    schedule.refresh_from_db()
    warnings = plan.warnings
    if len(warnings) > MAX_WARNINGS:
        hidden = len(warnings) - MAX_WARNINGS
        warnings = [
            *warnings[:MAX_WARNINGS],
            _("… and %(n)d more warnings.") % {"n": hidden},
        ]
    result = ImportResult(
        source=plan.source,
        tasks=len(tasks),
        links=len(plan.links),
        assignments=len(assignments),
        removed=removed,
        start_on=schedule.start_on,
        finish_on=schedule.finish_on,
        warnings=warnings,
    )
    audit_record(
        actor=actor,
        action="planning.schedule_import",
        target=project,
        scope=scope_of(project),
        changes={
            "source": [None, plan.source],
            "tasks": [before["tasks"], result.tasks],
            "links": [before["links"], result.links],
            "start_on": [before["start_on"], schedule.start_on.isoformat()],
        },
        note=plan.filename[:200],
    )
    return result


def _create_tasks(items: list[Item], tasks: dict[Any, WbsTask]) -> None:
    """Insert the tasks level by level (a parent needs its id before its children), with the
    rows and outline codes `wbs.renumber` would give them (the items are in pre-order)."""
    positions: dict[Any, int] = {}
    levels: dict[int, list[WbsTask]] = {}
    depths = _depths(items)
    for row, item in enumerate(items):
        task = tasks[item.ref]
        parent = tasks[item.parent] if item.parent is not None else None
        task.parent = parent
        task.position = positions.get(item.parent, 0)
        positions[item.parent] = task.position + 1
        task.row = row
        task.outline = f"{parent.outline}.{task.position + 1}" if parent else f"{task.position + 1}"
        levels.setdefault(depths[item.ref], []).append(task)
    for depth in sorted(levels):
        for task in levels[depth]:
            if task.parent is not None:
                task.parent_id = task.parent.pk
        WbsTask.objects.bulk_create(levels[depth], batch_size=500)
        if any(task.pk is None for task in levels[depth]):  # a backend without RETURNING
            for task in levels[depth]:
                if task.pk is None:
                    task.save()


def _assignments(plan: Plan, tasks: dict[Any, WbsTask]) -> list[Assignment]:
    people = _people(work.resource for work in plan.work)
    named: set[str] = set()
    merged: dict[tuple[Any, Any], Assignment] = {}
    for work in plan.work:
        task = tasks[work.task]
        user = people.get(work.resource)
        if user is None and work.resource not in named:
            named.add(work.resource)
            plan.warnings.append(
                _(
                    "The resource “%(name)s” is nobody's login or display name (or more than "
                    "one person's); it is kept as a named resource."
                )
                % {"name": work.resource}
            )
        key = (work.task, user.pk if user else f"name:{work.resource}")
        if key in merged:
            merged[key].planned_hours += work.hours
            continue
        merged[key] = Assignment(
            task=task,
            user=user,
            resource_name="" if user else work.resource[:200],
            planned_hours=work.hours,
        )
    for assignment in merged.values():
        if assignment.planned_hours > wbs.MAX_HOURS:
            assignment.planned_hours = wbs.MAX_HOURS
    return list(merged.values())
