"""Read queries about projects, always filtered by what the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from epm.core.audit import HistoryRow, history, history_rows, scope_of
from epm.core.models import User

from . import gates
from .lifecycle import Transition, transitions_for
from .models import Project, Status
from .rules import can_request_transition, role_q, visible_projects


@dataclass(frozen=True)
class ProjectFilters:
    status: str = ""
    project_type: str = ""  # type code
    department: int | None = None
    pm: int | None = None
    text: str = ""
    mine: bool = False


class ProjectFilterSchema(Schema):
    """The list filters as query parameters (API) — the same ones the list page offers."""

    status: str = Field("", max_length=30)
    type: str = Field("", max_length=40)
    department: int | None = None
    pm: int | None = None
    text: str = Field("", max_length=100)
    mine: bool = False

    def to_filters(self) -> ProjectFilters:
        return ProjectFilters(
            status=self.status,
            project_type=self.type,
            department=self.department,
            pm=self.pm,
            text=self.text,
            mine=self.mine,
        )


def project_list(user: User, filters: ProjectFilters | None = None) -> QuerySet[Project]:
    filters = filters or ProjectFilters()
    qs = visible_projects(user).select_related("project_type", "department", "pm", "parent")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.project_type:
        qs = qs.filter(project_type__code=filters.project_type)
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.pm:
        qs = qs.filter(pm_id=filters.pm)
    if filters.mine:
        qs = qs.filter(role_q(user))
    if filters.text:
        text = filters.text.strip()
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(number__icontains=text)
            | Q(customer__icontains=text)
            | Q(contract_number__icontains=text)
        )
    return qs.order_by("-created_at", "-id")


def my_projects(user: User) -> QuerySet[Project]:
    return project_list(user, ProjectFilters(mine=True)).exclude(
        status__in=[Status.CLOSED, Status.CANCELLED, Status.MAINTENANCE]
    )


def available_transitions(user: User, project: Project) -> list[Transition]:
    """The transitions this user may ask for in the project's current state (feeds the buttons)."""
    if not user.is_authenticated:
        return []
    found = [
        t
        for t in transitions_for(project.project_type.lifecycle)
        if project.status in t.sources and can_request_transition(user, project, t)
    ]
    if any(t.code == "reject_initiation" for t in found) and gates.initiation_in_approval(project):
        found = [t for t in found if t.code != "reject_initiation"]
    return found


def project_history(project: Project):
    return history(scope_of(project))


def project_history_rows(project: Project, *, limit: int = 100) -> list[HistoryRow]:
    from .audit_labels import field_labels, value_labels

    return history_rows(
        project_history(project)[:limit], field_labels=field_labels(), value_labels=value_labels()
    )


def project_members(project: Project):
    return project.memberships.select_related("user", "user__department").order_by("role", "id")


# States in which the project's planned finish has been reached (work is done).
AFTER_FINISH = frozenset({Status.CLOSING, Status.CLOSED, Status.MAINTENANCE})


@dataclass(frozen=True)
class DueItem:
    project: Project
    label: str
    date: dt.date
    overdue: bool


def items_due(user: User, *, days: int = 30) -> list[DueItem]:
    """Dates coming up (or passed and still open) in the user's own projects, soonest first.

    A date stops being due once its event happened: the planned finish when closure starts, an
    acceptance date once that acceptance is recorded. Later issues add their own items.
    """
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=days)
    items: list[DueItem] = []
    projects = project_list(user, ProjectFilters(mine=True)).exclude(status=Status.CANCELLED)
    for project in projects:
        dates = [
            (
                project.planned_finish,
                _("Planned finish"),
                project.status not in AFTER_FINISH,
            ),
            (
                project.contract_initial_acceptance_on,
                _("Contractual initial acceptance"),
                project.initial_accepted_on is None,
            ),
            (
                project.contract_final_acceptance_on,
                _("Contractual final acceptance"),
                project.final_accepted_on is None,
            ),
        ]
        for value, label, still_open in dates:
            if value is not None and still_open and value <= horizon:
                items.append(DueItem(project, str(label), value, value < today))
    return sorted(items, key=lambda i: i.date)[:20]


def projects_of_user(viewer: User, person: User) -> QuerySet[Project]:
    """The projects `person` works on that `viewer` may see."""
    return (
        visible_projects(viewer)
        .filter(role_q(person))
        .select_related("project_type")
        .order_by("-created_at")[:50]
    )
