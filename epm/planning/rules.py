"""Who may see and change a project's plans, and when they can be changed at all."""

from __future__ import annotations

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User
from epm.projects.models import Project, Status
from epm.projects.rules import is_pmo

# The initiation materials are prepared in draft (also after a return) and frozen while the
# initiation is reviewed; afterwards they change only through change requests (R19).
INITIATION_EDITABLE = frozenset({Status.DRAFT})
# The implementation plan is written once the project is initiated and before execution.
PLAN_EDITABLE = frozenset({Status.APPROVED, Status.PLANNING})


def is_preparer(user: User, project: Project) -> bool:
    """The PM and the assistant prepare a project's materials; the PMO may help."""
    return is_pmo(user) or user.pk in {project.pm_id, project.assistant_id}


def can_edit_initiation(user: User, project: Project) -> bool:
    return project.status in INITIATION_EDITABLE and is_preparer(user, project)


def check_initiation_editable(user: User, project: Project) -> None:
    """Raise the reason the initiation materials cannot be changed now (services call this
    with the project row locked)."""
    if not is_preparer(user, project):
        raise PermissionDenied()
    if project.status == Status.INITIATION_REVIEW:
        raise ApplicationError(
            _(
                "The initiation is in approval, so its materials cannot be changed. "
                "Ask an approver to return it if something must change."
            ),
            "in_approval",
            status=409,
        )
    if project.status not in INITIATION_EDITABLE:
        raise ApplicationError(
            _(
                "The project is %(state)s: the initiation materials are final; "
                "changes go through a change request (R19)."
            )
            % {"state": project.get_status_display()},
            "initiation_closed",
            status=409,
        )
    if project.pm_id is None:
        raise ApplicationError(
            _("Appoint the project manager first: the PM prepares the initiation (R3)."),
            "pm_required",
            status=409,
        )


def can_edit_plan(user: User, project: Project) -> bool:
    return project.status in PLAN_EDITABLE and is_preparer(user, project)


# The schedule is built while planning and kept up to date (progress, re-planning) until the
# system goes into trial run; it is frozen while the implementation plan is in review.
SCHEDULE_EDITABLE = frozenset(
    {Status.APPROVED, Status.PLANNING, Status.EXECUTING, Status.TRIAL_RUN}
)


def can_edit_schedule(user: User, project: Project) -> bool:
    return project.status in SCHEDULE_EDITABLE and is_preparer(user, project)


def check_schedule_editable(user: User, project: Project, *, plan_in_review: bool) -> None:
    """Raise the reason the schedule cannot be changed now (called with the project locked)."""
    if not is_preparer(user, project):
        raise PermissionDenied()
    if project.status not in SCHEDULE_EDITABLE:
        raise ApplicationError(
            _("The project is %(state)s: its schedule cannot be changed.")
            % {"state": project.get_status_display()},
            "schedule_closed",
            status=409,
        )
    if plan_in_review:
        raise ApplicationError(
            _(
                "The implementation plan is in review, so its schedule cannot be changed. "
                "Ask a reviewer to return it if something must change."
            ),
            "in_approval",
            status=409,
        )
