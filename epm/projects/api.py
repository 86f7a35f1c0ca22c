"""API endpoints for projects: list, detail, create, update, members, transitions, history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from epm.core.api import PageQuery, paginate, resolve
from epm.core.errors import ApplicationError
from epm.core.models import Department, User

from . import gates, intake, intake_selectors, nomination, selectors, services
from .models import Project, ProjectType
from .rules import access_project
from .schemas import (
    AppointIn,
    DeliverableIn,
    DeliverableOut,
    DeliverablePatch,
    FinalAcceptanceIn,
    HistoryOut,
    MemberIn,
    MemberOut,
    NominateIn,
    NominationStateOut,
    NumberIn,
    OutsourcingIn,
    OutsourcingOut,
    OutsourcingPatch,
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


# --- Contract intake (R1) --------------------------------------------------------------------


@router.get("/{project_id}/deliverables", response=list[DeliverableOut])
def deliverable_list(request, project_id: int):
    """The deliverables the contract lists (checked again at closure)."""
    return intake_selectors.deliverables(access_project(request.auth, project_id))


@router.post("/{project_id}/deliverables", response={201: DeliverableOut})
def deliverable_add(request, project_id: int, payload: DeliverableIn):
    project = access_project(request.auth, project_id)
    item = intake.deliverable_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, item)


@router.patch("/{project_id}/deliverables/{deliverable_id}", response=DeliverableOut)
def deliverable_update(request, project_id: int, deliverable_id: int, payload: DeliverablePatch):
    project = access_project(request.auth, project_id)
    return intake.deliverable_update(
        actor=request.auth,
        project=project,
        deliverable_id=deliverable_id,
        **payload.dict(exclude_unset=True),
    )


@router.delete("/{project_id}/deliverables/{deliverable_id}", response={204: None})
def deliverable_remove(request, project_id: int, deliverable_id: int):
    project = access_project(request.auth, project_id)
    intake.deliverable_remove(actor=request.auth, project=project, deliverable_id=deliverable_id)
    return Status(204, None)


def _part_out(project: Project, part_id: int):
    for row in intake_selectors.outsourcing_rows(project):
        if row.part.pk == part_id:
            return _row(row)
    raise ApplicationError(_("No such outsourcing part in this project."), "not_found", status=404)


def _row(row: intake_selectors.PartRow):
    part = row.part
    part.request_id = row.request.pk if row.request else None
    part.request_status = row.request.status if row.request else None
    return part


@router.get("/{project_id}/outsourcing", response=list[OutsourcingOut])
def outsourcing_list(request, project_id: int):
    """Outsourced parts of the work with the state of their outsourcing applications."""
    project = access_project(request.auth, project_id)
    return [_row(row) for row in intake_selectors.outsourcing_rows(project)]


@router.post("/{project_id}/outsourcing", response={201: OutsourcingOut})
def outsourcing_add(request, project_id: int, payload: OutsourcingIn):
    project = access_project(request.auth, project_id)
    part = intake.outsourcing_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, _part_out(project, part.pk))


@router.patch("/{project_id}/outsourcing/{part_id}", response=OutsourcingOut)
def outsourcing_update(request, project_id: int, part_id: int, payload: OutsourcingPatch):
    """Edit a part; once approved only `contract_number` may change."""
    project = access_project(request.auth, project_id)
    intake.outsourcing_update(
        actor=request.auth, project=project, part_id=part_id, **payload.dict(exclude_unset=True)
    )
    return _part_out(project, part_id)


@router.delete("/{project_id}/outsourcing/{part_id}", response={204: None})
def outsourcing_remove(request, project_id: int, part_id: int):
    project = access_project(request.auth, project_id)
    intake.outsourcing_remove(actor=request.auth, project=project, part_id=part_id)
    return Status(204, None)


@router.post("/{project_id}/outsourcing/{part_id}/submit", response=OutsourcingOut)
def outsourcing_submit(request, project_id: int, part_id: int):
    """Submit the outsourcing application to its approval chain (PMO → commerce → president)."""
    project = access_project(request.auth, project_id)
    intake.outsourcing_submit(actor=request.auth, project=project, part_id=part_id)
    return _part_out(project, part_id)


# --- PM nomination (R2) and the project number (R3) -------------------------------------------


def _nomination_state(project: Project) -> dict:
    appointment = gates.open_request_codes(project).get("appoint_pm")
    return {
        "project_id": project.pk,
        "pm": project.pm,
        "nomination": intake_selectors.latest_nomination(project),
        "appointment_request_id": appointment.pk if appointment else None,
        "appointment_status": appointment.status if appointment else None,
    }


@router.get("/{project_id}/nomination", response=NominationStateOut)
def nomination_detail(request, project_id: int):
    """The newest PM nomination and the appointment request it started, if still open."""
    return _nomination_state(access_project(request.auth, project_id))


@router.post("/{project_id}/nomination", response={201: NominationStateOut})
def nomination_start(request, project_id: int):
    """The PMO asks the technical department to nominate a PM within 2 working days."""
    project = access_project(request.auth, project_id)
    nomination.nomination_start(actor=request.auth, project=project)
    return Status(201, _nomination_state(access_project(request.auth, project_id)))


@router.post("/{project_id}/nomination/submit", response=NominationStateOut)
def nomination_submit(request, project_id: int, payload: NominateIn):
    """The technical head nominates the PM: this starts the appointment approval."""
    project = access_project(request.auth, project_id)
    pm = resolve(User, payload.pm_id, field="pm_id")
    nomination.nomination_submit(
        actor=request.auth, project=project, pm=pm, short_name=payload.short_name
    )
    return _nomination_state(access_project(request.auth, project_id))


@router.put("/{project_id}/number", response=ProjectDetailOut)
def project_assign_number(request, project_id: int, payload: NumberIn):
    """The PMO administrator sets or corrects the number and short name before initiation."""
    project = access_project(request.auth, project_id)
    services.project_assign_number(
        actor=request.auth, project=project, number=payload.number, short_name=payload.short_name
    )
    return _detail(request.auth, access_project(request.auth, project_id))
