"""Who may change the cost budget and the cost categories."""

from __future__ import annotations

from epm.core.models import User
from epm.planning.rules import can_edit_initiation
from epm.projects.models import Project
from epm.projects.rules import is_pmo_admin


def can_edit_budget(user: User, project: Project) -> bool:
    """The cost budget is part of the initiation materials (R3): the PM, the assistant or the
    PMO write it while the project is a draft with its PM appointed."""
    return can_edit_initiation(user, project) and project.pm_id is not None


def can_manage_categories(user: User) -> bool:
    return user.is_authenticated and is_pmo_admin(user)
