"""The approval seam: every transition that needs an approval passes through `request_gated`.

The approvals engine (a later issue) replaces the body of `request_gated` with "start the chain
for this transition; apply it when the chain approves". Until then a PMO administrator may take
the step directly, which is what companies do on paper while the chain is being set up.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from epm.core.errors import PermissionDenied
from epm.core.models import User

from .models import Project
from .rules import is_pmo_admin


def may_bypass_approval(user: User) -> bool:
    """Who may take a gated step directly while no approval chain exists (the pages ask too)."""
    return is_pmo_admin(user)


def request_gated(
    *, actor: User, project: Project, step: str | Promise, apply: Callable[[], Project]
) -> Project:
    """Ask for a step that needs an approval (a gated transition, a PM appointment, …)."""
    if not may_bypass_approval(actor):
        raise PermissionDenied(
            _(
                "“%(step)s” needs an approval. Until approval chains are set up, only a PMO "
                "administrator can take this step."
            )
            % {"step": step},
            "approval_required",
        )
    return apply()
