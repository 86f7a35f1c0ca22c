"""API endpoints: the implementation plan (R4) under /api/v1/planning/projects/{id}/plan."""

from __future__ import annotations

from ninja import Query, Schema
from ninja import Status as HttpStatus

from ..plan_sections import SECTIONS
from ..schemas_plan import (
    PlanCommentIn,
    PlanCommentOut,
    PlanDiffOut,
    PlanOut,
    PlanSaveIn,
    PlanSubmitIn,
    PlanVersionOut,
)
from ..selectors_plan import PlanOverview, access_plan_project, plan_overview, version_of
from ..selectors_plan import versions_diff as diff_of
from ..services import plan as services
from . import router


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": str(user)}


def _version(v) -> dict:
    return {
        "number": v.number,
        "created_at": v.created_at,
        "created_by": _user(v.created_by),
        "updated_at": v.updated_at,
        "submitted_at": v.submitted_at,
        "approved_at": v.approved_at,
    }


def _plan_out(o: PlanOverview) -> dict:
    reviewers = {s.code: list(s.reviewers) for s in SECTIONS}
    return {
        "project_id": o.project.pk,
        "status": o.status,
        "status_label": o.status_label,
        "version": o.version.number if o.version else None,
        "versions": [_version(v) for v in o.versions],
        "sections": [
            {
                "code": s.code,
                "label": s.label,
                "reviewers": reviewers[s.code],
                "text": s.text,
                "mine": s.mine,
            }
            for s in o.sections
        ],
        "my_roles": sorted(o.my_role_codes),
        "my_sections": o.my_sections,
        "editable": o.editable,
        "can_submit": o.can_submit,
        "missing": o.missing,
        "approval_id": o.request.pk if o.request else None,
        "comments": [_comment(c) for s in o.sections for c in s.comments],
    }


def _comment(c) -> dict:
    return {
        "id": c.pk,
        "version": c.version.number,
        "section": c.section,
        "author": _user(c.author),
        "text": c.text,
        "created_at": c.created_at,
    }


def _read(request, project_id: int) -> dict:
    project = access_plan_project(request.auth, project_id)
    return _plan_out(plan_overview(request.auth, project))


@router.get("/projects/{project_id}/plan", response=PlanOut)
def plan_detail(request, project_id: int):
    """The plan's state, its versions, the latest version's sections and the caller's sections
    to review (`my_sections`)."""
    return _read(request, project_id)


@router.put("/projects/{project_id}/plan", response=PlanOut)
def plan_save(request, project_id: int, payload: PlanSaveIn):
    """Write sections (those left out keep their text). A submitted version is frozen: the
    first save after a return makes a new version."""
    project = access_plan_project(request.auth, project_id)
    services.plan_save(actor=request.auth, project=project, sections=payload.sections)
    return _read(request, project_id)


@router.post("/projects/{project_id}/plan/submit", response=PlanOut)
def plan_submit(request, project_id: int, payload: PlanSubmitIn):
    """Submit the latest version: this asks for the start of execution, approved by the
    implementation plan chain (`approval_id`)."""
    project = access_plan_project(request.auth, project_id)
    services.plan_submit(actor=request.auth, project=project, reason=payload.reason)
    return _read(request, project_id)


@router.get("/projects/{project_id}/plan/versions/{number}", response=PlanVersionOut)
def plan_version(request, project_id: int, number: int):
    project = access_plan_project(request.auth, project_id)
    version = version_of(project, number)
    return {**_version(version), "sections": dict(version.sections)}


class DiffQuery(Schema):
    a: int
    b: int


@router.get("/projects/{project_id}/plan/diff", response=PlanDiffOut)
def plan_diff(request, project_id: int, query: Query[DiffQuery]):
    """What changed from version `a` to version `b`, section by section, line by line, with
    inserted and deleted words marked."""
    project = access_plan_project(request.auth, project_id)
    old, new, sections = diff_of(project, query.a, query.b)
    return {"a": old.number, "b": new.number, "sections": sections}


@router.post("/projects/{project_id}/plan/comments", response={201: PlanCommentOut})
def plan_comment(request, project_id: int, payload: PlanCommentIn):
    project = access_plan_project(request.auth, project_id)
    comment = services.plan_comment_add(
        actor=request.auth, project=project, section=payload.section, text=payload.text
    )
    return HttpStatus(201, _comment(comment))
