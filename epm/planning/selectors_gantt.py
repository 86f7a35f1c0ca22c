"""What the Gantt chart and the network diagram show, read from the dates the scheduler stored.

Nothing here recomputes a schedule: bars are the stored start and finish, floats and critical
flags are the stored ones, and the network diagram's late dates are the stored late offsets
turned into days with the project's calendar. A fixed handful of queries whatever the size of
the WBS (tasks, links, the current baseline's rows, the settings, the plan's approval state).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.utils import timezone

from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.core.workcalendar import CalendarCoverageError
from epm.projects.models import Project

from . import rules
from .models import Baseline, BaselineTask, Dependency, LinkKind, ProjectSchedule, TaskKind, WbsTask
from .services.plan import pending_plan_request
from .services.scheduler import DayScale


def editing(user: User, project: Project) -> tuple[bool, str]:
    """Whether `user` may change the schedule now, and if a preparer may not, why not."""
    if not rules.is_preparer(user, project):
        return False, ""
    in_review = project.status in rules.SCHEDULE_EDITABLE and pending_plan_request(project)
    try:
        rules.check_schedule_editable(user, project, plan_in_review=bool(in_review))
    except ApplicationError as exc:
        return False, exc.message
    return True, ""


def plain(obj: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's fields for JSON: dates as YYYY-MM-DD, tuples as lists."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in exclude:
            continue
        value = getattr(obj, f.name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


# --- The Gantt chart ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GanttRow:
    id: int
    outline: str
    name: str
    depth: int  # 1 for top-level tasks
    kind: str
    start: dt.date
    finish: dt.date
    duration_days: int
    progress: int
    critical: bool
    total_float: int | None
    dependencies: str  # predecessor ids, comma-separated, as frappe-gantt reads them
    classes: tuple[str, ...]  # critical, summary, milestone, baseline (has a baseline bar)
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    work_products: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True, slots=True)
class GanttChart:
    project_id: int
    revision: int
    editable: bool
    frozen_reason: str  # why a preparer cannot edit now ("" for others)
    today: dt.date
    finish_on: dt.date | None
    deadline_on: dt.date | None
    baseline: int | None  # the current baseline's number
    rows: list[GanttRow]
    unscheduled: int  # tasks without dates (a summary with no subtasks yet)

    def as_json(self) -> dict[str, Any]:
        return {**plain(self, exclude=("rows",)), "tasks": [row.as_json() for row in self.rows]}


def _classes(task: WbsTask, has_baseline: bool) -> tuple[str, ...]:
    classes = []
    if task.critical:
        classes.append("critical")
    if task.kind == TaskKind.SUMMARY:
        classes.append("summary")
    elif task.kind == TaskKind.MILESTONE:
        classes.append("milestone")
    if has_baseline:
        classes.append("baseline")
    return tuple(classes)


def _current_baseline(project: Project) -> tuple[int | None, dict[int, tuple]]:
    """The current baseline's number and each task's (start, finish) in it."""
    baseline = (
        Baseline.objects.filter(project=project, is_current=True).only("pk", "number").first()
    )
    if baseline is None:
        return None, {}
    rows = BaselineTask.objects.filter(baseline=baseline, task__isnull=False).values_list(
        "task_id", "start_on", "finish_on"
    )
    return baseline.number, {task_id: (start, finish) for task_id, start, finish in rows}


def gantt_chart(user: User, project: Project) -> GanttChart:
    """The chart of a project the user may see (the caller checked `access_project`)."""
    schedule = ProjectSchedule.objects.filter(project=project).first()
    tasks = list(WbsTask.objects.filter(project=project).order_by("row", "id"))
    predecessors: dict[int, list[int]] = {}
    for pred, succ in Dependency.objects.filter(project=project).values_list(
        "predecessor_id", "successor_id"
    ):
        predecessors.setdefault(succ, []).append(pred)
    baseline, baseline_dates = _current_baseline(project)
    dated = [t for t in tasks if t.start_on and t.finish_on]
    shown = {t.pk for t in dated}
    rows = []
    for task in dated:
        assert task.start_on and task.finish_on
        base_start, base_finish = baseline_dates.get(task.pk, (None, None))
        has_baseline = bool(base_start and base_finish)
        rows.append(
            GanttRow(
                id=task.pk,
                outline=task.outline,
                name=task.name,
                depth=task.outline.count(".") + 1,
                kind=task.kind,
                start=task.start_on,
                finish=task.finish_on,
                duration_days=task.duration_days,
                progress=task.percent_complete,
                critical=task.critical,
                total_float=task.total_float,
                dependencies=",".join(
                    str(p) for p in sorted(predecessors.get(task.pk, ())) if p in shown
                ),
                classes=_classes(task, has_baseline),
                baseline_start=base_start if has_baseline else None,
                baseline_finish=base_finish if has_baseline else None,
                work_products=tuple(task.work_product_list),
            )
        )
    editable, frozen_reason = editing(user, project)
    return GanttChart(
        project_id=project.pk,
        revision=schedule.revision if schedule else 0,
        editable=editable,
        frozen_reason=frozen_reason,
        today=timezone.localdate(),
        finish_on=schedule.finish_on if schedule else None,
        deadline_on=schedule.deadline_on if schedule else None,
        baseline=baseline,
        rows=rows,
        unscheduled=len(tasks) - len(dated),
    )


# --- The network diagram ------------------------------------------------------------------------


@dataclass(slots=True)
class NetworkNode:
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
    layer: int = 0  # column: the longest chain of links from a task without predecessors
    position: int = 0  # row within the column

    @property
    def is_milestone(self) -> bool:
        return self.kind == TaskKind.MILESTONE

    def as_json(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True, slots=True)
class NetworkLink:
    predecessor: int
    successor: int
    kind: str
    lag_days: int
    critical: bool  # both ends critical and the link is what fixes the successor's dates

    @property
    def label(self) -> str:
        """Empty for a plain finish-to-start link, else "SS", "FS+2", "FF-1"."""
        if self.kind == LinkKind.FS and not self.lag_days:
            return ""
        return f"{self.kind}{self.lag_days:+d}" if self.lag_days else self.kind

    def as_json(self) -> dict[str, Any]:
        return {**plain(self), "label": self.label}


@dataclass(slots=True)
class Network:
    project_id: int
    nodes: list[NetworkNode]
    links: list[NetworkLink]
    layers: int
    unscheduled: int  # leaf tasks without stored dates
    columns: list[list[NetworkNode]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **plain(self, exclude=("nodes", "links", "columns")),
            "nodes": [n.as_json() for n in self.nodes],
            "links": [link.as_json() for link in self.links],
        }


def layer_of(ids: Iterable[int], edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each node's column: the length, in links, of the longest chain reaching it from a node
    without predecessors (Kahn's order, O(nodes + links)). Nodes on a cycle, which the
    scheduler never stores, go after all the others rather than being lost."""
    nodes = list(ids)
    successors: dict[int, list[int]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for pred, succ in edges:
        if pred in successors and succ in indegree:
            successors[pred].append(succ)
            indegree[succ] += 1
    layer = dict.fromkeys(nodes, 0)
    ready = deque(n for n in nodes if indegree[n] == 0)
    done = 0
    while ready:
        node = ready.popleft()
        done += 1
        for succ in successors[node]:
            layer[succ] = max(layer[succ], layer[node] + 1)
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    if done < len(nodes):
        last = max(layer.values(), default=0) + 1
        for node in nodes:
            if indegree[node] > 0:
                layer[node] = last
    return layer


def order_columns(
    layer: Mapping[int, int], edges: Iterable[tuple[int, int]], first: Iterable[int]
) -> list[list[int]]:
    """Nodes by column, each column sorted by the median row of the node's predecessors in
    earlier columns (one left-to-right sweep: fewer crossings, not the fewest). `first` gives
    the starting order (WBS order), which also breaks ties."""
    count = max(layer.values(), default=-1) + 1
    columns: list[list[int]] = [[] for _ in range(count)]
    rank = {}
    for number, node in enumerate(first):
        rank[node] = number
        columns[layer[node]].append(node)
    preds: dict[int, list[int]] = {}
    for pred, succ in edges:
        if pred in layer and succ in layer:
            preds.setdefault(succ, []).append(pred)
    row: dict[int, float] = {}
    for column in columns:
        keyed = []
        for node in column:
            placed = sorted(row[p] for p in preds.get(node, ()) if p in row)
            median = placed[len(placed) // 2] if placed else float("inf")
            keyed.append((median, rank[node], node))
        keyed.sort()
        column[:] = [node for _m, _r, node in keyed]
        for number, node in enumerate(column):
            row[node] = number
    return columns


def _driving(kind: str, lag: int, pred: NetworkNode, succ: NetworkNode) -> bool:
    if kind == LinkKind.SS:
        return succ.es == pred.es + lag
    if kind == LinkKind.FF:
        return succ.ef == pred.ef + lag
    if kind == LinkKind.SF:
        return succ.ef == pred.es + lag
    return succ.es == pred.ef + lag


def _late_dates(
    scale: DayScale | None, ls: int, lf: int, milestone: bool
) -> tuple[dt.date | None, dt.date | None]:
    if scale is None:
        return None, None
    try:
        return scale.task_dates(ls, lf, milestone)
    except CalendarCoverageError:
        return None, None


def _scale(schedule: ProjectSchedule | None) -> DayScale | None:
    if schedule is None:
        return None
    try:
        return DayScale.of(schedule)
    except CalendarCoverageError:
        return None


def network_diagram(user: User, project: Project) -> Network:
    """Leaf tasks and milestones with their early and late dates, laid out in columns."""
    schedule = ProjectSchedule.objects.filter(project=project).first()
    tasks = list(
        WbsTask.objects.filter(project=project).exclude(kind=TaskKind.SUMMARY).order_by("row", "id")
    )
    scale = _scale(schedule)
    nodes: list[NetworkNode] = []
    for task in tasks:
        if None in (task.early_start, task.early_finish, task.late_start, task.late_finish):
            continue
        assert task.early_start is not None and task.early_finish is not None
        assert task.late_start is not None and task.late_finish is not None
        milestone = task.kind == TaskKind.MILESTONE
        late_start, late_finish = _late_dates(scale, task.late_start, task.late_finish, milestone)
        nodes.append(
            NetworkNode(
                id=task.pk,
                outline=task.outline,
                name=task.name,
                kind=task.kind,
                duration_days=task.duration_days,
                es=task.early_start,
                ef=task.early_finish,
                ls=task.late_start,
                lf=task.late_finish,
                early_start=task.start_on,
                early_finish=task.finish_on,
                late_start=late_start,
                late_finish=late_finish,
                total_float=task.total_float or 0,
                critical=task.critical,
            )
        )
    by_id = {n.id: n for n in nodes}
    links = []
    for pred, succ, kind, lag in Dependency.objects.filter(project=project).values_list(
        "predecessor_id", "successor_id", "kind", "lag_days"
    ):
        if pred in by_id and succ in by_id:
            p, s = by_id[pred], by_id[succ]
            critical = p.critical and s.critical and _driving(kind, lag, p, s)
            links.append(NetworkLink(pred, succ, kind, lag, critical))
    edges = [(link.predecessor, link.successor) for link in links]
    layer = layer_of(by_id, edges)
    columns = order_columns(layer, edges, [n.id for n in nodes])
    for column in columns:
        for position, node_id in enumerate(column):
            node = by_id[node_id]
            node.layer, node.position = layer[node_id], position
    return Network(
        project_id=project.pk,
        nodes=nodes,
        links=links,
        layers=len(columns),
        unscheduled=len(tasks) - len(nodes),
        columns=[[by_id[i] for i in column] for column in columns],
    )
