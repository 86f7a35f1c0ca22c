"""The initiation application and the preliminary schedule (R3, R5).

Both are prepared by the PM (or the assistant, or the PMO) while the project is a draft with
its PM appointed, and frozen while the initiation is reviewed: every service here locks the
project row and checks `rules.check_initiation_editable` inside the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from epm.core.audit import CHARACTERS_SUFFIX, audit_record, scope_of
from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.projects.models import Project
from epm.projects.services import lock_project

from .. import rules
from ..models import InitiationApplication, Milestone

APPLICATION_FIELDS = ("background", "goals", "scope", "expected_benefits", "risks")
# What the review board cannot judge without (R3, R5); the risks may honestly be "none seen".
REQUIRED_FIELDS = ("background", "goals", "scope", "expected_benefits")
MAX_TEXT = 20_000
MAX_MILESTONES = 100


@transaction.atomic
def initiation_save(*, actor: User, project: Project, **fields: Any) -> InitiationApplication:
    """Write (part of) the initiation application; fields left out keep their text."""
    unknown = set(fields) - set(APPLICATION_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    application, _created = InitiationApplication.objects.get_or_create(project=project)
    changed: dict[str, list[Any]] = {}
    for name, value in fields.items():
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_TEXT:
            raise ApplicationError(
                _("%(field)s is longer than %(n)d characters.")
                % {
                    "field": _label(name),
                    "n": MAX_TEXT,
                },
                "too_long",
            )
        if getattr(application, name) != text:
            # The audit keeps that a section changed and how long it is, not the whole text.
            changed[name] = [len(getattr(application, name)), len(text)]
            setattr(application, name, text)
    if not changed and not _created:
        return application
    application.updated_by = actor
    application.save()
    audit_record(
        actor=actor,
        action="planning.initiation_save",
        target=application,
        scope=scope_of(project),
        changes={f"{name}{CHARACTERS_SUFFIX}": pair for name, pair in changed.items()},
    )
    return application


def _milestone_fields(project: Project, name: Any, planned_on: Any, work_products: Any) -> dict:
    name = str(name or "").strip()
    if not name:
        raise ApplicationError(_("A milestone needs a name."), "name_required")
    if len(name) > 200:
        raise ApplicationError(_("The name is longer than 200 characters."), "too_long")
    if isinstance(planned_on, str):
        try:
            planned_on = dt.date.fromisoformat(planned_on)
        except ValueError:
            planned_on = None
    if not isinstance(planned_on, dt.date) or isinstance(planned_on, dt.datetime):
        raise ApplicationError(_("A milestone needs a planned date."), "date_required")
    if project.contract_signed_on and planned_on < project.contract_signed_on:
        raise ApplicationError(
            _("A milestone cannot be before the contract was signed (%(d)s).")
            % {"d": project.contract_signed_on.isoformat()},
            "before_contract",
        )
    if project.planned_finish and planned_on > project.planned_finish:
        raise ApplicationError(
            _(
                "The milestone is after the project's planned finish (%(d)s): "
                "move the planned finish first."
            )
            % {"d": project.planned_finish.isoformat()},
            "after_finish",
        )
    products = "" if work_products is None else str(work_products).strip()
    if len(products) > 4000:
        raise ApplicationError(_("The work products are too long."), "too_long")
    return {"name": name, "planned_on": planned_on, "work_products": products}


@transaction.atomic
def milestone_add(
    *, actor: User, project: Project, name: str, planned_on: Any, work_products: str = ""
) -> Milestone:
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    if project.milestones.count() >= MAX_MILESTONES:
        raise ApplicationError(_("At most %(n)d milestones.") % {"n": MAX_MILESTONES}, "too_many")
    milestone = Milestone.objects.create(
        project=project, **_milestone_fields(project, name, planned_on, work_products)
    )
    audit_record(
        actor=actor,
        action="planning.milestone_add",
        target=milestone,
        scope=scope_of(project),
        changes={"milestone": [None, f"{milestone.name} {milestone.planned_on.isoformat()}"]},
    )
    return milestone


def _own_milestone(project: Project, milestone_id: Any) -> Milestone:
    milestone = Milestone.objects.filter(project=project, pk=_int(milestone_id)).first()
    if milestone is None:
        raise ApplicationError(
            _("No such milestone in this project."), "milestone_not_found", status=404
        )
    return milestone


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@transaction.atomic
def milestone_update(
    *, actor: User, project: Project, milestone_id: int, **fields: Any
) -> Milestone:
    unknown = set(fields) - {"name", "planned_on", "work_products"}
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    milestone = _own_milestone(project, milestone_id)
    before = f"{milestone.name} {milestone.planned_on.isoformat()}"
    clean = _milestone_fields(
        project,
        fields.get("name", milestone.name),
        fields.get("planned_on", milestone.planned_on),
        fields.get("work_products", milestone.work_products),
    )
    for name, value in clean.items():
        setattr(milestone, name, value)
    milestone.save()
    after = f"{milestone.name} {milestone.planned_on.isoformat()}"
    audit_record(
        actor=actor,
        action="planning.milestone_update",
        target=milestone,
        scope=scope_of(project),
        changes={"milestone": [before, after]},
    )
    return milestone


@transaction.atomic
def milestone_delete(*, actor: User, project: Project, milestone_id: int) -> None:
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    milestone = _own_milestone(project, milestone_id)
    audit_record(
        actor=actor,
        action="planning.milestone_delete",
        target=milestone,
        scope=scope_of(project),
        changes={"milestone": [f"{milestone.name} {milestone.planned_on.isoformat()}", None]},
    )
    milestone.delete()


def _label(name: str) -> str:
    field = InitiationApplication._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def initiation_problems(project: Project) -> list[str]:
    """What the initiation application and schedule still lack (empty when complete)."""
    problems: list[str] = []
    application = InitiationApplication.objects.filter(project=project).first()
    missing = [
        _label(name)
        for name in REQUIRED_FIELDS
        if application is None or not getattr(application, name).strip()
    ]
    if missing:
        problems.append(
            _("The initiation application lacks: %(fields)s.") % {"fields": "、".join(missing)}
        )
    if not project.milestones.exists():
        problems.append(_("The preliminary schedule has no milestones."))
    signed = project.contract_signed_on
    if signed is not None:
        # The contract date may have moved since the lines were written.
        early = project.purchase_lines.filter(delivery_on__lt=signed)
        items = list(early.values_list("item", flat=True)[:10])
        if items:
            problems.append(
                _(
                    "Purchase plan lines are delivered before the contract was signed "
                    "(%(d)s): %(items)s."
                )
                % {"items": "、".join(items), "d": signed.isoformat()}
            )
    return problems
