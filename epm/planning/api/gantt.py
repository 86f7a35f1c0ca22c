"""API endpoints: the Gantt chart's data, dragging a bar, and the network diagram's data."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Schema

from epm.core.errors import NotFound
from epm.projects.rules import access_project

from ..models import WbsTask
from ..selectors_gantt import gantt_chart, network_diagram
from ..services.wbs import task_drag
from . import router


class GanttTaskOut(Schema):
    id: int
    outline: str
    name: str
    depth: int
    kind: str
    start: dt.date
    finish: dt.date
    duration_days: int
    progress: int
    critical: bool
    total_float: int | None
    dependencies: str
    classes: list[str]
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    work_products: list[str]


class GanttOut(Schema):
    project_id: int
    revision: int
    editable: bool
    frozen_reason: str
    today: dt.date
    finish_on: dt.date | None
    deadline_on: dt.date | None
    baseline: int | None
    unscheduled: int
    tasks: list[GanttTaskOut]


class GanttDragIn(Schema):
    task_id: int
    start: str | None = None  # YYYY-MM-DD: the bar was moved (sets "start no earlier than")
    finish: str | None = None  # YYYY-MM-DD: the bar's end was dragged (sets the duration)
    revision: int | None = None  # the schedule revision the chart showed; 409 when stale


class GanttMoveOut(Schema):
    task_id: int
    start_before: dt.date | None
    finish_before: dt.date | None
    start: dt.date | None
    finish: dt.date | None


class GanttDragOut(Schema):
    moved: list[GanttMoveOut]
    chart: GanttOut


class NetworkNodeOut(Schema):
    id: int
    outline: str
    name: str
    kind: str
    duration_days: int
    es: int
    ef: int
    ls: int
    lf: int
    early_start: dt.date | None
    early_finish: dt.date | None
    late_start: dt.date | None
    late_finish: dt.date | None
    total_float: int
    critical: bool
    layer: int
    position: int


class NetworkLinkOut(Schema):
    predecessor: int
    successor: int
    kind: str
    lag_days: int
    critical: bool
    label: str


class NetworkOut(Schema):
    project_id: int
    layers: int
    unscheduled: int
    nodes: list[NetworkNodeOut]
    links: list[NetworkLinkOut]


@router.get("/projects/{project_id}/gantt", response=GanttOut, url_name="planning_gantt")
def gantt(request, project_id: int):
    """The Gantt chart: tasks in WBS order with their stored dates, predecessors, critical
    flags and the current baseline's dates; `editable` says whether the caller may drag."""
    project = access_project(request.auth, project_id)
    return gantt_chart(request.auth, project).as_json()


@router.post(
    "/projects/{project_id}/gantt/drag", response=GanttDragOut, url_name="planning_gantt_drag"
)
def gantt_drag(request, project_id: int, payload: GanttDragIn):
    """Drag a bar: `start` moves it (a "start no earlier than" constraint), `finish` alone
    changes its duration. The schedule is recomputed; `moved` lists every task whose dates
    changed. 409 when `revision` is stale, the project's schedule is frozen or a link would
    make a cycle; 403 for people who may not edit the schedule."""
    project = access_project(request.auth, project_id)
    task = WbsTask.objects.filter(pk=payload.task_id, project=project).first()
    if task is None:
        raise NotFound(_("There is no such task in this project."))
    moves = task_drag(
        actor=request.auth,
        task=task,
        start_on=payload.start,
        finish_on=payload.finish,
        revision=payload.revision,
    )
    moved = [
        {
            "task_id": m.task_id,
            "start_before": m.start_before,
            "finish_before": m.finish_before,
            "start": m.start_on,
            "finish": m.finish_on,
        }
        for m in moves
    ]
    project.refresh_from_db()
    return {"moved": moved, "chart": gantt_chart(request.auth, project).as_json()}


@router.get("/projects/{project_id}/network", response=NetworkOut, url_name="planning_network")
def network(request, project_id: int):
    """The network diagram: tasks and milestones with early and late dates, total float and a
    column (`layer`) and row (`position`) for drawing; links with their type, lag and whether
    they lie on the critical path."""
    project = access_project(request.auth, project_id)
    return network_diagram(request.auth, project).as_json()
