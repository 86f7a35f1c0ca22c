"""Who may do what with meetings and action items: one place, used by views, API and services.

Reading follows the project: whoever may see the project (`access_project`) reads its
meetings. Writing meeting records is the PM's, the assistant's and the PMO's; an action item is
completed by its owner or the PM.
"""

from __future__ import annotations

from epm.core.errors import NotFound
from epm.core.models import User
from epm.projects.models import Project, Status
from epm.projects.rules import access_project, is_pmo, visible_projects

from .models import ActionItem, Meeting


def meetings_writable(project: Project) -> bool:
    """A finished (closed, cancelled, maintenance) or suspended project takes no new records."""
    return not project.is_frozen and project.status != Status.SUSPENDED


def can_edit_meetings(user: User, project: Project) -> bool:
    if not user.is_authenticated or not meetings_writable(project):
        return False
    return is_pmo(user) or user.pk in {project.pm_id, project.assistant_id}


def can_complete_action_item(user: User, item: ActionItem, project: Project) -> bool:
    """The owner or the PM ticks an item off (or reopens it) while the project is not finished."""
    if not user.is_authenticated or project.is_frozen:
        return False
    return user.pk in {item.owner_id, project.pm_id}


def can_see_project(user: User, project: Project) -> bool:
    return visible_projects(user).filter(pk=project.pk).exists()


def access_meeting(user: User, meeting_id, *, project: Project | None = None) -> Meeting:
    """The meeting if the user may see its project (and it belongs to `project` when given);
    the same NotFound for missing and forbidden."""
    meeting = _by_id(Meeting.objects.select_related("created_by", "published_by"), meeting_id)
    if meeting is None or (project is not None and meeting.project_id != project.pk):
        raise NotFound()
    meeting.project = project or access_project(user, meeting.project_id)
    return meeting


def access_action_item(user: User, item_id, *, project: Project | None = None) -> ActionItem:
    item = _by_id(ActionItem.objects.select_related("owner", "done_by", "meeting"), item_id)
    if item is None or (project is not None and item.project_id != project.pk):
        raise NotFound()
    item.project = project or access_project(user, item.project_id)
    return item


def _by_id(qs, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return qs.filter(pk=pk).first()
