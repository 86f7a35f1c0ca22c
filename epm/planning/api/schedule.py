"""API endpoints: the WBS under /api/v1/planning/projects/{id}/ — the schedule's settings, its
tasks (the tree), links and assignments.

Ids in the path that are not of this project are 404 (as for a project the caller may not see);
ids in the body that are not of this project are 400 (the request is wrong, not the address).
Every change is checked by the WBS services: 403 for readers, 409 while the schedule is frozen
or for a cycle, 400 with the page's message for bad values.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Status

from epm.core.errors import ApplicationError, NotFound
from epm.core.models import User
from epm.projects.rules import access_project

from ..models import Assignment, Dependency, WbsTask
from ..schemas_schedule import (
    WbsAssignmentIn,
    WbsAssignmentOut,
    WbsLinkIn,
    WbsLinkOut,
    WbsLinkPatch,
    WbsMoveIn,
    WbsScheduleOut,
    WbsSettingsOut,
    WbsSettingsPatch,
    WbsTaskIn,
    WbsTaskOut,
    WbsTaskPatch,
)
from ..selectors_schedule import (
    AssignmentRow,
    LinkRow,
    WbsRow,
    assignment_row,
    task_row,
    wbs_overview,
)
from ..services import wbs as services
from . import router

MAX_ID = 2**63 - 1


def _valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


def _task(project, task_id: int) -> WbsTask:
    """A task of the project named in the path: 404 otherwise, whoever asks."""
    task = (
        WbsTask.objects.filter(project=project, pk=task_id).select_related("project").first()
        if _valid_id(task_id)
        else None
    )
    if task is None:
        raise NotFound()
    return task


def _body_task(project, task_id: int) -> WbsTask:
    """A task named in the body: 400 when it is not of this project (missing or another's)."""
    task = WbsTask.objects.filter(project=project, pk=task_id).first()
    if task is None:
        raise ApplicationError(
            _("There is no task %(id)d in this project.") % {"id": task_id}, "unknown_task"
        )
    return task


def _link(project, link_id: int) -> Dependency:
    link = (
        Dependency.objects.filter(project=project, pk=link_id).select_related("project").first()
        if _valid_id(link_id)
        else None
    )
    if link is None:
        raise NotFound()
    return link


def _user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first() if _valid_id(user_id) else None
    if user is None:
        raise NotFound()
    return user


def _settings(schedule) -> dict:
    return {
        name: getattr(schedule, name)
        for name in (
            "start_on",
            "status_on",
            "deadline_on",
            "calendar_code",
            "slip_threshold_days",
            "finish_on",
            "computed_at",
            "revision",
        )
    }


def _task_out(row: WbsRow) -> dict:
    t = row.task
    return {
        "id": t.pk,
        "parent_id": t.parent_id,
        "position": t.position,
        "row": t.row,
        "outline": t.outline,
        "depth": row.depth,
        "name": t.name,
        "kind": t.kind,
        "duration_days": t.duration_days,
        "constraint_type": t.constraint_type,
        "constraint_on": t.constraint_on,
        "actual_start_on": t.actual_start_on,
        "actual_finish_on": t.actual_finish_on,
        "percent_complete": t.percent_complete,
        "remaining_days": t.remaining_days,
        "work_products": row.work_products,
        "notes": t.notes,
        "start_on": t.start_on,
        "finish_on": t.finish_on,
        "total_float": t.total_float,
        "free_float": t.free_float,
        "critical": t.critical,
        "predecessors": row.predecessors_text,
        "planned_hours": row.planned_hours,
    }


def _link_out(link: LinkRow | Dependency) -> dict:
    if isinstance(link, Dependency):
        link = LinkRow(
            link.pk,
            link.predecessor_id,
            link.successor_id,
            link.predecessor.outline,
            link.predecessor.name,
            link.kind,
            link.lag_days,
        )
    return {
        "id": link.id,
        "predecessor_id": link.predecessor_id,
        "successor_id": link.successor_id,
        "kind": link.kind,
        "lag_days": link.lag_days,
        "text": link.text,
    }


def _assignment_out(a: AssignmentRow) -> dict:
    return {
        "id": a.id,
        "task_id": a.task_id,
        "user_id": a.user_id,
        "name": a.name,
        "planned_hours": a.planned_hours,
    }


@router.get("/projects/{project_id}/schedule", response=WbsScheduleOut)
def schedule(request, project_id: int):
    """The WBS in WBS order with computed dates, its links and assignments, and whether the
    caller may change it now (and why not)."""
    o = wbs_overview(request.auth, access_project(request.auth, project_id))
    return {
        "project_id": o.project.pk,
        "editable": o.editable,
        "frozen_reason": o.frozen_reason,
        "settings": _settings(o.schedule),
        "totals": {
            "task_count": o.task_count,
            "milestone_count": o.milestone_count,
            "finish_on": o.finish_on,
            "planned_hours": o.planned_hours,
        },
        "tasks": [_task_out(row) for row in o.rows],
        "links": [_link_out(link) for link in o.links],
        "assignments": [_assignment_out(a) for a in o.assignments],
    }


@router.patch("/projects/{project_id}/schedule", response=WbsSettingsOut)
def schedule_update(request, project_id: int, payload: WbsSettingsPatch):
    """Change the start, status date, deadline, working calendar or slip threshold; the dates
    are recomputed."""
    project = access_project(request.auth, project_id)
    schedule = services.schedule_update(
        actor=request.auth, project=project, **payload.dict(exclude_unset=True)
    )
    return _settings(schedule)


@router.post("/projects/{project_id}/tasks", response={201: WbsTaskOut})
def task_add(request, project_id: int, payload: WbsTaskIn):
    """Add a task or milestone, under `parent_id` (top level when null) at `position`."""
    project = access_project(request.auth, project_id)
    fields = payload.dict(exclude_unset=True)
    fields.pop("name")
    parent_id = fields.pop("parent_id", None)
    position = fields.pop("position", None)
    task = services.task_add(
        actor=request.auth,
        project=project,
        name=payload.name,
        parent=_body_task(project, parent_id) if parent_id is not None else None,
        position=position,
        **fields,
    )
    return Status(201, _task_out(task_row(task)))


@router.patch("/projects/{project_id}/tasks/{int:task_id}", response=WbsTaskOut)
def task_update(request, project_id: int, task_id: int, payload: WbsTaskPatch):
    """Change a task's fields (a summary's kind and duration follow its subtasks)."""
    project = access_project(request.auth, project_id)
    task = services.task_update(
        actor=request.auth, task=_task(project, task_id), **payload.dict(exclude_unset=True)
    )
    return _task_out(task_row(task))


@router.delete("/projects/{project_id}/tasks/{int:task_id}", response={204: None})
def task_delete(request, project_id: int, task_id: int):
    """Delete a task with its subtasks, their links and assignments."""
    project = access_project(request.auth, project_id)
    services.task_delete(actor=request.auth, task=_task(project, task_id))
    return Status(204, None)


@router.post("/projects/{project_id}/tasks/{int:task_id}/move", response=WbsTaskOut)
def task_move(request, project_id: int, task_id: int, payload: WbsMoveIn):
    """Move a task with its subtasks under `parent_id` (null: the top level) at `position`
    among the new siblings (null: last). Indenting is moving under the sibling above."""
    project = access_project(request.auth, project_id)
    task = _task(project, task_id)
    parent = _body_task(project, payload.parent_id) if payload.parent_id is not None else None
    position = payload.position
    if position is not None:
        position = services.whole_number(position, _("position"), 0, services.MAX_TASKS)
    moved = services.task_move(actor=request.auth, task=task, parent=parent, position=position)
    return _task_out(task_row(moved))


@router.post("/projects/{project_id}/links", response={201: WbsLinkOut})
def link_add(request, project_id: int, payload: WbsLinkIn):
    """The successor waits on the predecessor; 409 when that would close a circle (the message
    names its tasks, `detail.tasks` their ids)."""
    project = access_project(request.auth, project_id)
    link = services.link_add(
        actor=request.auth,
        project=project,
        predecessor=_body_task(project, payload.predecessor_id),
        successor=_body_task(project, payload.successor_id),
        kind=payload.kind,
        lag_days=payload.lag_days,
    )
    return Status(201, _link_out(Dependency.objects.select_related("predecessor").get(pk=link.pk)))


@router.patch("/projects/{project_id}/links/{int:link_id}", response=WbsLinkOut)
def link_update(request, project_id: int, link_id: int, payload: WbsLinkPatch):
    project = access_project(request.auth, project_id)
    link = services.link_update(
        actor=request.auth,
        link=_link(project, link_id),
        kind=payload.kind,
        lag_days=payload.lag_days,
    )
    return _link_out(Dependency.objects.select_related("predecessor").get(pk=link.pk))


@router.delete("/projects/{project_id}/links/{int:link_id}", response={204: None})
def link_delete(request, project_id: int, link_id: int):
    project = access_project(request.auth, project_id)
    services.link_delete(actor=request.auth, link=_link(project, link_id))
    return Status(204, None)


@router.put(
    "/projects/{project_id}/tasks/{int:task_id}/assignments/{int:user_id}",
    response=WbsAssignmentOut,
)
def assignment_set(request, project_id: int, task_id: int, user_id: int, payload: WbsAssignmentIn):
    """Put an active person on a task with planned hours, or change their hours."""
    project = access_project(request.auth, project_id)
    assignment = services.assignment_set(
        actor=request.auth,
        task=_task(project, task_id),
        user=_user(user_id),
        planned_hours=payload.planned_hours,
    )
    return _assignment_out(assignment_row(assignment))


@router.delete(
    "/projects/{project_id}/tasks/{int:task_id}/assignments/{int:user_id}",
    response={204: None},
)
def assignment_remove(request, project_id: int, task_id: int, user_id: int):
    project = access_project(request.auth, project_id)
    task = _task(project, task_id)
    assignment = (
        Assignment.objects.filter(task=task, user_id=user_id)
        .select_related("task__project")
        .first()
        if _valid_id(user_id)
        else None
    )
    if assignment is None:
        raise NotFound()
    services.assignment_remove(actor=request.auth, assignment=assignment)
    return Status(204, None)
