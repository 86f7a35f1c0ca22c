"""API endpoints for projects: list, detail, create, update, members, transitions, history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from epm.core.api import PageQuery, paginate, resolve
from epm.core.errors import ApplicationError
from epm.core.models import Department, User

from . import gates, selectors, services
from .models import Project, ProjectType
from .rules import access_project
from .schemas import (
    AppointIn,
    FinalAcceptanceIn,
    HistoryOut,
    MemberIn,
    MemberOut,
    ProjectCreateIn,
    ProjectDetailOut,
    ProjectFilterQuery,
    ProjectPage,
    ProjectTypeOut,
    ProjectUpdateIn,
    TransitionIn,
)

router = Router(tags=["projects"])


def _fields(payload, user) -> dict:
    data = payload.dict(exclude_unset=True)
    out = {}
    for key, value in data.items():
        if key == "department_id":
            out["department"] = resolve(Department, value, field="department_id")
        elif key in {"account_manager_id", "assistant_id"}:
            out[key.removesuffix("_id")] = resolve(User, value, field=key)
        elif key == "parent_id":
            out["parent"] = access_project(user, value) if value is not None else None
        elif key == "project_type":
            obj = ProjectType.objects.filter(code=value).first()
            if obj is None:
                raise ApplicationError(
                    _("Unknown project type."), "invalid_reference", detail={"field": key}
                )
            out[key] = obj
        else:
            out[key] = value
    return out


def _detail(user, project: Project) -> Project:
    project.members = list(selectors.project_members(project))
    template = project.project_type.lifecycle
    project.transitions = [
        {
            "code": t.code,
            "label": str(t.label),
            "needs_reason": t.needs_reason,
            "needs_approval": t.needs_approval(template),
        }
        for t in selectors.available_transitions(user, project)
    ]
    project.open_approvals = [
        {
            "id": r.pk,
            "title": r.title,
            "chain": r.chain.code,
            "chain_name": str(r.chain),
            "status": r.status,
            "submitted_at": r.submitted_at,
        }
        for r in gates.open_requests(project)
    ]
    return project


@router.get("/types", response=list[ProjectTypeOut])
def project_types(request):
    return list(ProjectType.objects.all())


@router.get("", response=ProjectPage)
def project_list(request, filters: Query[ProjectFilterQuery], page: Query[PageQuery]):
    return paginate(selectors.project_list(request.auth, filters.to_filters()), page)


@router.post("", response={201: ProjectDetailOut})
def project_create(request, payload: ProjectCreateIn):
    fields = _fields(payload, request.auth)
    project = services.project_create(actor=request.auth, **fields)
    return Status(201, _detail(request.auth, access_project(request.auth, project.pk)))


@router.get("/{project_id}", response=ProjectDetailOut)
def project_detail(request, project_id: int):
    return _detail(request.auth, access_project(request.auth, project_id))


@router.patch("/{project_id}", response=ProjectDetailOut)
def project_update(request, project_id: int, payload: ProjectUpdateIn):
    project = access_project(request.auth, project_id)
    services.project_update(actor=request.auth, project=project, **_fields(payload, request.auth))
    return _detail(request.auth, access_project(request.auth, project_id))


@router.post("/{project_id}/appoint-pm", response=ProjectDetailOut)
def project_appoint_pm(request, project_id: int, payload: AppointIn):
    """Ask to appoint the PM: this starts the appointment approval (see `open_approvals`); the
    PM is appointed, and a first appointment numbers the project, when it is approved."""
    project = access_project(request.auth, project_id)
    pm = resolve(User, payload.pm_id, field="pm_id")
    services.project_appoint_pm(
        actor=request.auth, project=project, pm=pm, short_name=payload.short_name
    )
    return _detail(request.auth, access_project(request.auth, project_id))


@router.post("/{project_id}/final-acceptance", response=ProjectDetailOut)
def project_record_final_acceptance(request, project_id: int, payload: FinalAcceptanceIn):
    """Record final acceptance of a project that closed after initial acceptance."""
    project = access_project(request.auth, project_id)
    services.project_record_final_acceptance(
        actor=request.auth, project=project, accepted_on=payload.accepted_on
    )
    return _detail(request.auth, access_project(request.auth, project_id))


@router.post("/{project_id}/members", response={201: MemberOut})
def member_add(request, project_id: int, payload: MemberIn):
    project = access_project(request.auth, project_id)
    user = resolve(User, payload.user_id, field="user_id")
    membership = services.project_member_add(
        actor=request.auth, project=project, user=user, role=payload.role
    )
    return Status(201, membership)


@router.delete("/{project_id}/members/{membership_id}", response={204: None})
def member_remove(request, project_id: int, membership_id: int):
    project = access_project(request.auth, project_id)
    services.project_member_remove(actor=request.auth, project=project, membership_id=membership_id)
    return Status(204, None)


@router.post("/{project_id}/transitions/{code}", response=ProjectDetailOut)
def project_transition(request, project_id: int, code: str, payload: TransitionIn):
    """Take a lifecycle step. A step that needs approval leaves the project as it is and
    starts (or resubmits) its approval, listed in `open_approvals`."""
    project = access_project(request.auth, project_id)
    services.project_transition(
        actor=request.auth, project=project, code=code, reason=payload.reason
    )
    return _detail(request.auth, access_project(request.auth, project_id))


@router.get("/{project_id}/history", response=list[HistoryOut])
def project_history(request, project_id: int):
    project = access_project(request.auth, project_id)
    return list(selectors.project_history(project)[:500])
