"""The implementation plan (R4): writing it in versions, submitting it, reviewers' comments.

The plan is written by the PM (the assistant or the PMO may help) once the project is initiated
and before execution (`rules.PLAN_EDITABLE`). Submitting it asks for the "start_execution" step
of the project's lifecycle, which the "implementation_plan" chain approves (a countersign, see
`plan_sections`). A submitted version is frozen: a returned plan is edited into a new version,
so reviewers can read what changed since the version they saw.

The plan's own status follows the approval (the hooks in `lifecycle_hooks` move it); when the
approval vanished without a decision (cancelled because the project was suspended), a plan still
marked "in review" is treated as being written again.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus
from epm.core.audit import CHARACTERS_SUFFIX, audit_record, scope_of
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.core.notifications import notify
from epm.projects import gates
from epm.projects.models import Project
from epm.projects.services import lock_project, project_transition

from .. import rules
from ..models import (
    BaselineSource,
    ImplementationPlan,
    PlanComment,
    PlanSeen,
    PlanStatus,
    PlanVersion,
    WbsTask,
)
from ..plan_sections import MAX_SECTION_CHARS, SECTION_CODES, SECTIONS, section
from .baseline import baseline_set

STEP = "start_execution"
MAX_COMMENT_CHARS = 5_000


# --- Reading helpers the hooks, selectors and services share ---------------------------------


def pending_plan_request(project: Project) -> ApprovalRequest | None:
    """The approval deciding the plan right now, if any."""
    request = gates.open_request_codes(project).get(STEP)
    if request is not None and request.status == RequestStatus.PENDING:
        return request
    return None


def effective_status(plan: ImplementationPlan | None, project: Project) -> str:
    """The plan's status as the approvals say it is: in review exactly while an approval of it
    is pending (also when resubmitted from the approval page), otherwise as stored, except
    that "in review" without an approval (it was cancelled) means being written again."""
    if pending_plan_request(project) is not None:
        return PlanStatus.IN_REVIEW
    if plan is None or plan.status == PlanStatus.IN_REVIEW:
        return PlanStatus.DRAFT
    return plan.status


def latest_version(plan: ImplementationPlan | None) -> PlanVersion | None:
    if plan is None:
        return None
    return plan.versions.order_by("-number").first()


def latest_submitted(plan: ImplementationPlan | None) -> PlanVersion | None:
    if plan is None:
        return None
    return plan.versions.filter(submitted_at__isnull=False).order_by("-number").first()


def missing_sections(sections: dict[str, Any]) -> list[str]:
    """The codes of the sections left empty, in plan order."""
    return [code for code in SECTION_CODES if not str(sections.get(code) or "").strip()]


def missing_labels(codes: list[str]) -> str:
    return "、".join(str(s.label) for s in SECTIONS if s.code in codes)


def plan_problems(project: Project) -> list[str]:
    """Why the plan cannot be asked to be approved yet (empty when it can)."""
    plan = ImplementationPlan.objects.filter(project=project).first()
    version = latest_version(plan)
    if version is None:
        return [_("The implementation plan has not been written yet (R4).")]
    missing = missing_sections(version.sections)
    if missing:
        return [
            _("These sections of the implementation plan are empty: %(s)s.")
            % {"s": missing_labels(missing)}
        ]
    if version.submitted_at is None:
        return [_("Submit the implementation plan for approval from the plan page (R4).")]
    return []


# --- Writing -------------------------------------------------------------------------------------


def _label(code: str) -> str:
    found = section(code)
    return str(found.label) if found else code


def _clean_sections(sections: Any) -> dict[str, str]:
    if not isinstance(sections, dict):
        raise ApplicationError(_("The sections must be given by their codes."), "invalid_sections")
    unknown = [str(code) for code in sections if code not in SECTION_CODES]
    if unknown:
        raise ApplicationError(
            _("Unknown sections: %(s)s") % {"s": ", ".join(sorted(unknown))},
            "unknown_section",
            detail=sorted(unknown),
        )
    clean: dict[str, str] = {}
    for code, value in sections.items():
        if value is not None and not isinstance(value, str):
            raise ApplicationError(
                _("%(section)s must be text.") % {"section": _label(code)},
                "invalid_sections",
            )
        text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise ApplicationError(
                _("%(section)s is longer than %(n)d characters.")
                % {"section": _label(code), "n": MAX_SECTION_CHARS},
                "too_long",
                detail={"section": code},
            )
        clean[code] = text
    return clean


def _lock_plan(project: Project) -> ImplementationPlan:
    """The plan row, created on first use and locked (the project row is locked already)."""
    ImplementationPlan.objects.get_or_create(project=project)
    return ImplementationPlan.objects.select_for_update().get(project=project)


def _check_writable(actor: User, project: Project, plan: ImplementationPlan) -> None:
    if not rules.is_preparer(actor, project):
        raise PermissionDenied()
    if pending_plan_request(project) is not None:
        raise ApplicationError(
            _(
                "The implementation plan is in approval, so it cannot be changed. "
                "Ask an approver to return it if something must change."
            ),
            "in_approval",
            status=409,
        )
    if not rules.can_edit_plan(actor, project):
        raise ApplicationError(
            _(
                "The project is %(state)s: the implementation plan is written after the "
                "initiation is approved and before execution starts."
            )
            % {"state": project.get_status_display()},
            "plan_closed",
            status=409,
        )
    if plan.status == PlanStatus.IN_REVIEW:
        # Its approval was cancelled (the project was suspended meanwhile): writing again.
        plan.status = PlanStatus.DRAFT
        plan.save(update_fields=["status", "updated_at"])


def _lengths(before: dict[str, Any], after: dict[str, str]) -> dict[str, list[Any]]:
    """The audit keeps which sections changed and their lengths, not the whole text."""
    return {
        f"{code}{CHARACTERS_SUFFIX}": [len(str(before.get(code) or "")), len(after[code])]
        for code in SECTION_CODES
        if str(before.get(code) or "") != after[code]
    }


@transaction.atomic
def plan_save(*, actor: User, project: Project, sections: dict[str, str]) -> PlanVersion:
    """Write sections of the plan (those left out keep their text).

    The latest version is edited while it has not been submitted; once submitted it is frozen,
    so the first save after a return makes version n+1 from it.
    """
    clean = _clean_sections(sections)
    project = lock_project(project)
    plan = _lock_plan(project)
    _check_writable(actor, project, plan)
    latest = latest_version(plan)
    before: dict[str, Any] = dict(latest.sections) if latest else {}
    after = {code: clean.get(code, str(before.get(code) or "")) for code in SECTION_CODES}
    changes: dict[str, list[Any]] = dict(_lengths(before, after))
    if latest is not None and not changes:
        return latest
    if latest is None or latest.submitted_at is not None:
        version = PlanVersion.objects.create(
            plan=plan,
            number=latest.number + 1 if latest else 1,
            sections=after,
            created_by=actor,
        )
        changes["version"] = [latest.number if latest else None, version.number]
    else:
        version = latest
        version.sections = after
        version.save(update_fields=["sections", "updated_at"])
    if plan.status != PlanStatus.DRAFT:
        changes["status"] = [plan.status, PlanStatus.DRAFT]
        plan.status = PlanStatus.DRAFT
    plan.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="planning.plan_save",
        target=plan,
        scope=scope_of(project),
        changes=changes,
        note=f"v{version.number}",
    )
    return version


def _move(
    actor: User,
    project: Project,
    plan: ImplementationPlan,
    status: str,
    action: str,
    version: PlanVersion | None = None,
    note: str = "",
) -> None:
    """Set the plan's state and audit the move (with the version it concerns)."""
    changes: dict[str, list[Any]] = {"status": [plan.status, status]}
    if version is not None:
        changes["version"] = [None, version.number]
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        target=plan,
        scope=scope_of(project),
        changes=changes,
        note=note.strip(),
    )


@transaction.atomic
def plan_submit(*, actor: User, project: Project, reason: str = "") -> ImplementationPlan:
    """Submit the latest version for approval: this asks for the start of execution, which the
    implementation plan chain approves (or which happens at once when the type needs none)."""
    project = lock_project(project)
    plan = _lock_plan(project)
    _check_writable(actor, project, plan)
    version = latest_version(plan)
    if version is None:
        raise ApplicationError(
            _("The implementation plan has not been written yet (R4)."), "plan_required"
        )
    missing = missing_sections(version.sections)
    if missing:
        raise ApplicationError(
            _("Fill in every section before submitting; empty: %(s)s.")
            % {"s": missing_labels(missing)},
            "plan_incomplete",
            detail=missing,
        )
    version.submitted_at = timezone.now()
    version.save(update_fields=["submitted_at", "updated_at"])
    _move(actor, project, plan, PlanStatus.IN_REVIEW, "planning.plan_submit", version, reason)
    # Not gated: the project moves at once and the effect hook approves the plan.
    project_transition(actor=actor, project=project, code=STEP, reason=reason)
    plan.refresh_from_db()
    return plan


def _may_comment(actor: User, project: Project, request: ApprovalRequest) -> bool:
    if rules.is_preparer(actor, project):
        return True
    return ApprovalTask.objects.filter(
        Q(assignee=actor) | Q(escalated_to=actor), request=request
    ).exists()


@transaction.atomic
def plan_comment_add(*, actor: User, project: Project, section: str, text: str) -> PlanComment:
    """A reviewer's (or the PM's) comment on one section of the version under review."""
    if section not in SECTION_CODES:
        raise ApplicationError(
            _("Unknown sections: %(s)s") % {"s": section}, "unknown_section", detail=[section]
        )
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write the comment first."), "comment_required")
    if len(text) > MAX_COMMENT_CHARS:
        raise ApplicationError(
            _("A comment is at most %(n)d characters.") % {"n": MAX_COMMENT_CHARS}, "too_long"
        )
    project = lock_project(project)
    plan = ImplementationPlan.objects.filter(project=project).first()
    request = pending_plan_request(project)
    version = latest_submitted(plan)
    if request is None or version is None:
        if plan is None or not _may_comment_outside_review(actor, project):
            raise PermissionDenied()
        raise ApplicationError(
            _("Comments are made while the implementation plan is in review."),
            "not_in_review",
            status=409,
        )
    if not _may_comment(actor, project, request):
        raise PermissionDenied()
    comment = PlanComment.objects.create(version=version, section=section, author=actor, text=text)
    audit_record(
        actor=actor,
        action="planning.plan_comment",
        target=comment,
        scope=scope_of(project),
        changes={"comment": [None, f"v{version.number} · {section}"]},
    )
    url = reverse("planning:plan", args=[project.pk]) + f"#section-{section}"
    recipients = [u for u in (project.pm, project.assistant) if u and u.pk != actor.pk]
    about = SECTIONS[SECTION_CODES.index(section)]
    transaction.on_commit(
        lambda: notify(
            recipients=recipients,
            kind="planning.plan_comment",
            title=lambda: (
                _("%(user)s commented on the implementation plan of %(p)s")
                % {"user": actor, "p": project}
            ),
            body=lambda: f"{about.label}: {text[:500]}",
            url=url,
            dedupe_key=f"plan_comment:{comment.pk}",
        )
    )
    return comment


def _may_comment_outside_review(actor: User, project: Project) -> bool:
    """Whether to tell the actor why not (the people who could comment during a review)."""
    if rules.is_preparer(actor, project):
        return True
    return ApprovalTask.objects.filter(
        request__project=project, request__payload__code=STEP, assignee=actor
    ).exists()


def plan_mark_seen(*, user: User, project: Project) -> PlanSeen | None:
    """Remember the latest version the user was shown, so next time they see what changed."""
    plan = ImplementationPlan.objects.filter(project=project).first()
    version = latest_version(plan)
    if plan is None or version is None or not user.is_authenticated:
        return None
    try:
        with transaction.atomic():
            seen, _created = PlanSeen.objects.update_or_create(
                plan=plan, user=user, defaults={"version_number": version.number}
            )
    except IntegrityError:  # two tabs at once: the other one recorded it
        return PlanSeen.objects.filter(plan=plan, user=user).first()
    return seen


# --- Lifecycle (called by the hooks in lifecycle_hooks.py) ---------------------------------------


def plan_approved(*, actor: User, project: Project) -> None:
    """The start of execution was granted: the submitted version is the plan in force."""
    plan = ImplementationPlan.objects.select_for_update().filter(project=project).first()
    version = latest_submitted(plan)
    if plan is None or version is None:
        return
    now = timezone.now()
    version.approved_at = now
    version.save(update_fields=["approved_at", "updated_at"])
    _move(actor, project, plan, PlanStatus.APPROVED, "planning.plan_approve", version)
    if WbsTask.objects.filter(project=project).exists():  # the plan's schedule: baseline 1
        baseline_set(
            actor=actor, project=project, source=BaselineSource.PLAN, note=f"v{version.number}"
        )


def plan_sent_back(*, actor: User, project: Project) -> None:
    """The approval was returned, rejected or withdrawn: the plan is written again (the next
    save makes a new version)."""
    lock_project(project)
    plan = ImplementationPlan.objects.select_for_update().filter(project=project).first()
    if plan is None or plan.status != PlanStatus.IN_REVIEW:
        return
    _move(actor, project, plan, PlanStatus.DRAFT, "planning.plan_sent_back")
