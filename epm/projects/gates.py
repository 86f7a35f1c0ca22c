"""The approval seam: the project steps that need an approval start an approval chain.

A gated transition (the template says which) and every PM appointment become an approval
request; the step itself is taken when the chain approves, inside the same transaction as the
final decision (see `approval_subjects`). Which chain serves which step is fixed here; what the
chain asks, and of whom, is data the PMO administrator edits.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from epm.approvals.models import ApprovalRequest, RequestStatus
from epm.approvals.services import approval_submit_or_resubmit, requests_cancel_for_subject
from epm.core.models import User

from . import hooks
from .lifecycle import STEP_LABELS, Transition, transition_by_code
from .models import Project

TRANSITION_KIND = "project.transition"
APPOINTMENT_KIND = "project.appoint_pm"

# Which chain approves which gated transition.
GATE_CHAINS: dict[str, str] = {
    "approve_initiation": "initiation",
    "start_execution": "implementation_plan",
    "suspend": "suspension",
    "resume": "resumption",
    "cancel": "cancellation",
    "close": "closure",
}
APPOINTMENT_CHAIN = "pm_appointment"


def request_transition(
    *, actor: User, project: Project, transition: Transition, reason: str
) -> ApprovalRequest:
    """Ask for a gated transition: resubmit the returned request for it, or start a new one."""
    chain_code = GATE_CHAINS[transition.code]
    payload = {
        **hooks.payload_for(transition.code, project),
        "code": transition.code,
        "reason": reason.strip(),
    }
    title = _("%(p)s: %(step)s") % {"p": project, "step": transition.label}
    return approval_submit_or_resubmit(
        actor=actor,
        chain_code=chain_code,
        subject_kind_code=TRANSITION_KIND,
        subject_id=project.pk,
        project=project,
        payload=payload,
        title=title,
        comment=reason,
    )


def request_appointment(
    *, actor: User, project: Project, pm: User, short_name: str
) -> ApprovalRequest:
    """Ask for a PM appointment (R2, R20); the PM is appointed when the chain approves."""
    payload = {"pm": pm.pk, "short_name": short_name}
    title = _("%(p)s: appoint %(user)s as project manager") % {"p": project, "user": pm}
    return approval_submit_or_resubmit(
        actor=actor,
        chain_code=APPOINTMENT_CHAIN,
        subject_kind_code=APPOINTMENT_KIND,
        subject_id=project.pk,
        project=project,
        payload=payload,
        title=title,
    )


def open_requests(project: Project) -> list[ApprovalRequest]:
    """The project's requests still in approval or returned, newest first."""
    return list(
        project.approval_requests.filter(
            status__in=[RequestStatus.PENDING, RequestStatus.RETURNED]
        ).select_related("chain", "submitter")
    )


def open_request_codes(project: Project) -> dict[str, ApprovalRequest]:
    """Open requests by the step they ask for ("appoint_pm" for an appointment)."""
    found: dict[str, ApprovalRequest] = {}
    for request in open_requests(project):
        if request.subject_kind == APPOINTMENT_KIND:
            found["appoint_pm"] = request
        else:
            found[str(request.payload.get("code", ""))] = request
    return found


def initiation_in_approval(project: Project) -> bool:
    """Whether the initiation approval is running, so the PMO's direct return is not offered:
    the approvers return it (退回) and the history stays in one request."""
    return project.approval_requests.filter(
        status=RequestStatus.PENDING, payload__code="approve_initiation"
    ).exists()


def after_move(*, actor: User, project: Project) -> None:
    """Cancel open requests the project's new state has made pointless (a suspension asked
    for a project since cancelled), so an approval never applies to a state it was not for."""
    template = project.project_type.lifecycle
    keep: list[int] = []
    for request in open_requests(project):
        if request.subject_kind != TRANSITION_KIND:
            continue
        transition = transition_by_code(template, str(request.payload.get("code", "")))
        returned_initiation = (
            request.status == RequestStatus.RETURNED
            and request.payload.get("code") == "approve_initiation"
            and project.status == "draft"
        )
        if returned_initiation or (transition and project.status in transition.sources):
            keep.append(request.pk)
    reason = _("The project is now %(state)s.") % {"state": project.get_status_display()}
    requests_cancel_for_subject(
        actor=actor,
        subject_kind_code=TRANSITION_KIND,
        subject_id=project.pk,
        reason=reason,
        keep=keep,
    )
    if project.is_frozen:
        requests_cancel_for_subject(
            actor=actor, subject_kind_code=APPOINTMENT_KIND, subject_id=project.pk, reason=reason
        )


def step_label(code: str) -> str:
    return str(STEP_LABELS.get(code, code))
