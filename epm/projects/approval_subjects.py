"""Project steps as approval subjects: gated lifecycle transitions and PM appointments."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epm.approvals.conditions import FieldType
from epm.approvals.models import Action, ApprovalRequest
from epm.approvals.subjects import SubjectKind, register
from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.core.templatetags.epm import money

from . import gates, hooks, intake, nomination, rules, services
from .lifecycle import GATEABLE, transition_by_code
from .models import OutsourcingPart, OutsourcingStatus, Project, ProjectType, Status

PROJECT_FIELDS: dict[str, FieldType] = {
    "project_type": FieldType.CHOICE,
    "contract_amount": FieldType.DECIMAL,
    "is_big_project": FieldType.BOOLEAN,
    "is_sub_project": FieldType.BOOLEAN,
    "is_virtual_contract": FieldType.BOOLEAN,
}
PROJECT_FIELD_LABELS = {
    "project_type": gettext_lazy("project type"),
    "contract_amount": gettext_lazy("contract amount"),
    "is_big_project": gettext_lazy("is a big project"),
    "is_sub_project": gettext_lazy("is a sub-project"),
    "is_virtual_contract": gettext_lazy("has a virtual contract"),
}


def _project_values(project: Project) -> dict[str, Any]:
    return {
        "project_type": project.project_type.code,
        "contract_amount": (
            str(project.contract_amount) if project.contract_amount is not None else None
        ),
        "is_big_project": project.is_big_project,
        "is_sub_project": project.parent_id is not None,
        "is_virtual_contract": project.is_virtual_contract,
    }


def _project_summary(project: Project) -> list[tuple[str, str]]:
    lines = [
        (_("Project"), str(project)),
        (_("Type"), str(project.project_type)),
        (_("Customer"), project.customer),
        (_("Department"), str(project.department)),
        (_("State"), project.get_status_display()),
        (_("Project manager"), str(project.pm or "—")),
    ]
    if project.contract_amount is not None:
        lines.append((_("Contract amount"), money(project.contract_amount)))
    if project.parent_id:
        lines.append((_("Big project"), str(project.parent)))
    return lines


def _last_comment(request: ApprovalRequest) -> str:
    event = (
        request.events.filter(action__in=[Action.REJECT, Action.RETURN, Action.WITHDRAW])
        .order_by("-created_at", "-id")
        .first()
    )
    return event.comment if event else ""


class _ProjectSubject(SubjectKind):
    fields = PROJECT_FIELDS
    field_labels = PROJECT_FIELD_LABELS

    @property
    def choices(self) -> dict[str, set[str]]:  # type: ignore[override]
        return {"project_type": set(ProjectType.objects.values_list("code", flat=True))}

    def _project(self, request: ApprovalRequest) -> Project:
        project = request.project or Project.objects.filter(pk=request.subject_id).first()
        if project is None:
            raise ApplicationError(_("The project no longer exists."), "no_project")
        return project

    def values(self, request: ApprovalRequest) -> dict[str, Any]:
        return _project_values(self._project(request))

    def url(self, request: ApprovalRequest) -> str:
        return reverse("projects:detail", args=[request.subject_id])


class TransitionSubject(_ProjectSubject):
    """A gated lifecycle step; the payload holds its code and the reason given."""

    code = gates.TRANSITION_KIND
    label = gettext_lazy("Project lifecycle step")

    @property
    def fields(self) -> dict[str, FieldType]:  # type: ignore[override]
        return {**PROJECT_FIELDS, "transition": FieldType.CHOICE}

    @property
    def field_labels(self) -> dict[str, Any]:  # type: ignore[override]
        return {**PROJECT_FIELD_LABELS, "transition": gettext_lazy("lifecycle step")}

    @property
    def choices(self) -> dict[str, set[str]]:  # type: ignore[override]
        return {**super().choices, "transition": set(GATEABLE)}

    def values(self, request: ApprovalRequest) -> dict[str, Any]:
        return {**super().values(request), "transition": request.payload.get("code")}

    def summary(self, request: ApprovalRequest) -> list[tuple[str, str]]:
        code = str(request.payload.get("code", ""))
        lines = [(_("Step"), gates.step_label(code)), *_project_summary(self._project(request))]
        if request.payload.get("reason"):
            lines.append((_("Reason"), str(request.payload["reason"])))
        return lines

    def url(self, request: ApprovalRequest) -> str:
        code = str(request.payload.get("code", ""))
        return hooks.page_for(code, self._project(request)) or super().url(request)

    def batchable(self, request: ApprovalRequest) -> bool:
        # Initiation and the implementation plan carry documents to read (issue 4); cancellation
        # and closure carry asset and deliverable checks. Suspension and resumption are simple.
        return request.payload.get("code") in ("suspend", "resume")

    def may_resubmit(self, request: ApprovalRequest, actor: User) -> bool:
        project = self._project(request)
        code = str(request.payload.get("code", ""))
        # Initiation is asked for by submitting; the others by whoever may take the step.
        asked_as = transition_by_code(
            project.project_type.lifecycle, "submit" if code == "approve_initiation" else code
        )
        return asked_as is not None and rules.can_request_transition(actor, project, asked_as)

    def check_submit(self, request: ApprovalRequest, actor: User) -> None:
        project = self._project(request)
        code = str(request.payload.get("code", ""))
        if code == "approve_initiation" and project.status == Status.DRAFT:
            return  # a returned initiation is resubmitted from draft (on_submitted moves it)
        transition = services._transition(project, code)
        services._guard(project, transition, str(request.payload.get("reason", "")))

    def on_submitted(self, request: ApprovalRequest, actor: User) -> None:
        project = self._project(request)
        if request.payload.get("code") == "approve_initiation" and project.status == Status.DRAFT:
            services.take_transition(actor=actor, project_id=project.pk, code="submit", reason="")

    def on_approved(self, request: ApprovalRequest, actor: User) -> None:
        services.take_transition(
            actor=actor,
            project_id=request.subject_id,
            code=str(request.payload["code"]),
            reason=str(request.payload.get("reason", "")),
        )

    def _sent_back(self, request: ApprovalRequest, actor: User) -> None:
        hooks.run_sent_back(str(request.payload.get("code", "")), actor, self._project(request))
        if request.payload.get("code") == "approve_initiation":
            services.initiation_sent_back(
                actor=actor, project_id=request.subject_id, reason=_last_comment(request)
            )

    on_rejected = on_returned = on_withdrawn = _sent_back


class AppointmentSubject(_ProjectSubject):
    """A PM appointment; the payload holds the nominated PM and the short name."""

    code = gates.APPOINTMENT_KIND
    label = gettext_lazy("Project manager appointment")

    def _pm(self, request: ApprovalRequest) -> User | None:
        return User.objects.filter(pk=request.payload.get("pm")).first()

    def summary(self, request: ApprovalRequest) -> list[tuple[str, str]]:
        pm = self._pm(request)
        lines = [(_("Nominated project manager"), str(pm or "—"))]
        if request.payload.get("short_name"):
            lines.append((_("Short name"), str(request.payload["short_name"])))
        return lines + _project_summary(self._project(request))

    def batchable(self, request: ApprovalRequest) -> bool:
        return True

    def may_resubmit(self, request: ApprovalRequest, actor: User) -> bool:
        return rules.can_appoint_pm(actor, self._project(request))

    def check_submit(self, request: ApprovalRequest, actor: User) -> None:
        project = self._project(request)
        if project.is_frozen:
            raise ApplicationError(
                _("A %(state)s project cannot be edited.")
                % {"state": project.get_status_display()},
                "project_frozen",
            )
        pm = self._pm(request)
        if pm is None or not pm.is_active:
            raise ApplicationError(
                _("The nominated project manager is not an active user."), "inactive_user"
            )

    def on_approved(self, request: ApprovalRequest, actor: User) -> None:
        services.appointment_approved(
            actor=actor,
            project_id=request.subject_id,
            pm_id=int(request.payload["pm"]),
            short_name=str(request.payload.get("short_name", "")),
        )

    def _not_granted(self, request: ApprovalRequest, actor: User) -> None:
        # A first appointment that fails sends the department back to nominating (R2).
        nomination.appointment_not_granted(actor=actor, project_id=request.subject_id)

    on_rejected = on_withdrawn = _not_granted


class OutsourcingSubject(_ProjectSubject):
    """An outsourcing application (外包申请, R1); the subject id is the outsourcing part."""

    code = intake.OUTSOURCING_KIND
    label = gettext_lazy("Outsourcing application")

    @property
    def fields(self) -> dict[str, FieldType]:  # type: ignore[override]
        return {**PROJECT_FIELDS, "outsourcing_amount": FieldType.DECIMAL}

    @property
    def field_labels(self) -> dict[str, Any]:  # type: ignore[override]
        return {**PROJECT_FIELD_LABELS, "outsourcing_amount": gettext_lazy("outsourcing amount")}

    def _part(self, request: ApprovalRequest) -> OutsourcingPart:
        part = OutsourcingPart.objects.filter(pk=request.subject_id).first()
        if part is None:
            raise ApplicationError(
                _("The outsourcing part no longer exists."), "outsourcing_not_found"
            )
        return part

    def values(self, request: ApprovalRequest) -> dict[str, Any]:
        return {**super().values(request), "outsourcing_amount": str(self._part(request).amount)}

    def summary(self, request: ApprovalRequest) -> list[tuple[str, str]]:
        part = OutsourcingPart.objects.filter(pk=request.subject_id).first()
        lines: list[tuple[str, str]] = []
        if part is not None:
            lines = [
                (_("Outsourced scope"), part.scope),
                (_("Supplier"), part.supplier),
                (_("Outsourcing amount"), money(part.amount)),
            ]
            if part.description:
                lines.append((_("Description"), part.description))
            if part.contract_number:
                lines.append((_("Outsourcing contract number"), part.contract_number))
        return lines + _project_summary(self._project(request))

    def url(self, request: ApprovalRequest) -> str:
        project_id = request.project_id or self._part(request).project_id
        return reverse("projects:contract", args=[project_id])

    def may_resubmit(self, request: ApprovalRequest, actor: User) -> bool:
        return rules.can_edit_outsourcing(actor, self._project(request))

    def check_submit(self, request: ApprovalRequest, actor: User) -> None:
        project = self._project(request)
        if project.is_frozen:
            raise ApplicationError(
                _("A %(state)s project cannot be edited.")
                % {"state": project.get_status_display()},
                "project_frozen",
            )
        part = self._part(request)
        if part.project_id != project.pk:
            raise ApplicationError(
                _("The outsourcing part no longer exists."), "outsourcing_not_found"
            )
        if part.status == OutsourcingStatus.APPROVED:
            raise ApplicationError(
                _("The outsourcing application was already approved."), "already_approved"
            )

    def _decided(self, request: ApprovalRequest, actor: User, status: str) -> None:
        intake.outsourcing_decided(actor=actor, part_id=request.subject_id, status=status)

    def on_submitted(self, request: ApprovalRequest, actor: User) -> None:
        self._decided(request, actor, OutsourcingStatus.IN_APPROVAL)

    def on_approved(self, request: ApprovalRequest, actor: User) -> None:
        self._decided(request, actor, OutsourcingStatus.APPROVED)

    def on_rejected(self, request: ApprovalRequest, actor: User) -> None:
        self._decided(request, actor, OutsourcingStatus.REJECTED)

    def _back_to_draft(self, request: ApprovalRequest, actor: User) -> None:
        self._decided(request, actor, OutsourcingStatus.DRAFT)

    on_returned = on_withdrawn = _back_to_draft


def register_all() -> None:
    register(TransitionSubject())
    register(AppointmentSubject())
    register(OutsourcingSubject())
