"""Who may do what with people and the organisation."""

from __future__ import annotations

from .models import OrgRole


def can_manage_org(user) -> bool:
    """Users, departments, roles and calendars: system administrators and the PMO admin."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_org_role(OrgRole.SYSTEM_ADMIN, OrgRole.PMO_ADMIN))
    )


def require_org_admin(user) -> None:
    """The guard every page, endpoint and service of organisation administration starts with."""
    from .errors import PermissionDenied

    if not can_manage_org(user):
        raise PermissionDenied()
