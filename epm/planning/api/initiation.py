"""API endpoints: the initiation application, its preliminary schedule and its review."""

from __future__ import annotations

from ninja import Status

from epm.projects.rules import access_project

from ..schemas import InitiationIn, InitiationOut, MilestoneIn, MilestoneOut, MilestonePatch
from ..selectors import initiation_overview
from ..services import initiation as services
from . import router


def _out(user, project) -> dict:
    o = initiation_overview(user, project)
    card = o.scorecard
    return {
        "project_id": project.pk,
        "status": project.status,
        "editable": o.editable,
        "can_submit": o.can_submit,
        "problems": o.problems,
        "application": o.application,
        "milestones": o.milestones,
        "purchase_total": o.purchase_total,
        "budget_total": o.budget_total,
        "preliminary_budget": o.preliminary_budget,
        "request_id": o.request.pk if o.request else None,
        "request_status": o.request.status if o.request else None,
        "scorecard": {
            "request_id": card.request.pk if card.request else None,
            "rows": [
                {
                    "reviewer": row.reviewer,
                    "decided_at": row.decided_at,
                    "scores": row.scores,
                    "total": row.total,
                    "comment": row.comment,
                }
                for row in card.rows
            ],
            "averages": card.averages,
            "average_total": card.average_total,
            "purchase_checks": [
                {
                    "reviewer": reviewer,
                    "checks": [{"label": label, "value": value} for label, value in rows],
                    "comment": comment,
                }
                for reviewer, rows, comment in card.purchase_checks
            ],
        },
    }


@router.get("/projects/{project_id}/initiation", response=InitiationOut)
def initiation_detail(request, project_id: int):
    """The initiation application, milestones, money and the review board's scores."""
    return _out(request.auth, access_project(request.auth, project_id))


@router.put("/projects/{project_id}/initiation", response=InitiationOut)
def initiation_save(request, project_id: int, payload: InitiationIn):
    """Write the application; fields left out keep their text. 409 while it is in approval."""
    project = access_project(request.auth, project_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.initiation_save(actor=request.auth, project=project, **fields)
    return _out(request.auth, access_project(request.auth, project_id))


@router.get("/projects/{project_id}/milestones", response=list[MilestoneOut])
def milestone_list(request, project_id: int):
    project = access_project(request.auth, project_id)
    return list(project.milestones.all())


@router.post("/projects/{project_id}/milestones", response={201: MilestoneOut})
def milestone_add(request, project_id: int, payload: MilestoneIn):
    project = access_project(request.auth, project_id)
    milestone = services.milestone_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, milestone)


@router.patch("/projects/{project_id}/milestones/{milestone_id}", response=MilestoneOut)
def milestone_update(request, project_id: int, milestone_id: int, payload: MilestonePatch):
    project = access_project(request.auth, project_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.milestone_update(
        actor=request.auth, project=project, milestone_id=milestone_id, **fields
    )


@router.delete("/projects/{project_id}/milestones/{milestone_id}", response={204: None})
def milestone_delete(request, project_id: int, milestone_id: int):
    project = access_project(request.auth, project_id)
    services.milestone_delete(actor=request.auth, project=project, milestone_id=milestone_id)
    return Status(204, None)
