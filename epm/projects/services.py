"""Every state-changing operation on projects: one function per business action.

Each runs in one transaction, locks the project row, re-checks its guard inside the lock,
writes an audit event and queues notifications for after the commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, diff, scope_of, snapshot
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import Department, User
from epm.core.money import MONEY_LIMIT
from epm.core.notifications import notify
from epm.core.workcalendar import company_time_zone

from . import gates, hooks, rules
from .lifecycle import (
    Transition,
    final_acceptance_after_closure,
    template_problems,
    transition_by_code,
)
from .models import (
    LifecycleTemplate,
    Membership,
    NumberSequence,
    Project,
    ProjectRole,
    ProjectType,
    Status,
)

EDITABLE_FIELDS = [
    "name",
    "short_name",
    "description",
    "customer",
    "contract_number",
    "contract_amount",
    "contract_signed_on",
    "is_virtual_contract",
    "contract_initial_acceptance_on",
    "contract_final_acceptance_on",
    "department",
    "account_manager",
    "assistant",
    "is_big_project",
    "parent",
    "planned_start",
    "planned_finish",
]
AUDITED_FIELDS = ["number", "pm", "status", *EDITABLE_FIELDS]
# Reaching these states records the date the acceptance passed.
ACCEPTED_ON: dict[str, str] = {
    Status.INITIAL_ACCEPTANCE: "initial_accepted_on",
    Status.FINAL_ACCEPTANCE: "final_accepted_on",
}
RECORDABLE_AFTER_CLOSURE = frozenset({Status.CLOSING, Status.CLOSED, Status.MAINTENANCE})


def company_today() -> dt.date:
    return timezone.localdate(timezone=company_time_zone())


def lock_project(project: Project | int) -> Project:
    """The project's row, locked for the caller's transaction (every service that changes a
    project or what belongs to it takes this lock first, so they run one after another)."""
    pk = project if isinstance(project, int) else project.pk
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("project_type__lifecycle")
        .get(pk=pk)
    )


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("The contract amount is not a number."), "invalid_amount") from exc
    if not amount.is_finite() or amount < 0:
        raise ApplicationError(_("The contract amount cannot be negative."), "invalid_amount")
    exponent = amount.as_tuple().exponent  # an int for finite numbers, checked above
    if isinstance(exponent, int) and exponent < -2:
        raise ApplicationError(_("The contract amount has at most two decimals."), "invalid_amount")
    if amount >= MONEY_LIMIT:
        raise ApplicationError(_("The contract amount is too large."), "invalid_amount")
    return amount


def _validate(project: Project) -> None:
    """Invariants of a project that need no other object; raises on the first problem."""
    if not project.name.strip():
        raise ApplicationError(_("A project needs a name."), "name_required")
    if not project.customer.strip():
        raise ApplicationError(_("A project needs a customer."), "customer_required")
    project.contract_amount = _money(project.contract_amount)
    if (
        project.planned_start
        and project.planned_finish
        and project.planned_finish < project.planned_start
    ):
        raise ApplicationError(
            _("The planned finish cannot be before the planned start."), "finish_before_start"
        )
    if (
        project.contract_initial_acceptance_on
        and project.contract_final_acceptance_on
        and project.contract_final_acceptance_on < project.contract_initial_acceptance_on
    ):
        raise ApplicationError(
            _("Final acceptance cannot be due before initial acceptance."),
            "acceptance_dates_order",
        )
    parent = project.parent if project.parent_id else None
    if parent is not None:
        if project.pk and parent.pk == project.pk:
            raise ApplicationError(_("A project cannot be its own big project."), "parent_self")
        if not parent.is_big_project:
            raise ApplicationError(
                _("%(p)s is not a big project.") % {"p": parent}, "parent_not_big"
            )
        if parent.parent_id:
            raise ApplicationError(
                _("Sub-projects cannot have sub-projects of their own."), "parent_nested"
            )
        if project.is_big_project:
            raise ApplicationError(
                _("A big project cannot itself be a sub-project."), "parent_nested"
            )
    if project.pk and not project.is_big_project and project.children.exists():
        raise ApplicationError(
            _("This project has sub-projects, so it must stay a big project."), "has_children"
        )


def _notify_team(
    project: Project, *, actor: User | None, kind: str, title, key: str, body=""
) -> None:
    recipients = [project.pm, project.assistant, project.account_manager]
    recipients = [u for u in recipients if u is not None and (actor is None or u.pk != actor.pk)]
    url = reverse("projects:detail", args=[project.pk])
    transaction.on_commit(
        lambda: notify(
            recipients=recipients, kind=kind, title=title, body=body, url=url, dedupe_key=key
        )
    )


@transaction.atomic
def project_create(
    *,
    actor: User,
    name: str,
    project_type: ProjectType,
    customer: str,
    department: Department,
    **fields: Any,
) -> Project:
    """Register a project from a contract (R1): it starts as a draft without a number."""
    if not rules.can_create_project(actor):
        raise PermissionDenied()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project = Project(
        name=name.strip(),
        project_type=project_type,
        customer=customer.strip(),
        department=department,
        created_by=actor,
        status=Status.DRAFT,
        status_changed_at=timezone.now(),
        **fields,
    )
    _validate(project)
    project.save()
    audit_record(
        actor=actor,
        action="project.create",
        target=project,
        changes={
            k: [None, v]
            for k, v in snapshot(project, AUDITED_FIELDS).items()
            if v not in (None, "", False)
        },
    )
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, **fields: Any) -> Project:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project = lock_project(project)
    if project.is_frozen:
        raise ApplicationError(
            _("A %(state)s project cannot be edited.") % {"state": project.get_status_display()},
            "project_frozen",
        )
    if not rules.can_edit_project(actor, project):
        raise PermissionDenied()
    before = snapshot(project, AUDITED_FIELDS)
    for field, value in fields.items():
        setattr(project, field, value.strip() if isinstance(value, str) else value)
    _validate(project)
    changes = diff(before, snapshot(project, AUDITED_FIELDS))
    if not changes:
        return project
    project.save(update_fields=[*fields, "updated_at"])
    audit_record(actor=actor, action="project.update", target=project, changes=changes)
    return project


def _next_number(today: dt.date) -> str:
    """The next number from the configured pattern, e.g. XM{year}{seq:04} → XM20260001."""
    pattern = settings.EPM_PROJECT_NUMBER_PATTERN
    key = f"{pattern}|{today.year}" if "{year" in pattern else pattern
    NumberSequence.objects.get_or_create(key=key[:60])
    sequence = NumberSequence.objects.select_for_update().get(key=key[:60])
    while True:
        sequence.last += 1
        number = pattern.format(year=today.year, month=today.month, seq=sequence.last)
        if not Project.objects.filter(number=number).exists():
            break
    sequence.save(update_fields=["last"])
    return number


@transaction.atomic
def project_appoint_pm(*, actor: User, project: Project, pm: User, short_name: str = "") -> Project:
    """Ask to appoint (or replace) the PM (R2, R20): this starts the appointment approval, and
    the PM is appointed when it is approved; the first appointment assigns the number (R3)."""
    project = lock_project(project)
    if not rules.can_appoint_pm(actor, project):
        raise PermissionDenied()
    if project.pm_id is None:
        # The first appointment is the nomination (R2), whoever asks for it.
        from .nomination import nominate

        nominate(actor=actor, project=project, pm=pm, short_name=short_name)
        return project
    if not pm.is_active:
        raise ApplicationError(_("%(u)s is not an active user.") % {"u": pm}, "inactive_user")
    short_name = short_name.strip()[:60]
    if project.pm_id == pm.pk and (not short_name or short_name == project.short_name):
        raise ApplicationError(
            _("%(u)s already manages this project.") % {"u": pm}, "nothing_to_appoint"
        )
    gates.request_appointment(actor=actor, project=project, pm=pm, short_name=short_name)
    return project


@transaction.atomic
def project_assign_number(
    *, actor: User, project: Project, number: str, short_name: str
) -> Project:
    """R3: the PMO administrator sets or corrects the project number and short name (the
    appointment assigned one automatically) until the initiation is submitted."""
    project = lock_project(project)
    if not rules.is_pmo_admin(actor):
        raise PermissionDenied()
    if project.status != Status.DRAFT:
        raise ApplicationError(
            _("The project number is fixed once the initiation has been submitted (R3)."),
            "number_locked",
            status=409,
        )
    number = " ".join(str(number).split())
    short_name = " ".join(str(short_name).split())
    if not number:
        raise ApplicationError(_("Enter the project number."), "number_required")
    if len(number) > 40:
        raise ApplicationError(_("The project number has at most 40 characters."), "invalid_number")
    if len(short_name) > 60:
        raise ApplicationError(_("The short name has at most 60 characters."), "invalid_short_name")
    if Project.objects.filter(number=number).exclude(pk=project.pk).exists():
        raise ApplicationError(
            _("The project number %(n)s is taken.") % {"n": number}, "number_taken", status=409
        )
    before = snapshot(project, ["number", "short_name"])
    project.number, project.short_name = number, short_name
    changes = diff(before, snapshot(project, ["number", "short_name"]))
    if not changes:
        return project
    try:
        with transaction.atomic():
            project.save(update_fields=["number", "short_name", "updated_at"])
    except IntegrityError as exc:
        raise ApplicationError(
            _("The project number %(n)s is taken.") % {"n": number}, "number_taken", status=409
        ) from exc
    audit_record(actor=actor, action="project.assign_number", target=project, changes=changes)
    return project


def appointment_approved(*, actor: User, project_id: int, pm_id: int, short_name: str) -> Project:
    """Carry out an approved appointment (called inside the deciding approval's transaction)."""
    project = lock_project(Project(pk=project_id))
    if project.is_frozen:
        raise ApplicationError(
            _("A %(state)s project cannot be edited.") % {"state": project.get_status_display()},
            "project_frozen",
        )
    pm = User.objects.filter(pk=pm_id, is_active=True).first()
    if pm is None:
        raise ApplicationError(
            _("The nominated project manager is no longer an active user."), "inactive_user"
        )
    return _appoint(actor=actor, project=project, pm=pm, short_name=short_name)


def _appoint(*, actor: User, project: Project, pm: User, short_name: str) -> Project:
    before = snapshot(project, AUDITED_FIELDS)
    previous = project.pm
    project.pm = pm
    if short_name:
        project.short_name = short_name
    if not project.number:
        project.number = _next_number(company_today())
    try:
        with transaction.atomic():
            project.save(update_fields=["pm", "number", "short_name", "updated_at"])
    except IntegrityError as exc:
        raise ApplicationError(_("That project number is taken."), "number_taken") from exc
    event = audit_record(
        actor=actor,
        action="project.appoint_pm",
        target=project,
        changes=diff(before, snapshot(project, AUDITED_FIELDS)),
    )
    url = reverse("projects:detail", args=[project.pk])

    def tell() -> None:
        if previous is None or previous.pk != pm.pk:
            notify(
                recipients=[pm],
                kind="project.pm_appointed",
                title=lambda: _("You are the project manager of %(p)s") % {"p": project},
                url=url,
                dedupe_key=f"audit:{event.pk}:new_pm",
            )
        if previous is not None and previous.pk != pm.pk:
            notify(
                recipients=[previous],
                kind="project.pm_replaced",
                title=lambda: (
                    _("%(user)s now manages %(p)s; please hand over (R20)")
                    % {"user": pm, "p": project}
                ),
                url=url,
                dedupe_key=f"audit:{event.pk}:old_pm",
            )

    transaction.on_commit(tell)
    return project


@transaction.atomic
def project_member_add(*, actor: User, project: Project, user: User, role: str) -> Membership:
    project = lock_project(project)
    if not rules.can_manage_members(actor, project):
        raise PermissionDenied()
    if role not in ProjectRole.values:
        raise ApplicationError(_("Unknown project role."), "invalid_role")
    if not user.is_active:
        raise ApplicationError(_("%(u)s is not an active user.") % {"u": user}, "inactive_user")
    if Membership.objects.filter(project=project, user=user, role=role).exists():
        raise ApplicationError(
            _("%(u)s already has this role in the project.") % {"u": user}, "member_exists"
        )
    membership = Membership.objects.create(project=project, user=user, role=role)
    audit_record(
        actor=actor,
        action="project.member_add",
        target=membership,
        scope=scope_of(project),
        changes={"member": [None, f"{user} · {membership.get_role_display()}"]},
    )
    return membership


@transaction.atomic
def project_member_remove(*, actor: User, project: Project, membership_id: int) -> None:
    project = lock_project(project)
    if not rules.can_manage_members(actor, project):
        raise PermissionDenied()
    membership = Membership.objects.filter(project=project, pk=membership_id).first()
    if membership is None:
        raise ApplicationError(_("No such member in this project."), "member_not_found", status=404)
    label = str(membership)
    audit_record(
        actor=actor,
        action="project.member_remove",
        target=membership,
        scope=scope_of(project),
        changes={"member": [label, None]},
    )
    membership.delete()


# --- Lifecycle -----------------------------------------------------------------------------------


def _guard(project: Project, transition: Transition, reason: str) -> None:
    """Business preconditions of a transition beyond its source state."""
    if transition.needs_reason and not reason.strip():
        raise ApplicationError(_("Please give a reason."), "reason_required")
    if transition.code == "submit":
        if not (
            project.is_virtual_contract or (project.contract_number and project.contract_signed_on)
        ):
            raise ApplicationError(
                _(
                    "Initiation needs a signed contract (number and date) "
                    "or a virtual contract (R1)."
                ),
                "contract_required",
            )
        if project.pm_id is None or not project.number:
            raise ApplicationError(
                _(
                    "Appoint the project manager first; "
                    "that also assigns the project number (R2, R3)."
                ),
                "pm_required",
            )
    if transition.code == "start_execution" and not (
        project.planned_start and project.planned_finish
    ):
        raise ApplicationError(
            _("Set the planned start and finish before execution starts."), "dates_required"
        )
    hooks.run_guards(transition.code, project)


def project_transition(*, actor: User, project: Project, code: str, reason: str = "") -> Project:
    """Move the project along the transition `code` of its type's lifecycle.

    A transition the template gates is not taken here: it starts (or resubmits) its approval,
    and is taken when that approves. Submitting for initiation review moves the project at
    once and starts the initiation approval when the template gates it.
    """
    with transaction.atomic():
        project = lock_project(project)
        template = project.project_type.lifecycle
        transition = _transition(project, code)
        if not rules.can_request_transition(actor, project, transition):
            raise PermissionDenied()
        if code == "reject_initiation" and gates.initiation_in_approval(project):
            raise ApplicationError(
                _(
                    "The initiation is in approval: its approvers return it to the submitter "
                    "from the approval page."
                ),
                "in_approval",
                status=409,
            )
        _guard(project, transition, reason)
        if transition.needs_approval(template):
            gates.request_transition(
                actor=actor, project=project, transition=transition, reason=reason
            )
            return project
        project = _apply(actor=actor, project=project, transition=transition, reason=reason)
        review = transition_by_code(template, "approve_initiation")
        if code == "submit" and review is not None and review.needs_approval(template):
            gates.request_transition(actor=actor, project=project, transition=review, reason="")
        return project


def _transition(project: Project, code: str) -> Transition:
    transition = transition_by_code(project.project_type.lifecycle, code)
    if transition is None:
        raise ApplicationError(
            _("Unknown transition: %(code)s") % {"code": code}, "unknown_transition"
        )
    if project.status not in transition.sources:
        raise ApplicationError(
            _("“%(step)s” is not possible while the project is %(state)s.")
            % {"step": transition.label, "state": project.get_status_display()},
            "invalid_transition",
            status=409,
        )
    return transition


def take_transition(*, actor: User, project_id: int, code: str, reason: str) -> Project:
    """Take a transition without asking for its approval: the approval engine calls this when
    the approval was just granted (inside the deciding transaction), and to move a returned
    initiation back into review when it is resubmitted."""
    project = lock_project(Project(pk=project_id))
    transition = _transition(project, code)
    _guard(project, transition, reason)
    return _apply(actor=actor, project=project, transition=transition, reason=reason)


def initiation_sent_back(*, actor: User, project_id: int, reason: str) -> Project | None:
    """The initiation approval was returned, rejected or withdrawn: back to draft for editing."""
    project = lock_project(Project(pk=project_id))
    if project.status != Status.INITIATION_REVIEW:
        return None
    transition = _transition(project, "reject_initiation")
    return _apply(actor=actor, project=project, transition=transition, reason=reason)


def _apply(*, actor: User, project: Project, transition: Transition, reason: str) -> Project:
    before = project.status
    fields = ["status", "suspended_from", "status_changed_at", "updated_at"]
    if transition.code == "resume":
        target = project.suspended_from or Status.EXECUTING
    else:
        target = transition.target
    # Only a suspended project remembers where it came from.
    project.suspended_from = before if target == Status.SUSPENDED else ""
    accepted_field = ACCEPTED_ON.get(target)
    if accepted_field:
        setattr(project, accepted_field, company_today())
        fields.append(accepted_field)
    project.status = target
    project.status_changed_at = timezone.now()
    project.save(update_fields=fields)
    event = audit_record(
        actor=actor,
        action=f"project.{transition.code}",
        target=project,
        changes={"status": [before, target]},
        note=reason.strip(),
    )
    _notify_team(
        project,
        actor=actor,
        kind="project.transition",
        title=lambda: _("%(p)s: %(step)s") % {"p": project, "step": transition.label},
        body=reason.strip(),
        key=f"audit:{event.pk}",
    )
    hooks.run_effects(transition.code, actor, project)
    gates.after_move(actor=actor, project=project)
    return project


@transaction.atomic
def project_record_final_acceptance(
    *, actor: User, project: Project, accepted_on: dt.date
) -> Project:
    """Record the final acceptance of a project that closed after initial acceptance (e.g. system
    integration, whose final acceptance follows the warranty period), without a state change."""
    project = lock_project(project)
    if not rules.can_record_final_acceptance(actor, project):
        raise PermissionDenied()
    if not final_acceptance_after_closure(project.project_type.lifecycle):
        raise ApplicationError(
            _("Final acceptance of this project type is a lifecycle step, not a record."),
            "final_acceptance_is_a_step",
        )
    if project.status not in RECORDABLE_AFTER_CLOSURE:
        raise ApplicationError(
            _("Final acceptance can be recorded once closure has started."), "too_early"
        )
    if project.final_accepted_on is not None:
        raise ApplicationError(
            _("Final acceptance was already recorded (passed on %(d)s).")
            % {"d": project.final_accepted_on.isoformat()},
            "already_recorded",
        )
    if project.initial_accepted_on and accepted_on < project.initial_accepted_on:
        raise ApplicationError(
            _("Final acceptance cannot be before initial acceptance (%(d)s).")
            % {"d": project.initial_accepted_on.isoformat()},
            "before_initial_acceptance",
        )
    if accepted_on > company_today():
        raise ApplicationError(_("Final acceptance cannot be in the future."), "future_date")
    project.final_accepted_on = accepted_on
    project.save(update_fields=["final_accepted_on", "updated_at"])
    audit_record(
        actor=actor,
        action="project.record_final_acceptance",
        target=project,
        changes={"final_accepted_on": [None, accepted_on]},
    )
    return project


def project_submit(*, actor: User, project: Project) -> Project:
    return project_transition(actor=actor, project=project, code="submit")


def project_suspend(*, actor: User, project: Project, reason: str) -> Project:
    return project_transition(actor=actor, project=project, code="suspend", reason=reason)


def project_resume(*, actor: User, project: Project, reason: str) -> Project:
    return project_transition(actor=actor, project=project, code="resume", reason=reason)


def project_cancel(*, actor: User, project: Project, reason: str) -> Project:
    return project_transition(actor=actor, project=project, code="cancel", reason=reason)


def project_close(*, actor: User, project: Project) -> Project:
    return project_transition(actor=actor, project=project, code="close")


@transaction.atomic
def lifecycle_template_update(
    *,
    actor: User,
    template: LifecycleTemplate,
    phases: list[str],
    closure_after: str,
    gates: list[str],
) -> LifecycleTemplate:
    if not rules.can_edit_lifecycle_templates(actor):
        raise PermissionDenied()
    problems = template_problems(phases=phases, closure_after=closure_after, gates=gates)
    if problems:
        raise ApplicationError(" ".join(problems), "invalid_template", detail=problems)
    template = LifecycleTemplate.objects.select_for_update().get(pk=template.pk)
    before = {
        "phases": template.phases,
        "closure_after": template.closure_after,
        "gates": template.gates,
    }
    template.phases = sorted(set(phases))
    template.closure_after = closure_after
    template.gates = sorted(set(gates))
    template.save()
    changes = diff(
        before,
        {
            "phases": template.phases,
            "closure_after": template.closure_after,
            "gates": template.gates,
        },
    )
    if changes:
        audit_record(actor=actor, action="lifecycle.update", target=template, changes=changes)
    return template
