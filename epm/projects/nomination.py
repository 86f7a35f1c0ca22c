"""PM nomination (R2): the PMO asks, the technical department nominates within 2 working days.

On receiving the contract the PMO starts a nomination; the head of the project's department
(or of a department above it) nominates a PM, which starts the appointment approval
(technical head → account manager → PMO). The deadline is on the working calendar; the
reminder and the escalation are sent by the `projects.nomination_due` sweep.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.approvals.models import RequestStatus
from epm.core.audit import audit_record, scope_of
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import Department, OrgRole, User
from epm.core.notifications import notify
from epm.core.workcalendar import get_calendar

from . import gates, rules
from .models import Nomination, NominationStatus, Project
from .services import lock_project

NOMINATION_WORKING_DAYS = 2  # R2: "2个工作日内"


def nominating_heads(department: Department) -> list[User]:
    """Who is asked to nominate: the department's active head, or, when it has none, the
    nearest active head above it."""
    for node in department.lineage():
        if node.head_id is None:
            continue
        head = User.objects.filter(pk=node.head_id, is_active=True).first()
        if head is not None:
            return [head]
    return []


def escalation_recipients(department: Department) -> list[User]:
    """The PMO administrators and the head above the one asked to nominate."""
    pmo_admins = list(
        User.objects.filter(role_assignments__role=OrgRole.PMO_ADMIN, is_active=True).distinct()
    )
    asked = {u.pk for u in nominating_heads(department)}
    above: list[User] = []
    found_asked = not asked
    for node in department.lineage():
        if not node.head_id:
            continue
        if node.head_id in asked:
            found_asked = True
            continue
        if found_asked:
            head = User.objects.filter(pk=node.head_id, is_active=True).first()
            if head is not None:
                above = [head]
                break
    return [*pmo_admins, *above]


def current_nomination(project: Project) -> Nomination | None:
    """The nomination still in play (open, or nominated and not yet appointed)."""
    return (
        project.nominations.filter(status__in=[NominationStatus.OPEN, NominationStatus.NOMINATED])
        .order_by("-started_at", "-id")
        .first()
    )


def _url(project: Project) -> str:
    return reverse("projects:detail", args=[project.pk])


def _check_no_pm(project: Project) -> None:
    if project.is_frozen:
        raise ApplicationError(
            _("A %(state)s project cannot be edited.") % {"state": project.get_status_display()},
            "project_frozen",
        )
    if project.pm_id is not None:
        raise ApplicationError(
            _("This project already has a project manager: a PM change is a change request (R20)."),
            "pm_exists",
            status=409,
        )


@transaction.atomic
def nomination_start(*, actor: User, project: Project) -> Nomination:
    """The PMO received the contract and asks the technical department for a PM (R2)."""
    project = lock_project(project)
    if not rules.is_pmo(actor):
        raise PermissionDenied()
    _check_no_pm(project)
    if project.nominations.filter(status=NominationStatus.OPEN).exists():
        raise ApplicationError(
            _("The department has already been asked to nominate a project manager."),
            "nomination_open",
            status=409,
        )
    appointment = gates.open_request_codes(project).get("appoint_pm")
    if appointment is not None and appointment.status == RequestStatus.PENDING:
        raise ApplicationError(
            _("An appointment is already in approval."), "already_in_approval", status=409
        )
    department = project.department
    heads = nominating_heads(department)
    if not heads:
        raise ApplicationError(
            _("%(dept)s has no active department head to nominate the project manager.")
            % {"dept": department},
            "no_department_head",
        )
    now = timezone.now()
    calendar = get_calendar()
    due_on = calendar.add_working_days(now.astimezone(calendar.tz).date(), NOMINATION_WORKING_DAYS)
    nomination = Nomination.objects.create(
        project=project,
        department=department,
        started_by=actor,
        started_at=now,
        due_on=due_on,
    )
    audit_record(
        actor=actor,
        action="project.nomination_start",
        target=nomination,
        scope=scope_of(project),
        changes={"department": [None, str(department)], "due_on": [None, due_on.isoformat()]},
    )
    title_args = {"p": str(project), "d": due_on.isoformat()}
    url = _url(project)
    transaction.on_commit(
        lambda: notify(
            recipients=heads,
            kind="project.nomination",
            title=lambda: (
                _("Please nominate the project manager of %(p)s by %(d)s (R2)") % title_args
            ),
            body=_("Nominate on the project page; the appointment is then approved."),
            url=url,
            dedupe_key=f"nomination:{nomination.pk}:start",
        )
    )
    return nomination


@transaction.atomic
def nomination_submit(*, actor: User, project: Project, pm: User, short_name: str = "") -> Project:
    """The technical head (or the PMO) nominates the PM; this starts the appointment approval."""
    project = lock_project(project)
    return nominate(actor=actor, project=project, pm=pm, short_name=short_name)


def nominate(*, actor: User, project: Project, pm: User, short_name: str = "") -> Project:
    """Nominate the first PM of a locked project (also what the PMO's appointment request
    does while the project has no PM)."""
    pmo = rules.is_pmo(actor)
    if not pmo and not rules.is_nominating_head(actor, project):
        raise PermissionDenied(
            _(
                "Only the head of the project's department (or of a department above it) "
                "nominates its project manager."
            ),
            "not_head",
        )
    _check_no_pm(project)
    nomination = current_nomination(project)
    if nomination is None and not pmo:
        raise ApplicationError(
            _("The PMO has not asked for a nomination for this project yet."),
            "no_nomination",
            status=409,
        )
    if not pm.is_active:
        raise ApplicationError(_("%(u)s is not an active user.") % {"u": pm}, "inactive_user")
    short_name = " ".join(short_name.split())[:60]
    gates.request_appointment(actor=actor, project=project, pm=pm, short_name=short_name)
    if nomination is None:
        return project  # the PMO appointing directly: the approval request is the record
    before = str(nomination.nominated_pm) if nomination.nominated_pm else None
    nomination.status = NominationStatus.NOMINATED
    nomination.nominated_pm = pm
    nomination.nominated_by = actor
    nomination.nominated_at = timezone.now()
    nomination.save(update_fields=["status", "nominated_pm", "nominated_by", "nominated_at"])
    audit_record(
        actor=actor,
        action="project.nominate_pm",
        target=nomination,
        scope=scope_of(project),
        changes={"nominated_pm": [before, str(pm)]},
    )
    return project


@transaction.atomic
def nomination_cancel(*, actor: User, project: Project, reason: str = "") -> Nomination:
    """The PMO withdraws its request for a nomination (the contract fell through, …)."""
    project = lock_project(project)
    if not rules.is_pmo(actor):
        raise PermissionDenied()
    nomination = project.nominations.filter(status=NominationStatus.OPEN).first()
    if nomination is None:
        raise ApplicationError(
            _("No nomination is waiting for this project."), "no_nomination", status=409
        )
    nomination.status = NominationStatus.CANCELLED
    nomination.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="project.nomination_cancel",
        target=nomination,
        scope=scope_of(project),
        changes={"status": [NominationStatus.OPEN, NominationStatus.CANCELLED]},
        note=reason.strip()[:2000],
    )
    return nomination


def appointment_not_granted(*, actor: User, project_id: int) -> Nomination | None:
    """The first appointment was rejected or withdrawn: the department nominates again
    (inside the deciding approval's transaction). The original deadline still holds."""
    project = lock_project(Project(pk=project_id))
    if project.pm_id is not None or project.is_frozen:
        return None
    nomination = (
        project.nominations.filter(status=NominationStatus.NOMINATED)
        .order_by("-started_at", "-id")
        .first()
    )
    if nomination is None or project.nominations.filter(status=NominationStatus.OPEN).exists():
        return None
    before = str(nomination.nominated_pm or "")
    nomination.status = NominationStatus.OPEN
    nomination.nominated_pm = None
    nomination.nominated_by = None
    nomination.nominated_at = None
    nomination.save(update_fields=["status", "nominated_pm", "nominated_by", "nominated_at"])
    event = audit_record(
        actor=actor,
        action="project.nomination_reopen",
        target=nomination,
        scope=scope_of(project),
        changes={"nominated_pm": [before, None]},
    )
    heads = nominating_heads(nomination.department)
    url = _url(project)
    title_args = {"p": str(project)}
    transaction.on_commit(
        lambda: notify(
            recipients=heads,
            kind="project.nomination",
            title=lambda: (
                _("The appointment for %(p)s was not approved: please nominate again") % title_args
            ),
            url=url,
            dedupe_key=f"nomination:{nomination.pk}:reopen:{event.pk}",
        )
    )
    return nomination
