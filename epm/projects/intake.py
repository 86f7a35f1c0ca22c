"""Contract intake (R1): the deliverables a contract lists and the parts given to suppliers.

The contract's own fields (number, amount, dates, virtual contract) are the project's and are
edited with `services.project_update`. Deliverables are checked again at closure; each
outsourcing part needs its outsourcing application approved (chain `outsourcing`) or an
outsourcing contract before the initiation is submitted (see intake_hooks.py).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from epm.approvals.models import ApprovalRequest
from epm.approvals.services import approval_submit_or_resubmit
from epm.core.audit import audit_record, diff, scope_of, snapshot
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import User

from . import rules
from .models import ContractDeliverable, OutsourcingPart, OutsourcingStatus, Project
from .services import lock_project

OUTSOURCING_KIND = "project.outsourcing"
OUTSOURCING_CHAIN = "outsourcing"

DELIVERABLE_FIELDS = ["position", "name", "description", "quantity", "unit"]
OUTSOURCING_FIELDS = ["scope", "description", "supplier", "amount", "contract_number"]
# Once the application is approved, only the outsourcing contract may still be recorded.
AFTER_APPROVAL = {"contract_number"}
TEXT_LIMITS = {
    "name": 200,
    "description": 5000,
    "unit": 20,
    "scope": 200,
    "supplier": 200,
    "contract_number": 60,
}


def _decimal(value: Any, *, label: str, places: int, positive: bool) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            _("%(f)s is not a number.") % {"f": label}, "invalid_number", detail={"field": label}
        ) from exc
    if not number.is_finite():
        raise ApplicationError(
            _("%(f)s is not a number.") % {"f": label}, "invalid_number", detail={"field": label}
        )
    if number < 0 or (positive and number == 0):
        message = _("%(f)s must be more than zero.") if positive else _("%(f)s cannot be negative.")
        raise ApplicationError(message % {"f": label}, "invalid_number", detail={"field": label})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ApplicationError(
            _("%(f)s has at most %(n)d decimals.") % {"f": label, "n": places},
            "invalid_number",
            detail={"field": label},
        )
    if number >= Decimal("1e11"):
        raise ApplicationError(
            _("%(f)s is too large.") % {"f": label}, "invalid_number", detail={"field": label}
        )
    return number


def _text(name: str, value: Any, label: str, *, required: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if "\x00" in text:
        raise ApplicationError(_("Text cannot contain NUL characters."), "nul_character")
    if required and not text:
        raise ApplicationError(
            _("%(f)s is required.") % {"f": label}, "required", detail={"field": name}
        )
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise ApplicationError(
            _("%(f)s has at most %(n)d characters.") % {"f": label, "n": limit},
            "too_long",
            detail={"field": name},
        )
    return text


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _unknown(fields: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )


def _check_frozen(project: Project) -> None:
    if project.is_frozen:
        raise ApplicationError(
            _("A %(state)s project cannot be edited.") % {"state": project.get_status_display()},
            "project_frozen",
        )


# --- Deliverables --------------------------------------------------------------------------------


def _clean_deliverable(item: ContractDeliverable, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        label = _label(ContractDeliverable, name)
        if name == "quantity":
            value = (
                None
                if value in (None, "")
                else _decimal(value, label=label, places=3, positive=True)
            )
        elif name == "position":
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = -1
            if not 0 <= value <= 100000:
                raise ApplicationError(
                    _("The position must be a whole number from 0."), "invalid_position"
                )
        else:
            value = _text(name, value, label, required=name == "name")
        setattr(item, name, value)


def _deliverable(project: Project, deliverable_id: int) -> ContractDeliverable:
    item = ContractDeliverable.objects.filter(project=project, pk=deliverable_id).first()
    if item is None:
        raise ApplicationError(
            _("No such deliverable in this project."), "deliverable_not_found", status=404
        )
    return item


def _may_edit_deliverables(actor: User, project: Project) -> None:
    _check_frozen(project)
    if not rules.can_edit_deliverables(actor, project):
        raise PermissionDenied()


@transaction.atomic
def deliverable_add(
    *,
    actor: User,
    project: Project,
    name: str,
    description: str = "",
    quantity: Decimal | str | None = None,
    unit: str = "",
) -> ContractDeliverable:
    """Record a deliverable the contract lists (R1); it goes to the end of the list."""
    project = lock_project(project)
    _may_edit_deliverables(actor, project)
    last = ContractDeliverable.objects.filter(project=project).aggregate(m=Max("position"))["m"]
    item = ContractDeliverable(project=project, position=(last or 0) + 1)
    _clean_deliverable(
        item, {"name": name, "description": description, "quantity": quantity, "unit": unit}
    )
    item.save()
    audit_record(
        actor=actor,
        action="project.deliverable_add",
        target=item,
        scope=scope_of(project),
        changes={"deliverable": [None, item.name]},
    )
    return item


@transaction.atomic
def deliverable_update(
    *, actor: User, project: Project, deliverable_id: int, **fields: Any
) -> ContractDeliverable:
    _unknown(fields, DELIVERABLE_FIELDS)
    project = lock_project(project)
    _may_edit_deliverables(actor, project)
    item = _deliverable(project, deliverable_id)
    before = snapshot(item, DELIVERABLE_FIELDS)
    _clean_deliverable(item, fields)
    changes = diff(before, snapshot(item, DELIVERABLE_FIELDS))
    if not changes:
        return item
    item.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="project.deliverable_update",
        target=item,
        scope=scope_of(project),
        changes=changes,
    )
    return item


@transaction.atomic
def deliverable_remove(*, actor: User, project: Project, deliverable_id: int) -> None:
    project = lock_project(project)
    _may_edit_deliverables(actor, project)
    item = _deliverable(project, deliverable_id)
    audit_record(
        actor=actor,
        action="project.deliverable_remove",
        target=item,
        scope=scope_of(project),
        changes={"deliverable": [item.name, None]},
    )
    item.delete()


# --- Outsourcing parts ---------------------------------------------------------------------------


def _clean_part(part: OutsourcingPart, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        label = _label(OutsourcingPart, name)
        if name == "amount":
            if value in (None, ""):
                raise ApplicationError(
                    _("%(f)s is required.") % {"f": label}, "required", detail={"field": name}
                )
            value = _decimal(value, label=label, places=2, positive=False)
        else:
            value = _text(name, value, label, required=name in ("scope", "supplier"))
        setattr(part, name, value)


def _part(project: Project, part_id: int, *, lock: bool = False) -> OutsourcingPart:
    qs = OutsourcingPart.objects.filter(project=project, pk=part_id)
    part = (qs.select_for_update() if lock else qs).first()
    if part is None:
        raise ApplicationError(
            _("No such outsourcing part in this project."), "outsourcing_not_found", status=404
        )
    return part


def _may_edit_outsourcing(actor: User, project: Project) -> None:
    _check_frozen(project)
    if not rules.can_edit_outsourcing(actor, project):
        raise PermissionDenied()


def _in_approval() -> ApplicationError:
    return ApplicationError(
        _("The outsourcing application is in approval; it cannot be changed meanwhile."),
        "in_approval",
        status=409,
    )


@transaction.atomic
def outsourcing_add(
    *,
    actor: User,
    project: Project,
    scope: str,
    supplier: str,
    amount: Decimal | str,
    description: str = "",
    contract_number: str = "",
) -> OutsourcingPart:
    """Record a part of the work given to a supplier; its application is submitted next."""
    project = lock_project(project)
    _may_edit_outsourcing(actor, project)
    part = OutsourcingPart(project=project, created_by=actor)
    _clean_part(
        part,
        {
            "scope": scope,
            "description": description,
            "supplier": supplier,
            "amount": amount,
            "contract_number": contract_number,
        },
    )
    part.save()
    audit_record(
        actor=actor,
        action="project.outsourcing_add",
        target=part,
        scope=scope_of(project),
        changes={
            "outsourcing": [None, str(part)],
            "amount": [None, str(part.amount)],
        },
    )
    return part


@transaction.atomic
def outsourcing_update(
    *, actor: User, project: Project, part_id: int, **fields: Any
) -> OutsourcingPart:
    """Edit a part; while its application is decided nothing changes, and once approved only
    the outsourcing contract number may still be recorded."""
    _unknown(fields, OUTSOURCING_FIELDS)
    project = lock_project(project)
    _may_edit_outsourcing(actor, project)
    part = _part(project, part_id, lock=True)
    if part.status == OutsourcingStatus.IN_APPROVAL:
        raise _in_approval()
    before = snapshot(part, OUTSOURCING_FIELDS)
    _clean_part(part, fields)
    after = snapshot(part, OUTSOURCING_FIELDS)
    changes = diff(before, after)
    if not changes:
        return part
    if part.status == OutsourcingStatus.APPROVED and set(changes) - AFTER_APPROVAL:
        raise ApplicationError(
            _(
                "The outsourcing application was approved; only the outsourcing contract "
                "number can still be changed."
            ),
            "approved_locked",
            status=409,
        )
    part.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action="project.outsourcing_update",
        target=part,
        scope=scope_of(project),
        changes=changes,
    )
    return part


@transaction.atomic
def outsourcing_remove(*, actor: User, project: Project, part_id: int) -> None:
    project = lock_project(project)
    _may_edit_outsourcing(actor, project)
    part = _part(project, part_id, lock=True)
    if part.status == OutsourcingStatus.IN_APPROVAL:
        raise _in_approval()
    audit_record(
        actor=actor,
        action="project.outsourcing_remove",
        target=part,
        scope=scope_of(project),
        changes={"outsourcing": [str(part), None]},
    )
    part.delete()


def application_title(part: OutsourcingPart) -> str:
    return _("%(p)s: outsourcing application — %(scope)s") % {
        "p": part.project,
        "scope": part.scope,
    }


@transaction.atomic
def outsourcing_submit(*, actor: User, project: Project, part_id: int) -> ApprovalRequest:
    """Submit the part's outsourcing application (外包申请) to the `outsourcing` chain; a
    returned application is resubmitted, a rejected one starts again."""
    project = lock_project(project)
    _may_edit_outsourcing(actor, project)
    part = _part(project, part_id, lock=True)
    if part.status == OutsourcingStatus.IN_APPROVAL:
        raise ApplicationError(
            _("The outsourcing application is already in approval."),
            "already_in_approval",
            status=409,
        )
    if part.status == OutsourcingStatus.APPROVED:
        raise ApplicationError(
            _("The outsourcing application was already approved."),
            "already_approved",
            status=409,
        )
    title = application_title(part)
    payload = {"part": part.pk}
    return approval_submit_or_resubmit(
        actor=actor,
        chain_code=OUTSOURCING_CHAIN,
        subject_kind_code=OUTSOURCING_KIND,
        subject_id=part.pk,
        project=project,
        payload=payload,
        title=title,
    )


def outsourcing_decided(*, actor: User, part_id: int, status: str) -> OutsourcingPart | None:
    """The application's approval moved (inside the deciding transaction): record where it
    stands. A part removed meanwhile has nothing to record."""
    part = OutsourcingPart.objects.select_for_update().filter(pk=part_id).first()
    if part is None or part.status == status:
        return part
    before = part.status
    part.status = status
    part.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="project.outsourcing_status",
        target=part,
        scope=f"projects.project:{part.project_id}",
        changes={"outsourcing_status": [before, status]},
    )
    return part


def outsourcing_problems(project: Project) -> list[str]:
    """Why the initiation may not be submitted yet because of outsourcing (R1)."""
    return [
        _(
            "Outsourcing “%(scope)s” has neither an approved outsourcing application "
            "nor an outsourcing contract number (R1)."
        )
        % {"scope": part.scope}
        for part in OutsourcingPart.objects.filter(project=project)
        if not part.is_cleared
    ]
