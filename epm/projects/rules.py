"""Who may see and do what with projects: one place, used by views, API and services."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from epm.core.errors import NotFound
from epm.core.models import OrgRole, User
from epm.core.models.org import PORTFOLIO_ROLES
from epm.core.selectors import department_descendant_ids

from .lifecycle import Actor, Transition
from .models import Membership, NominationStatus, Project, Status

PMO_ROLES = (OrgRole.PMO_ADMIN, OrgRole.PMO_STAFF)


def is_pmo(user: User) -> bool:
    return user.is_superuser or user.has_org_role(*PMO_ROLES)


def is_pmo_admin(user: User) -> bool:
    return user.is_superuser or user.has_org_role(OrgRole.PMO_ADMIN)


def has_portfolio_view(user: User) -> bool:
    return user.is_superuser or user.has_org_role(*PORTFOLIO_ROLES)


def role_q(user: User) -> Q:
    """Projects on which the user has a role: PM, assistant, account manager or team member."""
    return (
        Q(pm=user)
        | Q(assistant=user)
        | Q(account_manager=user)
        | Q(pk__in=Membership.objects.filter(user=user).values("project_id"))
    )


def visible_projects(user: User) -> QuerySet[Project]:
    """Projects the user may see: portfolio roles see all; others through a role or a department.

    A role on a project also opens the big project above it and the sub-projects below it (R7:
    the big project is coordinated as one). Department heads see their department's projects
    and those of every department beneath it.
    """
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    qs = Project.objects.all()
    if has_portfolio_view(user):
        return qs
    headed: set[int] = set()
    for department in user.headed_departments.all():
        headed |= department_descendant_ids(department)
    mine = Project.objects.filter(role_q(user))
    return qs.filter(
        Q(pk__in=mine.values("pk"))
        | Q(parent_id__in=mine.values("pk"))
        | Q(pk__in=mine.filter(parent__isnull=False).values("parent_id"))
        | Q(department_id__in=headed)
    )


def access_project(user: User, project_id) -> Project:
    """The project if the user may see it; the same NotFound for missing and forbidden."""
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = visible_projects(user).select_related(
        "project_type",
        "project_type__lifecycle",
        "department",
        "pm",
        "assistant",
        "account_manager",
        "parent",
    )
    project = qs.filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    return project


def actor_roles(user: User, project: Project) -> set[Actor]:
    roles: set[Actor] = set()
    if is_pmo(user):
        roles.add(Actor.PMO)
    if project.pm_id == user.pk:
        roles.add(Actor.PM)
    if project.assistant_id == user.pk:
        roles.add(Actor.ASSISTANT)
    return roles


def can_request_transition(user: User, project: Project, transition: Transition) -> bool:
    return bool(actor_roles(user, project) & transition.actors)


def can_edit_project(user: User, project: Project) -> bool:
    if project.is_frozen:
        return False
    return is_pmo(user) or project.pm_id == user.pk


def can_manage_members(user: User, project: Project) -> bool:
    if project.is_frozen:
        return False
    return is_pmo(user) or user.pk in {project.pm_id, project.assistant_id}


def can_record_final_acceptance(user: User, project: Project) -> bool:
    """The PM or the PMO records it; a cancelled project has nothing left to accept."""
    return project.status != Status.CANCELLED and (is_pmo(user) or project.pm_id == user.pk)


def can_create_project(user: User) -> bool:
    """Projects start from a contract, which the PMO receives (R1, R2)."""
    return user.is_authenticated and is_pmo(user)


def is_nominating_head(user: User, project: Project) -> bool:
    """The head of the project's department or of a department above it: the technical
    department that nominates the PM (R2)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return any(d.head_id == user.pk for d in project.department.lineage())


def can_appoint_pm(user: User, project: Project) -> bool:
    """The PMO asks for any appointment or PM change; the technical head asks for the first
    appointment once the PMO has asked the department for a nomination (R2)."""
    if project.is_frozen:
        return False
    if is_pmo(user):
        return True
    return (
        project.pm_id is None
        and is_nominating_head(user, project)
        and project.nominations.filter(
            status__in=[NominationStatus.OPEN, NominationStatus.NOMINATED]
        ).exists()
    )


def can_start_nomination(user: User, project: Project) -> bool:
    return not project.is_frozen and project.pm_id is None and is_pmo(user)


def can_edit_deliverables(user: User, project: Project) -> bool:
    """The PMO records the contract's deliverables; the PM may while the project is a draft."""
    if project.is_frozen:
        return False
    return is_pmo(user) or (project.pm_id == user.pk and project.status == Status.DRAFT)


def can_edit_outsourcing(user: User, project: Project) -> bool:
    return not project.is_frozen and (is_pmo(user) or project.pm_id == user.pk)


def can_assign_number(user: User, project: Project) -> bool:
    """R3: the PMO administrator sets or corrects the number until the initiation is submitted."""
    return project.status == Status.DRAFT and is_pmo_admin(user)


def can_edit_lifecycle_templates(user: User) -> bool:
    return user.is_authenticated and is_pmo_admin(user)
