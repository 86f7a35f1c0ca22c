"""Reading baselines: the kept copies of a schedule and the variance against the current one.

Variance is counted in working days of the schedule's calendar, positive when late:
`working_days_between(baseline, current)` counts the working days in (baseline, current], so a
finish moved from Friday 3 April 2026 to Tuesday 7 April (Qingming: 4–6 April are holidays) is
1 working day late, not 4 calendar days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import ngettext

from epm.core.models import User
from epm.core.workcalendar import WorkingCalendar
from epm.projects.models import Project
from epm.projects.rules import is_pmo

from . import rules
from .models import Baseline, BaselineTask, ProjectSchedule, TaskKind, WbsTask
from .services.scheduler import calendar_of

# A row's relation to the current baseline.
IN_BASELINE = ""
NEW = "new"  # added after the baseline was saved
DELETED = "deleted"  # in the baseline, deleted from the schedule since


@dataclass(frozen=True, slots=True)
class VarianceRow:
    task_id: int | None
    outline: str
    name: str
    kind: str
    state: str
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    start: dt.date | None
    finish: dt.date | None
    start_variance: int | None  # working days, positive = later than the baseline
    finish_variance: int | None
    slipped: bool  # a milestone later than its baseline by more than the threshold

    @property
    def is_milestone(self) -> bool:
        return self.kind == TaskKind.MILESTONE

    @property
    def variances(self) -> tuple[int | None, int | None]:
        return self.start_variance, self.finish_variance


@dataclass(frozen=True, slots=True)
class Variance:
    baseline: Baseline | None
    threshold: int
    rows: list[VarianceRow]
    baseline_finish: dt.date | None
    finish: dt.date | None
    finish_variance: int | None

    @property
    def slipped(self) -> list[VarianceRow]:
        return [row for row in self.rows if row.slipped]


def baselines_of(project: Project) -> QuerySet[Baseline]:
    """Every kept baseline, oldest first, with who saved it."""
    return Baseline.objects.filter(project=project).select_related("created_by").order_by("number")


def current_baseline(project: Project) -> Baseline | None:
    return (
        Baseline.objects.filter(project=project, is_current=True)
        .select_related("created_by")
        .first()
    )


def _days(calendar: WorkingCalendar, baseline: dt.date | None, now: dt.date | None) -> int | None:
    if baseline is None or now is None:
        return None
    return calendar.working_days_between(baseline, now)


def _row(
    task: WbsTask | None,
    copy: BaselineTask | None,
    calendar: WorkingCalendar | None,
    threshold: int,
    state: str = IN_BASELINE,
) -> VarianceRow:
    """One line of the comparison: a task with its baseline copy, a new task (no copy) or a
    deleted one (no task)."""
    shown = task if task is not None else copy
    assert shown is not None
    late = start_late = None
    if task is not None and copy is not None and calendar is not None:
        late = _days(calendar, copy.finish_on, task.finish_on)
        start_late = _days(calendar, copy.start_on, task.start_on)
    return VarianceRow(
        task_id=task.pk if task is not None else None,
        outline=shown.outline,
        name=shown.name,
        kind=shown.kind,
        state=state,
        baseline_start=copy.start_on if copy is not None else None,
        baseline_finish=copy.finish_on if copy is not None else None,
        start=task.start_on if task is not None else None,
        finish=task.finish_on if task is not None else None,
        start_variance=start_late,
        finish_variance=late,
        slipped=shown.kind == TaskKind.MILESTONE and late is not None and late > threshold,
    )


def _schedule(project: Project) -> ProjectSchedule | None:
    return ProjectSchedule.objects.filter(project=project).first()


def schedule_variance(project: Project) -> Variance:
    """Every task against the current baseline, in WBS order, then the tasks deleted since."""
    schedule = _schedule(project)
    threshold = schedule.slip_threshold_days if schedule else 0
    finish = schedule.finish_on if schedule else None
    baseline = current_baseline(project)
    tasks = list(WbsTask.objects.filter(project=project).order_by("row", "id"))
    if baseline is None or schedule is None:
        rows = [_row(task, None, None, threshold) for task in tasks]
        return Variance(baseline, threshold, rows, None, finish, None)

    calendar = calendar_of(schedule)
    copies = list(BaselineTask.objects.filter(baseline=baseline).order_by("id"))
    by_task = {c.task_id: c for c in copies if c.task_id is not None}
    rows = [
        _row(
            task,
            by_task.get(task.pk),
            calendar,
            threshold,
            IN_BASELINE if task.pk in by_task else NEW,
        )
        for task in tasks
    ]
    rows += [
        _row(None, copy, calendar, threshold, DELETED) for copy in copies if copy.task_id is None
    ]
    return Variance(
        baseline=baseline,
        threshold=threshold,
        rows=rows,
        baseline_finish=baseline.finish_on,
        finish=finish,
        finish_variance=_days(calendar, baseline.finish_on, finish),
    )


def slipped_milestones(project: Project) -> list[VarianceRow]:
    """Milestones later than the current baseline by more than the schedule's slip threshold
    (three queries: the scheduler asks after every run)."""
    baseline = current_baseline(project)
    schedule = _schedule(project) if baseline is not None else None
    if baseline is None or schedule is None:
        return []
    calendar = calendar_of(schedule)
    copies = (
        BaselineTask.objects.filter(baseline=baseline, task__kind=TaskKind.MILESTONE)
        .select_related("task")
        .order_by("task__row", "task_id")
    )
    rows = [_row(copy.task, copy, calendar, schedule.slip_threshold_days) for copy in copies]
    return [row for row in rows if row.slipped]


def slip_text(row: VarianceRow, threshold: int) -> str:
    """What the PM is told about a slipped milestone (on the page and in the notification)."""
    late = row.finish_variance or 0
    return ngettext(
        "Milestone “%(m)s” is %(n)d working day later than its baseline (threshold %(t)d): "
        "a schedule change request is needed (R19).",
        "Milestone “%(m)s” is %(n)d working days later than its baseline (threshold %(t)d): "
        "a schedule change request is needed (R19).",
        late,
    ) % {"m": row.name, "n": late, "t": threshold}


def can_manage_baselines(user: User, project: Project) -> bool:
    """The PMO saves baselines by hand and chooses the current one, while the schedule is live."""
    return is_pmo(user) and project.status in rules.SCHEDULE_EDITABLE
