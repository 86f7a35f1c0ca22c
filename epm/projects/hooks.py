"""How other apps take part in a project's lifecycle steps without the projects app knowing them.

An app registers, in its `AppConfig.ready`:

- a guard for a transition code: called with the locked project before the step is taken or its
  approval asked for; it raises ApplicationError when the step may not happen yet (the
  initiation materials are incomplete, the implementation plan is not written, …);
- an effect: called inside the step's transaction right after the project moved (the current
  month's budget takes effect when initiation is approved, R13);
- a sent-back callback: the approval asking for the step was returned, rejected, withdrawn or
  cancelled, so whatever was frozen for it may be edited again;
- a payload: extra data recorded on the approval request that asks for the step (which version
  of the implementation plan the approvers are deciding on);
- a page: where the material the approvers of the step read lives (the initiation application,
  the implementation plan), linked from the approval page;
- an "asked on" page: a step asked for by submitting a document rather than by a button (the
  start of execution is asked for by submitting the implementation plan); the project page
  links there instead of offering the step;
- a panel: a card another app adds to the project page (a big project's sub-projects with their
  schedule and plan state, R7), rendered for the viewer or left out (None).

Registration happens once at start-up; the registries are never changed while serving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from epm.core.models import User

    from .models import Project

Guard = Callable[["Project"], None]
Effect = Callable[["User", "Project"], None]
Payload = Callable[["Project"], dict[str, Any]]
Page = Callable[["Project"], str]
Panel = Callable[[Any, "Project"], str | None]  # (request, project) -> HTML

_GUARDS: dict[str, list[Guard]] = {}
_EFFECTS: dict[str, list[Effect]] = {}
_PAYLOADS: dict[str, list[Payload]] = {}
_SENT_BACK: dict[str, list[Effect]] = {}
_PAGES: dict[str, Page] = {}
_ASKED_ON: dict[str, Page] = {}
_PANELS: list[Panel] = []


def _add(registry: dict[str, list], code: str, fn) -> None:
    if fn not in registry.setdefault(code, []):
        registry[code].append(fn)


def guard(*codes: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        for code in codes:
            _add(_GUARDS, code, fn)
        return fn

    return register


def effect(*codes: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        for code in codes:
            _add(_EFFECTS, code, fn)
        return fn

    return register


def sent_back(*codes: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        for code in codes:
            _add(_SENT_BACK, code, fn)
        return fn

    return register


def payload(*codes: str) -> Callable[[Payload], Payload]:
    def register(fn: Payload) -> Payload:
        for code in codes:
            _add(_PAYLOADS, code, fn)
        return fn

    return register


def page(*codes: str) -> Callable[[Page], Page]:
    def register(fn: Page) -> Page:
        for code in codes:
            _PAGES[code] = fn
        return fn

    return register


def asked_on(*codes: str) -> Callable[[Page], Page]:
    def register(fn: Page) -> Page:
        for code in codes:
            _ASKED_ON[code] = fn
        return fn

    return register


def panel(fn: Panel) -> Panel:
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def panels_for(request: Any, project: Project) -> list[str]:
    """The HTML of the cards other apps add to the project page, in registration order."""
    return [html for fn in _PANELS if (html := fn(request, project))]


def page_for(code: str, project: Project) -> str | None:
    """The URL of the page the step's approvers read, when an app declared one."""
    fn = _PAGES.get(code)
    return fn(project) if fn else None


def asked_on_page(code: str, project: Project) -> str | None:
    """The URL of the page where the step is asked for, when it is not a plain button."""
    fn = _ASKED_ON.get(code)
    return fn(project) if fn else None


def run_guards(code: str, project: Project) -> None:
    for fn in _GUARDS.get(code, ()):
        fn(project)


def run_effects(code: str, actor: User, project: Project) -> None:
    for fn in _EFFECTS.get(code, ()):
        fn(actor, project)


def payload_for(code: str, project: Project) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for fn in _PAYLOADS.get(code, ()):
        data.update(fn(project))
    return data


def run_sent_back(code: str, actor: User, project: Project) -> None:
    for fn in _SENT_BACK.get(code, ()):
        fn(actor, project)


def problems(code: str, project: Project) -> list[str]:
    """Every guard's objection to the step, for a checklist (the step itself stops at the first)."""
    from epm.core.errors import ApplicationError

    found: list[str] = []
    for fn in _GUARDS.get(code, ()):
        try:
            fn(project)
        except ApplicationError as exc:
            if isinstance(exc.detail, list) and exc.detail:
                found.extend(str(item) for item in exc.detail)
            else:
                found.append(exc.message)
    return found
