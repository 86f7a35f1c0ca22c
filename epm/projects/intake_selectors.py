"""Reads for the contract page: deliverables, outsourcing parts with their applications, the
PM nomination."""

from __future__ import annotations

from dataclasses import dataclass, field

from epm.approvals.models import ApprovalRequest
from epm.core.models import User

from . import rules
from .intake import OUTSOURCING_KIND, outsourcing_problems
from .models import ContractDeliverable, Nomination, OutsourcingPart, Project


@dataclass
class PartRow:
    part: OutsourcingPart
    request: ApprovalRequest | None  # the newest application request, if any


@dataclass
class ContractOverview:
    deliverables: list[ContractDeliverable]
    parts: list[PartRow]
    nomination: Nomination | None
    can_edit_deliverables: bool
    can_edit_outsourcing: bool
    can_assign_number: bool
    problems: list[str] = field(default_factory=list)


def deliverables(project: Project) -> list[ContractDeliverable]:
    return list(ContractDeliverable.objects.filter(project=project))


def outsourcing_rows(project: Project) -> list[PartRow]:
    parts = list(OutsourcingPart.objects.filter(project=project))
    newest: dict[int, ApprovalRequest] = {}
    requests = ApprovalRequest.objects.filter(
        subject_kind=OUTSOURCING_KIND, subject_id__in=[p.pk for p in parts]
    ).order_by("-submitted_at", "-id")
    for request in requests:
        newest.setdefault(request.subject_id, request)
    return [PartRow(part=p, request=newest.get(p.pk)) for p in parts]


def latest_nomination(project: Project) -> Nomination | None:
    return (
        Nomination.objects.filter(project=project)
        .select_related("department", "started_by", "nominated_pm", "nominated_by")
        .order_by("-started_at", "-id")
        .first()
    )


def contract_overview(user: User, project: Project) -> ContractOverview:
    return ContractOverview(
        deliverables=deliverables(project),
        parts=outsourcing_rows(project),
        nomination=latest_nomination(project),
        can_edit_deliverables=rules.can_edit_deliverables(user, project),
        can_edit_outsourcing=rules.can_edit_outsourcing(user, project),
        can_assign_number=rules.can_assign_number(user, project),
        problems=outsourcing_problems(project),
    )
