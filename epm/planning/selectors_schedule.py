"""Reading the WBS: the rows of a project's schedule in WBS order, as the page and the API show it.

A fixed handful of queries whatever the size of the WBS (the tasks, their links, their
assignments, the settings and the plan's approval state): predecessors and people are joined in
Python, so a table of hundreds of rows costs no query per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.projects.models import Project

from . import rules
from .models import Assignment, Dependency, LinkKind, ProjectSchedule, TaskKind, WbsTask
from .services.plan import pending_plan_request


def link_text(outline: str, kind: str, lag_days: int) -> str:
    """A predecessor as MS Project writes it: "1.2" (finish to start), "1.2FS+2", "1.3SS"."""
    if kind == LinkKind.FS and lag_days == 0:
        return outline
    return f"{outline}{kind}{lag_days:+d}" if lag_days else f"{outline}{kind}"


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    predecessor_id: int
    successor_id: int
    predecessor_outline: str
    predecessor_name: str
    kind: str
    lag_days: int

    @property
    def text(self) -> str:
        return link_text(self.predecessor_outline, self.kind, self.lag_days)


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    task_id: int
    user_id: int | None
    name: str  # the person's name, or the resource named by an imported file
    planned_hours: Decimal


@dataclass(slots=True)
class WbsRow:
    task: WbsTask
    depth: int  # 1 for top-level tasks
    predecessors: list[LinkRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)

    @property
    def predecessors_text(self) -> str:
        return ", ".join(link.text for link in self.predecessors)

    @property
    def work_products(self) -> list[str]:
        return self.task.work_product_list

    @property
    def planned_hours(self) -> Decimal:
        return sum((a.planned_hours for a in self.assignments), Decimal(0))


@dataclass
class WbsOverview:
    project: Project
    schedule: ProjectSchedule  # unsaved (with its default start) until the WBS is first edited
    editable: bool
    # Why the schedule cannot be changed now (not a preparer, the project's state, plan review).
    frozen_reason: str | None
    rows: list[WbsRow]
    links: list[LinkRow]
    assignments: list[AssignmentRow]

    @property
    def task_count(self) -> int:
        return len(self.rows)

    @property
    def milestone_count(self) -> int:
        return sum(1 for r in self.rows if r.task.kind == TaskKind.MILESTONE)

    @property
    def finish_on(self) -> dt.date | None:
        return self.schedule.finish_on

    @property
    def planned_hours(self) -> Decimal:
        return sum((a.planned_hours for a in self.assignments), Decimal(0))

    def row_of(self, task_id: int) -> WbsRow | None:
        return next((r for r in self.rows if r.task.pk == task_id), None)


def frozen_reason(user: User, project: Project) -> str | None:
    """None when `user` may change the schedule now, otherwise why not (told to every reader,
    so a team member sees that the plan is in review, not only that they cannot edit)."""
    in_review = pending_plan_request(project) is not None
    try:
        rules.check_schedule_editable(user, project, plan_in_review=in_review)
    except PermissionDenied:
        reason = _("The project manager, the assistant and the PMO keep the schedule.")
        if project.pm is not None:
            try:
                rules.check_schedule_editable(project.pm, project, plan_in_review=in_review)
            except PermissionDenied:
                pass
            except ApplicationError as exc:
                reason = exc.message
        return reason
    except ApplicationError as exc:
        return exc.message
    return None


def wbs_overview(user: User, project: Project) -> WbsOverview:
    """The WBS of a project the user may see (the caller got it through `access_project`)."""
    reason = frozen_reason(user, project)
    schedule = ProjectSchedule.objects.filter(project=project).first()
    if schedule is None:  # reading makes nothing: the first edit stores the settings
        schedule = ProjectSchedule(
            project=project, start_on=project.planned_start or timezone.localdate()
        )
    tasks = list(WbsTask.objects.filter(project=project).order_by("row", "id"))
    rows = {t.pk: WbsRow(task=t, depth=t.outline.count(".") + 1) for t in tasks}

    links = []
    for pk, pred, succ, kind, lag in (
        Dependency.objects.filter(project=project)
        .values_list("pk", "predecessor_id", "successor_id", "kind", "lag_days")
        .order_by("pk")
    ):
        if pred not in rows or succ not in rows:
            continue
        before = rows[pred].task
        link = LinkRow(pk, pred, succ, before.outline, before.name, kind, lag)
        links.append(link)
        rows[succ].predecessors.append(link)
    for row in rows.values():
        row.predecessors.sort(key=lambda link: (rows[link.predecessor_id].task.row, link.id))

    assignments = []
    for assignment in (
        Assignment.objects.filter(task__project=project).select_related("user").order_by("id")
    ):
        if assignment.task_id in rows:
            item = assignment_row(assignment)
            assignments.append(item)
            rows[assignment.task_id].assignments.append(item)

    return WbsOverview(
        project=project,
        schedule=schedule,
        editable=reason is None,
        frozen_reason=reason,
        rows=list(rows.values()),
        links=links,
        assignments=assignments,
    )


def assignment_row(assignment: Assignment) -> AssignmentRow:
    name = assignment.user.name if assignment.user else assignment.resource_name
    return AssignmentRow(
        assignment.pk, assignment.task_id, assignment.user_id, name, assignment.planned_hours
    )


def task_row(task: WbsTask) -> WbsRow:
    """One task as the WBS shows it (what the API answers after changing it): three queries."""
    task = WbsTask.objects.get(pk=task.pk)
    row = WbsRow(task=task, depth=task.outline.count(".") + 1)
    for link in (
        Dependency.objects.filter(successor=task)
        .select_related("predecessor")
        .order_by("predecessor__row", "pk")
    ):
        p = link.predecessor
        row.predecessors.append(
            LinkRow(link.pk, p.pk, task.pk, p.outline, p.name, link.kind, link.lag_days)
        )
    assignments = Assignment.objects.filter(task=task).select_related("user").order_by("id")
    row.assignments.extend(assignment_row(a) for a in assignments)
    return row
