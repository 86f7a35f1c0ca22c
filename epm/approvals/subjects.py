"""What can be approved: each kind of subject plugs into the engine through one small protocol.

A subject kind declares the fields its conditions may read, summarises itself for the inbox and
the approval page, and says what happens when a request about it finishes. The outcome hooks run
inside the transaction of the deciding action, so "approved" and its effect commit together or
not at all; a hook that raises undoes the decision and the decider sees its message.

Apps register their kinds in `AppConfig.ready` with `register(kind)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError

from .conditions import FieldType

if TYPE_CHECKING:
    from epm.core.models import User
    from epm.projects.models import Project

    from .models import ApprovalRequest


class SubjectKind:
    """Base class of subject kinds; override what the kind needs."""

    code: str = ""
    label: Promise | str = ""
    fields: Mapping[str, FieldType] = {}
    field_labels: Mapping[str, Promise | str] = {}
    choices: Mapping[str, set[str]] = {}

    def project(self, request: ApprovalRequest) -> Project | None:
        """The project the request belongs to (approver rules resolve against it)."""
        return request.project

    def values(self, request: ApprovalRequest) -> dict[str, Any]:
        """The condition fields' current values, JSON-serialisable (dates as ISO strings)."""
        return {}

    def summary(self, request: ApprovalRequest) -> list[tuple[str, str]]:
        """(label, value) lines shown in the inbox and on the approval page."""
        return []

    def url(self, request: ApprovalRequest) -> str:
        """Where the subject lives in the interface ("" when it has no page of its own)."""
        return ""

    def batchable(self, request: ApprovalRequest) -> bool:
        """Whether an approver may approve it from a list without opening it."""
        return False

    def may_resubmit(self, request: ApprovalRequest, actor: User) -> bool:
        """Whether `actor` may still ask for this (a PM replaced since is refused)."""
        return True

    def check_submit(self, request: ApprovalRequest, actor: User) -> None:
        """Raise ApplicationError when the subject cannot be (re)submitted now."""

    # Outcome hooks; `actor` is whoever took the deciding action.
    def on_submitted(self, request: ApprovalRequest, actor: User) -> None:
        """After a (re)submission created or restarted the request."""

    def on_approved(self, request: ApprovalRequest, actor: User) -> None:
        """The last step approved: carry out what was asked."""

    def on_rejected(self, request: ApprovalRequest, actor: User) -> None:
        """Someone rejected it: the request is over."""

    def on_returned(self, request: ApprovalRequest, actor: User) -> None:
        """Returned to the submitter, who may edit and resubmit."""

    def on_withdrawn(self, request: ApprovalRequest, actor: User) -> None:
        """The submitter withdrew it."""


_KINDS: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> SubjectKind:
    _KINDS[kind.code] = kind
    return kind


def registered() -> dict[str, SubjectKind]:
    return dict(_KINDS)


def subject_kind(code: str) -> SubjectKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ApplicationError(
            _("Approvals of “%(kind)s” are not available yet.") % {"kind": code},
            "unknown_subject_kind",
        ) from None


def is_registered(code: str) -> bool:
    return code in _KINDS
