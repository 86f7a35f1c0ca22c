"""Chain steps as data: validation when a chain is saved, resolution when a request starts.

A step is stored as

    {"name": "评审会会签", "mode": "all", "due_days": 3,
     "approvers": [{"kind": "org_role", "role": "expert_committee"},
                   {"kind": "org_role", "role": "finance"}],
     "condition": {"field": "contract_amount", "op": ">", "value": "1000000"},  # or null
     "form": "review_scores"}   # optional: what each approver fills in when approving

The approvers of a step are the union of its rules, in order. A countersign across parties (the
initiation review board, the implementation plan's five reviewers) is one "all" step with one
rule per party.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.projects.models import Project

from .conditions import FieldType, condition_holds, condition_problems
from .models import Mode
from .resolution import ApproverRule, SelfApproval, apply_self_approval, resolve_approvers

MAX_STEPS = 20
MAX_DUE_DAYS = 60
MAX_RULES = 10


def normalise_steps(
    raw: Any,
    *,
    fields: Mapping[str, FieldType] | None,
    choices: Mapping[str, set[str]] | None = None,
    forms: Collection[str] = (),
) -> list[dict[str, Any]]:
    """The steps in canonical form, or an ApplicationError listing every problem by step.

    `fields` is None when the chain's subject kind is not available yet: conditions are then
    refused, because nothing could check them.
    """
    problems: list[str] = []
    steps: list[dict[str, Any]] = []
    if not isinstance(raw, list) or not raw:
        raise ApplicationError(_("A chain needs at least one step."), "invalid_chain")
    if len(raw) > MAX_STEPS:
        raise ApplicationError(
            _("A chain has at most %(n)d steps.") % {"n": MAX_STEPS}, "invalid_chain"
        )
    for number, data in enumerate(raw, start=1):

        def problem(message: str, number: int = number) -> None:
            problems.append(_("Step %(n)d: %(problem)s") % {"n": number, "problem": message})

        if not isinstance(data, Mapping):
            problem(_("A step must be an object."))
            continue
        name = str(data.get("name") or "").strip()
        if not name:
            problem(_("A step needs a name."))
        elif len(name) > 100:
            problem(_("The name is longer than 100 characters."))
        mode = data.get("mode")
        if mode not in Mode.values:
            problem(_("Unknown mode: %(m)s") % {"m": mode})
        due = data.get("due_days", 2)
        if isinstance(due, bool) or not isinstance(due, int) or not 0 <= due <= MAX_DUE_DAYS:
            problem(_("Due days must be a whole number from 0 to %(n)d.") % {"n": MAX_DUE_DAYS})
        rules_data = data.get("approvers")
        rules: list[dict[str, Any]] = []
        if not isinstance(rules_data, list) or not rules_data:
            problem(_("Say who approves."))
        elif len(rules_data) > MAX_RULES:
            problem(_("At most %(n)d approver rules per step.") % {"n": MAX_RULES})
        else:
            for rule_data in rules_data:
                try:
                    rules.append(ApproverRule.from_data(rule_data).to_data())
                except ApplicationError as exc:
                    problem(exc.message)
        condition = data.get("condition") or None
        if condition is not None:
            if fields is None:
                problem(_("Conditions are not available for this subject yet."))
            else:
                for message in condition_problems(condition, fields, choices=choices):
                    problem(message)
        form = str(data.get("form") or "")
        if form and form not in forms:
            problem(_("Unknown form: %(f)s") % {"f": form})
        step = {
            "name": name,
            "mode": mode,
            "due_days": due,
            "approvers": rules,
            "condition": condition,
        }
        if form:
            step["form"] = form
        steps.append(step)
    if problems:
        raise ApplicationError(" ".join(problems), "invalid_chain", detail=problems)
    return steps


def normalise_cc(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        raise ApplicationError(_("Copies are a list of approver rules."), "invalid_chain")
    return [ApproverRule.from_data(item).to_data() for item in raw]


@dataclass
class ResolvedStep:
    """One step as it would run for a subject: skipped (with why) or with its approvers."""

    index: int
    name: str
    mode: str
    due_days: int
    approvers: list[User]
    skip_reason: str = ""
    error: ApplicationError | None = None

    @property
    def skipped(self) -> bool:
        return bool(self.skip_reason)


def people_of(rules: list[dict[str, Any]], *, project: Project, submitter: User) -> list[User]:
    """The union of the rules' people, in order, each once; raises `no_approver` errors."""
    people: dict[int, User] = {}
    for data in rules:
        for user in resolve_approvers(
            ApproverRule.from_data(data), project=project, submitter=submitter
        ):
            people.setdefault(user.pk, user)
    return list(people.values())


def resolve_steps(
    steps: list[dict[str, Any]],
    *,
    project: Project,
    submitter: User,
    values: Mapping[str, Any],
    fields: Mapping[str, FieldType],
    self_approval: SelfApproval,
    collect_errors: bool = False,
) -> list[ResolvedStep]:
    """Every step resolved for this subject. An empty resolution raises (names the step) unless
    `collect_errors`, which the chain editor's preview uses to show all problems at once."""
    resolved: list[ResolvedStep] = []
    for index, step in enumerate(steps):
        item = ResolvedStep(index, step["name"], step["mode"], step["due_days"], [])
        resolved.append(item)
        if not condition_holds(step.get("condition"), values, fields):
            item.skip_reason = _("Its condition does not apply.")
            continue
        try:
            people = people_of(step["approvers"], project=project, submitter=submitter)
            item.approvers = apply_self_approval(people, submitter=submitter, policy=self_approval)
        except ApplicationError as exc:
            error = ApplicationError(
                _("Step “%(step)s”: %(problem)s") % {"step": step["name"], "problem": exc.message},
                "no_approver",
                detail={"step": index, "reason": exc.code, **(exc.detail or {})},
            )
            if not collect_errors:
                raise error from exc
            item.error = error
            continue
        if not item.approvers:
            item.skip_reason = _("The submitter was its only approver.")
    return resolved
