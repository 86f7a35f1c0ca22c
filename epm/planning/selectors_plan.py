"""Reading the implementation plan: the page, the printed plan, the API and the big project's
view of its sub-projects (R7)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from epm.core.errors import ApplicationError, NotFound
from epm.core.models import User
from epm.projects.models import Project
from epm.projects.rules import access_project, visible_projects

from . import rules
from .diff import SectionDiff, plan_diff
from .models import ImplementationPlan, Milestone, PlanComment, PlanSeen, PlanStatus, PlanVersion
from .plan_sections import ROLE_LABELS, SECTIONS, reviewer_roles, sections_for
from .services.plan import (
    STEP,
    effective_status,
    missing_sections,
    pending_plan_request,
)


def _plan_tasks(user: User) -> Q:
    return Q(assignee=user) | Q(escalated_to=user)


def access_plan_project(user: User, project_id) -> Project:
    """The project whose plan the user may read: anyone who sees the project, and the
    reviewers asked to approve its plan (commerce does not see every project otherwise).
    Missing and forbidden are the same NotFound."""
    try:
        return access_project(user, project_id)
    except NotFound:
        if not user.is_authenticated or not user.is_active:
            raise
        asked = ApprovalTask.objects.filter(
            _plan_tasks(user), request__project_id=int(project_id), request__payload__code=STEP
        ).exists()
        if not asked:
            raise
    return Project.objects.select_related(
        "project_type__lifecycle", "department", "pm", "assistant", "account_manager", "parent"
    ).get(pk=int(project_id))


@dataclass
class SectionView:
    code: str
    label: str
    help: str
    reviewers: list[str]
    text: str
    mine: bool
    comments: list[PlanComment] = field(default_factory=list)


@dataclass
class TeamRow:
    user: User
    role: str


@dataclass
class PlanOverview:
    project: Project
    plan: ImplementationPlan | None
    status: str
    versions: list[PlanVersion]
    version: PlanVersion | None  # the one shown: the latest
    sections: list[SectionView]
    editable: bool
    can_submit: bool
    missing: list[str]
    request: ApprovalRequest | None  # the pending approval, else the last one
    my_role_codes: list[str]
    my_roles: list[str]  # their labels
    my_sections: list[str]
    needs_my_review: bool
    may_comment: bool
    seen_number: int | None
    diff_base: int | None
    diff: list[SectionDiff]
    milestones: list[Milestone]
    team: list[TeamRow]
    subprojects: list[SubprojectRow] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(PlanStatus(self.status).label)

    @property
    def diff_changed(self) -> bool:
        return any(s.changed for s in self.diff)


def plan_request(project: Project) -> ApprovalRequest | None:
    """The pending approval of the plan, else the latest one (approved, returned, …)."""
    return pending_plan_request(project) or (
        project.approval_requests.filter(payload__code=STEP)
        .select_related("chain", "submitter")
        .order_by("-submitted_at", "-id")
        .first()
    )


def team(project: Project) -> list[TeamRow]:
    from django.utils.translation import gettext as _

    rows: list[TeamRow] = []
    if project.pm:
        rows.append(TeamRow(project.pm, _("Project manager")))
    if project.assistant:
        rows.append(TeamRow(project.assistant, _("Project assistant")))
    for m in project.memberships.select_related("user").order_by("role", "id"):
        rows.append(TeamRow(m.user, m.get_role_display()))
    return rows


def version_of(project: Project, number) -> PlanVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 0
    version = PlanVersion.objects.filter(plan__project=project, number=number).first()
    if version is None:
        raise ApplicationError(
            _version_missing(number), "version_not_found", status=404, detail={"version": number}
        )
    return version


def _version_missing(number: int) -> str:
    from django.utils.translation import gettext as _

    return _("The plan has no version %(n)s.") % {"n": number}


def _labels() -> list[tuple[str, str]]:
    return [(s.code, str(s.label)) for s in SECTIONS]


def versions_diff(project: Project, a, b) -> tuple[PlanVersion, PlanVersion, list[SectionDiff]]:
    old, new = version_of(project, a), version_of(project, b)
    return old, new, plan_diff(_labels(), old.sections, new.sections)


def _diff_base(seen: int | None, current: PlanVersion | None) -> int | None:
    """What to compare the shown version with: the version the user saw last, or for someone
    who never opened the plan, the version before (what the return asked to change)."""
    if current is None:
        return None
    if seen is not None:
        return seen if seen < current.number else None
    return current.number - 1 if current.number > 1 else None


def plan_overview(user: User, project: Project) -> PlanOverview:
    plan = ImplementationPlan.objects.filter(project=project).first()
    status = effective_status(plan, project)
    versions = list(plan.versions.order_by("-number")) if plan else []
    version = versions[0] if versions else None
    texts = dict(version.sections) if version else {}
    request = plan_request(project)
    pending = request if request is not None and request.status == RequestStatus.PENDING else None
    roles = sorted(reviewer_roles(user, project))
    mine = sections_for(user, project)
    needs_my_review = (
        pending is not None
        and ApprovalTask.objects.filter(
            _plan_tasks(user), request=pending, status__in=[TaskStatus.PENDING, TaskStatus.WAITING]
        ).exists()
    )
    if needs_my_review and not mine:
        mine = [s.code for s in SECTIONS]  # asked without a department role (a transfer)
    comments: dict[str, list[PlanComment]] = {}
    if version is not None:
        for c in PlanComment.objects.filter(version__plan=plan).select_related("author", "version"):
            comments.setdefault(c.section, []).append(c)
    sections = [
        SectionView(
            code=s.code,
            label=str(s.label),
            help=str(s.help),
            reviewers=s.reviewer_labels,
            text=str(texts.get(s.code) or ""),
            mine=s.code in mine,
            comments=comments.get(s.code, []),
        )
        for s in SECTIONS
    ]
    editable = status != PlanStatus.IN_REVIEW and rules.can_edit_plan(user, project)
    missing = missing_sections(texts)
    seen = (
        PlanSeen.objects.filter(plan=plan, user=user).values_list("version_number", flat=True)
        if plan is not None and user.is_authenticated
        else []
    )
    seen_number = next(iter(seen), None)
    base = _diff_base(seen_number, version)
    diff: list[SectionDiff] = []
    if base is not None and version is not None:
        old = next((v for v in versions if v.number == base), None)
        if old is not None:
            diff = plan_diff(_labels(), old.sections, version.sections)
    may_comment = pending is not None and (
        rules.is_preparer(user, project)
        or ApprovalTask.objects.filter(_plan_tasks(user), request=pending).exists()
    )
    overview = PlanOverview(
        project=project,
        plan=plan,
        status=status,
        versions=versions,
        version=version,
        sections=sections,
        editable=editable,
        can_submit=editable and version is not None and not missing,
        missing=missing,
        request=request,
        my_role_codes=roles,
        my_roles=[str(ROLE_LABELS[r]) for r in roles],
        my_sections=mine,
        needs_my_review=needs_my_review,
        may_comment=may_comment,
        seen_number=seen_number,
        diff_base=base if diff else None,
        diff=diff,
        milestones=list(Milestone.objects.filter(project=project)),
        team=team(project),
    )
    if project.is_big_project:
        overview.subprojects = subprojects_overview(user, project)
    return overview


def approval_record(project: Project) -> list[ApprovalTask]:
    """Who decided the plan's approval, when: the decisions of the latest round."""
    request = plan_request(project)
    if request is None:
        return []
    return list(
        ApprovalTask.objects.filter(
            request=request,
            step__round=request.round,
            status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED],
        )
        .select_related("step", "decided_by", "assignee")
        .order_by("decided_at", "id")
    )


# --- Big projects (R7) ---------------------------------------------------------------------------


@dataclass
class SubprojectRow:
    project: Project
    planned_start: dt.date | None
    planned_finish: dt.date | None
    next_milestone: Milestone | None
    plan_status: str

    @property
    def plan_status_label(self) -> str:
        return str(PlanStatus(self.plan_status).label)


def subprojects_overview(user: User, project: Project) -> list[SubprojectRow]:
    """The sub-projects of a big project the user may see, with their schedule and plan state,
    in a fixed number of queries."""
    children = list(
        visible_projects(user)
        .filter(parent=project)
        .select_related("pm", "project_type")
        .order_by("planned_start", "id")
    )
    if not children:
        return []
    ids = [c.pk for c in children]
    today = timezone.localdate()
    upcoming: dict[int, Milestone] = {}
    for m in Milestone.objects.filter(project_id__in=ids, planned_on__gte=today).order_by(
        "planned_on", "id"
    ):
        upcoming.setdefault(m.project_id, m)
    stored = dict(
        ImplementationPlan.objects.filter(project_id__in=ids).values_list("project_id", "status")
    )
    in_review = set(
        ApprovalRequest.objects.filter(
            project_id__in=ids, status=RequestStatus.PENDING, payload__code=STEP
        ).values_list("project_id", flat=True)
    )
    rows = []
    for child in children:
        status = stored.get(child.pk, PlanStatus.DRAFT)
        if child.pk in in_review:
            status = PlanStatus.IN_REVIEW
        elif status == PlanStatus.IN_REVIEW:
            status = PlanStatus.DRAFT
        rows.append(
            SubprojectRow(
                project=child,
                planned_start=child.planned_start,
                planned_finish=child.planned_finish,
                next_milestone=upcoming.get(child.pk),
                plan_status=status,
            )
        )
    return rows
