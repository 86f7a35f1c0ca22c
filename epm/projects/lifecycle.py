"""The project lifecycle as data: states, transitions and per-type templates.

One base table lists every transition of SPEC §1. A project type's template chooses which optional
phases exist and which transitions need an approval; `transitions_for(template)` derives the
effective table for that type. Forward moves are named by the state they lead to, so removing a
phase reconnects its neighbours without a special case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import LifecycleTemplate, Status


class Actor(StrEnum):
    """Who may ask for a transition (approval gates decide separately who approves)."""

    PM = "pm"
    ASSISTANT = "assistant"
    PMO = "pmo"  # PMO administrator or PMO staff


OPTIONAL_PHASES = (
    Status.PLANNING,
    Status.TRIAL_RUN,
    Status.INITIAL_ACCEPTANCE,
    Status.FINAL_ACCEPTANCE,
)
ACCEPTANCE_STATES = (Status.INITIAL_ACCEPTANCE, Status.FINAL_ACCEPTANCE)

MAIN_LINE = (
    Status.DRAFT,
    Status.INITIATION_REVIEW,
    Status.APPROVED,
    Status.PLANNING,
    Status.EXECUTING,
    Status.TRIAL_RUN,
    Status.INITIAL_ACCEPTANCE,
    Status.FINAL_ACCEPTANCE,
    Status.CLOSING,
    Status.CLOSED,
    Status.MAINTENANCE,
)

# A project can be suspended from, and cancelled in, any state where work is going on.
ACTIVE_STATES = frozenset(
    {
        Status.APPROVED,
        Status.PLANNING,
        Status.EXECUTING,
        Status.TRIAL_RUN,
        Status.INITIAL_ACCEPTANCE,
        Status.FINAL_ACCEPTANCE,
    }
)
CANCELLABLE_STATES = ACTIVE_STATES | {Status.DRAFT, Status.INITIATION_REVIEW, Status.SUSPENDED}


@dataclass(frozen=True)
class Transition:
    code: str
    label: Promise
    sources: frozenset[str]
    target: str  # "" for resume: back to the state the project was suspended from
    actors: frozenset[Actor]
    gateable: bool = False  # may the template put an approval on it
    needs_reason: bool = False
    button: str = "primary"  # how the UI presents it

    def needs_approval(self, template: LifecycleTemplate) -> bool:
        return self.gateable and self.code in template.gates


_PM_PMO = frozenset({Actor.PM, Actor.PMO})


# The forward move into each main-line state, keyed by that state.
class Step(NamedTuple):
    """A forward move: its code, its label, who may ask for it, whether a gate may apply."""

    code: str
    label: Promise
    actors: frozenset[Actor]
    gateable: bool


FORWARD: dict[str, Step] = {
    Status.INITIATION_REVIEW: Step(
        "submit",
        _("Submit for initiation review"),
        frozenset({Actor.PM, Actor.ASSISTANT, Actor.PMO}),
        False,
    ),
    Status.APPROVED: Step(
        "approve_initiation", _("Approve initiation"), frozenset({Actor.PMO}), True
    ),
    Status.PLANNING: Step("start_planning", _("Start planning"), _PM_PMO, False),
    Status.EXECUTING: Step("start_execution", _("Start execution"), _PM_PMO, True),
    Status.TRIAL_RUN: Step("start_trial_run", _("Start trial run"), _PM_PMO, False),
    Status.INITIAL_ACCEPTANCE: Step(
        "pass_initial_acceptance",
        _("Record initial acceptance"),
        _PM_PMO,
        False,
    ),
    Status.FINAL_ACCEPTANCE: Step(
        "pass_final_acceptance",
        _("Record final acceptance"),
        _PM_PMO,
        False,
    ),
    Status.CLOSING: Step("start_closure", _("Start closure"), _PM_PMO, False),
    Status.CLOSED: Step("close", _("Close project"), _PM_PMO, True),
    Status.MAINTENANCE: Step("start_maintenance", _("Hand over to maintenance"), _PM_PMO, False),
}

SIDE = (
    Transition(
        code="reject_initiation",
        label=_("Return initiation to draft"),
        sources=frozenset({Status.INITIATION_REVIEW}),
        target=Status.DRAFT,
        actors=frozenset({Actor.PMO}),
        needs_reason=True,
        button="warning",
    ),
    Transition(
        code="suspend",
        label=_("Suspend"),
        sources=ACTIVE_STATES,
        target=Status.SUSPENDED,
        actors=_PM_PMO,
        gateable=True,
        needs_reason=True,
        button="warning",
    ),
    Transition(
        code="resume",
        label=_("Resume"),
        sources=frozenset({Status.SUSPENDED}),
        target="",
        actors=_PM_PMO,
        gateable=True,
        needs_reason=True,
    ),
    Transition(
        code="cancel",
        label=_("Cancel project"),
        sources=CANCELLABLE_STATES,
        target=Status.CANCELLED,
        actors=frozenset({Actor.PMO}),
        gateable=True,
        needs_reason=True,
        button="danger",
    ),
)

GATEABLE = tuple(
    [step.code for step in FORWARD.values() if step.gateable] + [t.code for t in SIDE if t.gateable]
)
ALL_CODES = tuple([step.code for step in FORWARD.values()] + [t.code for t in SIDE])
# Every transition's label by code, whichever project type it belongs to.
STEP_LABELS: dict[str, Promise] = {
    **{step.code: step.label for step in FORWARD.values()},
    **{t.code: t.label for t in SIDE},
}


def main_line(template: LifecycleTemplate) -> list[str]:
    """The states a project of this type passes through, in order.

    Acceptance phases after `closure_after` are not on the main line: e.g. a system-integration
    project closes after initial acceptance and records its final acceptance during maintenance.
    """
    enabled = set(template.phases)
    cut = MAIN_LINE.index(template.closure_after)
    states: list[str] = []
    for index, state in enumerate(MAIN_LINE):
        if state in OPTIONAL_PHASES and state not in enabled:
            continue
        if state in ACCEPTANCE_STATES and index > cut:
            continue
        states.append(state)
    return states


def final_acceptance_after_closure(template: LifecycleTemplate) -> bool:
    """Whether this type closes before its final acceptance, which is then recorded later."""
    return (
        Status.FINAL_ACCEPTANCE in template.phases
        and template.closure_after == Status.INITIAL_ACCEPTANCE
    )


def labelled(states: list[str]) -> list[tuple[str, str]]:
    return [(state, str(Status(state).label)) for state in states]


def transitions_for(template: LifecycleTemplate) -> list[Transition]:
    """The effective table of one project type.

    A state that is off the main line (a phase the PMO switched off while projects were in it)
    still leads on to the next state that is on it, so no project is ever stranded.
    """
    line = main_line(template)
    forward: dict[str, Transition] = {}
    for index, source in enumerate(MAIN_LINE[:-1]):
        later = [s for s in MAIN_LINE[index + 1 :] if s in line]
        if not later:
            continue
        target = later[0]
        code, label, actors, gateable = FORWARD[target]
        previous = forward.get(code)
        sources = frozenset({source}) | (previous.sources if previous else frozenset())
        forward[code] = Transition(
            code=code,
            label=label,
            sources=sources,
            target=target,
            actors=actors,
            gateable=gateable,
        )
    return list(forward.values()) + list(SIDE)


def transition_by_code(template: LifecycleTemplate, code: str) -> Transition | None:
    return next((t for t in transitions_for(template) if t.code == code), None)


def template_problems(*, phases: list[str], closure_after: str, gates: list[str]) -> list[str]:
    """Why a template is unusable, as translated sentences (empty when it is fine)."""
    problems: list[str] = []
    unknown = set(phases) - {s.value for s in OPTIONAL_PHASES}
    if unknown:
        problems.append(_("Unknown phases: %(p)s") % {"p": ", ".join(sorted(unknown))})
    if closure_after not in ACCEPTANCE_STATES:
        problems.append(str(_("Closure must start after initial or final acceptance.")))
    elif closure_after not in phases:
        problems.append(str(_("Closure starts after an acceptance phase that is switched off.")))
    unknown_gates = set(gates) - set(GATEABLE)
    if unknown_gates:
        problems.append(
            _("Unknown approval gates: %(g)s") % {"g": ", ".join(sorted(unknown_gates))}
        )
    return [str(p) for p in problems]
