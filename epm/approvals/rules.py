"""Who may see approval requests and who may change chains and delegations."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from epm.core.models import OrgRole, User
from epm.core.selectors import department_descendant_ids
from epm.projects.models import Project
from epm.projects.rules import has_portfolio_view, is_pmo_admin

from .models import ApprovalRequest, Delegation


def delegators_of(user: User) -> QuerySet[Delegation]:
    """The delegations that let `user` decide for someone else today."""
    today = timezone.localdate()
    return Delegation.objects.filter(
        delegate=user, starts_on__lte=today, ends_on__gte=today, cancelled_at__isnull=True
    )


def projects_led_by(user: User) -> QuerySet[Project]:
    """Projects whose approvals the user may read without taking part: those they manage, assist
    or sell, the sub-projects of their big project, and their departments' (and below).
    Team members see the project, not its approvals' comments and attachments."""
    headed: set[int] = set()
    for department in user.headed_departments.all():
        headed |= department_descendant_ids(department)
    return Project.objects.filter(
        Q(pm=user)
        | Q(assistant=user)
        | Q(account_manager=user)
        | Q(parent__pm=user)
        | Q(department_id__in=headed)
    )


def visible_requests(user: User) -> QuerySet[ApprovalRequest]:
    """Requests the user may open: their own, those they decide (or decided, or decide for
    someone through a delegation or an escalation), those copied to them, and those of the
    projects they lead (`projects_led_by`); portfolio roles see all."""
    if not user.is_authenticated or not user.is_active:
        return ApprovalRequest.objects.none()
    if has_portfolio_view(user):
        return ApprovalRequest.objects.all()
    mine = (
        Q(submitter=user)
        | Q(tasks__assignee=user)
        | Q(tasks__escalated_to=user)
        | Q(tasks__assignee__in=delegators_of(user).values("user_id"))
        | Q(events__actor=user)
        | Q(copies__user=user)
        | Q(project__in=projects_led_by(user))
    )
    return ApprovalRequest.objects.filter(pk__in=ApprovalRequest.objects.filter(mine).values("pk"))


def may_view_request(user: User, request_id: int) -> bool:
    return visible_requests(user).filter(pk=request_id).exists()


def can_edit_chains(user: User) -> bool:
    """Approval chains are company policy, kept by the PMO administrator."""
    return user.is_authenticated and is_pmo_admin(user)


def can_manage_delegations_of_others(user: User) -> bool:
    """Someone on leave without access: the PMO or system administrator sets it for them."""
    return user.is_authenticated and (
        user.is_superuser or user.has_org_role(OrgRole.PMO_ADMIN, OrgRole.SYSTEM_ADMIN)
    )
