"""Who approves a step: approver rules stored as data, resolved against a project and submitter.

    {"kind": "project_role", "role": "account_manager"}
    {"kind": "department_head", "of": "project", "levels": 1}   # 逐级: 0 = the department's head
    {"kind": "org_role", "role": "finance"}
    {"kind": "users", "user_ids": [12, 31]}

Resolution happens when the approval is submitted. An empty result is an error that says which
rule found nobody, so no request waits forever for an approver who does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epm.core.errors import ApplicationError
from epm.core.models import OrgRole, User
from epm.core.selectors import department_head
from epm.projects.models import Project

MAX_LEVELS = 10


class RuleKind(StrEnum):
    PROJECT_ROLE = "project_role"
    DEPARTMENT_HEAD = "department_head"
    ORG_ROLE = "org_role"
    USERS = "users"


class ProjectRoleName(StrEnum):
    PM = "pm"
    ASSISTANT = "assistant"
    ACCOUNT_MANAGER = "account_manager"
    BIG_PROJECT_MANAGER = "big_project_manager"  # the PM of the big project above (R7)


PROJECT_ROLE_LABELS = {
    ProjectRoleName.PM: gettext_lazy("a project manager"),
    ProjectRoleName.ASSISTANT: gettext_lazy("a project assistant"),
    ProjectRoleName.ACCOUNT_MANAGER: gettext_lazy("an account manager"),
    ProjectRoleName.BIG_PROJECT_MANAGER: gettext_lazy("a big-project manager"),
}


class HeadOf(StrEnum):
    SUBMITTER = "submitter"  # the submitter's department
    PROJECT = "project"  # the project's department


class SelfApproval(StrEnum):
    """What happens when the submitter is among a step's approvers (set per chain)."""

    SKIP = "skip"  # they are left out; a step left with nobody is passed over
    ESCALATE = "escalate"  # their own department head (up the tree) approves instead
    ALLOW = "allow"  # they approve their own request


def _invalid(message: str) -> ApplicationError:
    return ApplicationError(message, "invalid_approver_rule")


@dataclass(frozen=True)
class ApproverRule:
    kind: RuleKind
    role: str = ""
    of: HeadOf = HeadOf.PROJECT
    levels: int = 0
    user_ids: tuple[int, ...] = field(default=())

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ApproverRule:
        """Parse and validate stored data; the chain editor refuses what this refuses."""
        if not isinstance(data, Mapping):
            raise _invalid(_("An approver rule must be an object."))
        try:
            kind = RuleKind(str(data.get("kind")))
        except ValueError:
            raise _invalid(_("Unknown approver rule: %(k)s") % {"k": data.get("kind")}) from None
        if kind == RuleKind.PROJECT_ROLE:
            if data.get("role") not in ProjectRoleName.__members__.values():
                raise _invalid(_("Unknown project role: %(r)s") % {"r": data.get("role")})
            return cls(kind=kind, role=str(data["role"]))
        if kind == RuleKind.ORG_ROLE:
            if data.get("role") not in OrgRole.values:
                raise _invalid(_("Unknown org role: %(roles)s") % {"roles": data.get("role")})
            return cls(kind=kind, role=str(data["role"]))
        if kind == RuleKind.DEPARTMENT_HEAD:
            levels = data.get("levels", 0)
            if (
                isinstance(levels, bool)
                or not isinstance(levels, int)
                or not 0 <= levels <= MAX_LEVELS
            ):
                raise _invalid(
                    _("Levels up must be a whole number from 0 to %(n)d.") % {"n": MAX_LEVELS}
                )
            try:
                of = HeadOf(data.get("of", HeadOf.PROJECT))
            except ValueError:
                raise _invalid(
                    _("A department head is of the submitter or of the project.")
                ) from None
            return cls(kind=kind, of=of, levels=levels)
        ids = data.get("user_ids")
        if (
            not isinstance(ids, list)
            or not ids
            or len(ids) > 100
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids
            )
        ):
            raise _invalid(_("Name at least one user."))
        return cls(kind=kind, user_ids=tuple(dict.fromkeys(ids)))

    def to_data(self) -> dict[str, Any]:
        if self.kind in (RuleKind.PROJECT_ROLE, RuleKind.ORG_ROLE):
            return {"kind": self.kind.value, "role": self.role}
        if self.kind == RuleKind.DEPARTMENT_HEAD:
            return {"kind": self.kind.value, "of": self.of.value, "levels": self.levels}
        return {"kind": self.kind.value, "user_ids": list(self.user_ids)}


def _nobody(rule: ApproverRule, why: str) -> ApplicationError:
    return ApplicationError(why, "no_approver", detail={"rule": rule.to_data()})


def resolve_approvers(rule: ApproverRule, *, project: Project, submitter: User) -> list[User]:
    """The active users the rule names for this project and submitter; never empty."""
    if rule.kind == RuleKind.PROJECT_ROLE:
        if rule.role == ProjectRoleName.BIG_PROJECT_MANAGER:
            if project.parent is None:
                raise _nobody(
                    rule, _("%(p)s is not a sub-project of a big project.") % {"p": project}
                )
            person = project.parent.pm
        else:
            person = getattr(project, rule.role)
        if person is None or not person.is_active:
            label = PROJECT_ROLE_LABELS[ProjectRoleName(rule.role)]
            raise _nobody(rule, _("%(p)s has no %(role)s.") % {"p": project, "role": label})
        return [person]
    if rule.kind == RuleKind.DEPARTMENT_HEAD:
        department = project.department if rule.of == HeadOf.PROJECT else submitter.department
        if department is None:
            raise _nobody(rule, _("%(user)s belongs to no department.") % {"user": submitter})
        return [_nearest_head(department, rule.levels)]
    if rule.kind == RuleKind.ORG_ROLE:
        people = list(
            User.objects.filter(is_active=True, role_assignments__role=rule.role).order_by("pk")
        )
        if not people:
            raise _nobody(
                rule, _("Nobody holds the role %(role)s.") % {"role": OrgRole(rule.role).label}
            )
        return people
    found = {u.pk: u for u in User.objects.filter(pk__in=rule.user_ids, is_active=True)}
    if len(found) != len(rule.user_ids):
        raise _nobody(rule, _("A user named in this step is unknown or no longer active."))
    return [found[pk] for pk in rule.user_ids]  # in the order named: 依次 follows it


def _nearest_head(department, levels: int) -> User:
    """The head `levels` up; a department there without a head is led by the nearest head
    above it (a team without a leader answers to its department), never by nobody."""
    first_error: ApplicationError | None = None
    for up in range(levels, MAX_LEVELS + 1):
        try:
            return department_head(department, levels_up=up)
        except ApplicationError as exc:
            if exc.code != "no_department_head":
                raise (first_error or exc) from None
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def apply_self_approval(
    approvers: list[User], *, submitter: User, policy: SelfApproval
) -> list[User]:
    """The step's approvers after the chain's self-approval policy (may be empty for SKIP)."""
    if policy == SelfApproval.ALLOW or all(u.pk != submitter.pk for u in approvers):
        return approvers
    others = [u for u in approvers if u.pk != submitter.pk]
    if policy == SelfApproval.SKIP:
        return others
    if submitter.department is None:
        raise ApplicationError(
            _("%(user)s belongs to no department.") % {"user": submitter}, "no_approver"
        )
    # Escalate: the first head up the submitter's department tree who is not the submitter.
    for levels in range(MAX_LEVELS + 1):
        try:
            head = department_head(submitter.department, levels_up=levels)
        except ApplicationError as exc:
            if exc.code == "no_department_head":
                continue
            raise ApplicationError(
                _("Nobody above %(user)s can approve in their place.") % {"user": submitter},
                "no_approver",
            ) from exc
        if head.pk != submitter.pk:
            return others if head.pk in {u.pk for u in others} else [*others, head]
    raise ApplicationError(
        _("Nobody above %(user)s can approve in their place.") % {"user": submitter},
        "no_approver",
    )
