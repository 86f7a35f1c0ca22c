from __future__ import annotations

from django.conf import settings

from .notifications import unread_count
from .rules import can_manage_org


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    from epm.approvals.selectors import waiting_tasks  # approvals builds on core, not back

    return {
        "LANGUAGES": settings.LANGUAGES,
        "unread_notifications": unread_count(user),
        "can_manage_org": can_manage_org(user),
        "approvals_waiting": waiting_tasks(user).count(),
    }
