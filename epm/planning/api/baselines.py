"""API endpoints: the schedule's baselines and the variance against the current one."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema, Status

from epm.core.errors import NotFound
from epm.projects.rules import access_project

from ..models import Baseline, BaselineSource
from ..selectors_baseline import VarianceRow, baselines_of, schedule_variance
from ..services import baseline as services
from . import router


class BaselineOut(Schema):
    number: int
    source: str = Field(..., description="plan, change, manual or import.")
    source_label: str
    note: str
    is_current: bool
    finish_on: dt.date | None = Field(None, description="The project finish it recorded.")
    created_at: dt.datetime
    created_by: str | None


class BaselineIn(Schema):
    note: str = Field("", max_length=services.MAX_NOTE)


class VarianceRowOut(Schema):
    task_id: int | None = Field(None, description="None for a task deleted since the baseline.")
    outline: str
    name: str
    kind: str
    state: str = Field(..., description='"" in the baseline, "new" added since, "deleted".')
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    start: dt.date | None
    finish: dt.date | None
    start_variance: int | None = Field(None, description="Working days; positive = late.")
    finish_variance: int | None = Field(None, description="Working days; positive = late.")
    slipped: bool = Field(..., description="A milestone late by more than the threshold.")


class VarianceOut(Schema):
    baseline: BaselineOut | None
    slip_threshold_days: int
    baseline_finish: dt.date | None
    finish: dt.date | None
    finish_variance: int | None = Field(None, description="Working days; positive = late.")
    rows: list[VarianceRowOut]
    slipped_milestones: list[VarianceRowOut]


def _baseline(baseline: Baseline) -> dict:
    return {
        "number": baseline.number,
        "source": baseline.source,
        "source_label": str(BaselineSource(baseline.source).label),
        "note": baseline.note,
        "is_current": baseline.is_current,
        "finish_on": baseline.finish_on,
        "created_at": baseline.created_at,
        "created_by": baseline.created_by.name if baseline.created_by else None,
    }


def _row(row: VarianceRow) -> dict:
    return {name: getattr(row, name) for name in VarianceRowOut.model_fields}


@router.get("/projects/{project_id}/baselines", response=list[BaselineOut])
def baselines_list(request, project_id: int):
    """The kept baselines, oldest first; one is current."""
    project = access_project(request.auth, project_id)
    return [_baseline(b) for b in baselines_of(project)]


@router.post("/projects/{project_id}/baselines", response={201: BaselineOut})
def baseline_save(request, project_id: int, payload: BaselineIn):
    """Save the schedule's current dates as the next baseline and make it current (PMO only,
    while the schedule is live). 409 when the schedule has no tasks."""
    project = access_project(request.auth, project_id)
    baseline = services.baseline_set(
        actor=request.auth, project=project, source=BaselineSource.MANUAL, note=payload.note
    )
    return Status(201, _baseline(baseline))


@router.post("/projects/{project_id}/baselines/{int:number}/current", response=BaselineOut)
def baseline_make_current(request, project_id: int, number: int):
    """Measure variance against this kept baseline from now on (PMO only)."""
    project = access_project(request.auth, project_id)
    baseline = Baseline.objects.filter(project=project, number=number).first()
    if baseline is None:
        raise NotFound()
    baseline = services.baseline_make_current(actor=request.auth, baseline=baseline)
    return _baseline(baseline)


@router.get("/projects/{project_id}/variance", response=VarianceOut)
def variance(request, project_id: int):
    """Every task's start and finish against the current baseline in working days of the
    schedule's calendar (positive = late), tasks added ("new") and deleted since, the project
    finish, and the milestones slipped past the threshold (they need a change request, R19)."""
    project = access_project(request.auth, project_id)
    result = schedule_variance(project)
    return {
        "baseline": _baseline(result.baseline) if result.baseline else None,
        "slip_threshold_days": result.threshold,
        "baseline_finish": result.baseline_finish,
        "finish": result.finish,
        "finish_variance": result.finish_variance,
        "rows": [_row(r) for r in result.rows],
        "slipped_milestones": [_row(r) for r in result.slipped],
    }
