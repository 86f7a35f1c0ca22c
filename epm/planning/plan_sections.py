"""The sections of the implementation plan (R4) and who reviews which.

The plan is approved by a countersign (the "implementation_plan" chain): each reviewer approves
the sections of their department role and may comment on any other. The department roles:

- pmo: the PMO (project background, schedule, tracking);
- technical_head: the head of the project's department or of a department above it (scope,
  organisation);
- quality: the quality department (quality targets, risk management);
- commerce: commerce checks the scope against the contract.

Two roles review the *whole plan* rather than sections: the president gives the final approval,
and for a sub-project the manager of its big project approves first (R7). They are kept apart
from the per-section tuples (`WHOLE_PLAN_ROLES`) so each section names only the department that
answers for its content, while `sections_for` still gives those two every section.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from epm.core.models import OrgRole, User
from epm.projects.models import Project
from epm.projects.rules import is_pmo

PMO = "pmo"
TECHNICAL_HEAD = "technical_head"
QUALITY = "quality"
COMMERCE = "commerce"
PRESIDENT = "president"
BIG_PROJECT_MANAGER = "big_project_manager"

ROLE_LABELS: dict[str, Promise] = {
    PMO: _("PMO"),
    TECHNICAL_HEAD: _("Technical department head"),
    QUALITY: _("Quality"),
    COMMERCE: _("Commerce"),
    PRESIDENT: _("President"),
    BIG_PROJECT_MANAGER: _("Big project manager"),
}

# Reviewers of the whole plan (every section), not of a department's sections.
WHOLE_PLAN_ROLES = frozenset({PRESIDENT, BIG_PROJECT_MANAGER})

# Longest text of one section; a plan is a document, not a file store.
MAX_SECTION_CHARS = 50_000


@dataclass(frozen=True)
class Section:
    code: str
    label: Promise
    help: Promise
    reviewers: tuple[str, ...]  # department roles answering for this section

    @property
    def reviewer_labels(self) -> list[str]:
        return [str(ROLE_LABELS[r]) for r in self.reviewers]


SECTIONS: tuple[Section, ...] = (
    Section(
        "background",
        _("Project background"),
        _("Why the customer needs the project; the contract and its context."),
        (PMO,),
    ),
    Section(
        "scope",
        _("Project scope"),
        _("What is delivered and what is not; must match the contract."),
        (TECHNICAL_HEAD, COMMERCE),
    ),
    Section(
        "quality",
        _("Quality targets"),
        _("Measurable quality goals and how they are checked."),
        (QUALITY,),
    ),
    Section(
        "schedule",
        _("Schedule (work products and milestones)"),
        _("The phases, milestones and the work product due at each."),
        (PMO,),
    ),
    Section(
        "organisation",
        _("Organisation plan (team, roles, responsibilities)"),
        _("Who is on the team, in which role, answering for what."),
        (TECHNICAL_HEAD,),
    ),
    Section(
        "risk",
        _("Risk management plan"),
        _("The risks foreseen, their owners and the responses planned."),
        (QUALITY,),
    ),
    Section(
        "tracking",
        _("Project tracking plan"),
        _("Weekly reports, meetings and how progress and cost are followed."),
        (PMO,),
    ),
)
SECTION_CODES: tuple[str, ...] = tuple(s.code for s in SECTIONS)
_BY_CODE = {s.code: s for s in SECTIONS}


def section(code: str) -> Section | None:
    return _BY_CODE.get(code)


def heads_department(user: User, project: Project) -> bool:
    """Whether the user heads the project's department or a department above it."""
    department = project.department
    return any(d.head_id == user.pk for d in department.lineage())


def reviewer_roles(user: User, project: Project) -> set[str]:
    """The plan-review roles the user holds for this project."""
    if not user.is_authenticated:
        return set()
    roles: set[str] = set()
    if is_pmo(user):
        roles.add(PMO)
    if user.has_org_role(OrgRole.QUALITY):
        roles.add(QUALITY)
    if user.has_org_role(OrgRole.COMMERCE):
        roles.add(COMMERCE)
    if user.has_org_role(OrgRole.PRESIDENT):
        roles.add(PRESIDENT)
    if heads_department(user, project):
        roles.add(TECHNICAL_HEAD)
    if project.parent is not None and project.parent.pm_id == user.pk:
        roles.add(BIG_PROJECT_MANAGER)
    return roles


def sections_for(user: User, project: Project) -> list[str]:
    """The codes of the sections the user reviews, in plan order."""
    roles = reviewer_roles(user, project)
    if roles & WHOLE_PLAN_ROLES:
        return list(SECTION_CODES)
    return [s.code for s in SECTIONS if roles & set(s.reviewers)]
