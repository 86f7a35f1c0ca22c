"""Project pages. Views fetch through accessors, call one service, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.approvals.models import RequestStatus
from epm.core.errors import NotFound, PermissionDenied
from epm.core.forms import run_form

from . import gates, hooks, rules, selectors, services
from .forms import (
    AppointForm,
    FinalAcceptanceForm,
    LifecycleTemplateForm,
    MemberForm,
    ProjectFilterForm,
    ProjectForm,
    TransitionForm,
)
from .intake_selectors import latest_nomination
from .lifecycle import (
    STEP_LABELS,
    final_acceptance_after_closure,
    labelled,
    main_line,
    transition_by_code,
)
from .models import LifecycleTemplate, NominationStatus, ProjectType
from .rules import access_project

PAGE_SIZE = 25
APPROVALS_SHOWN = 20  # the project's newest approval requests on its page


def _form_fields(form: ProjectForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}


@login_required
def project_list(request):
    form = ProjectFilterForm(request.GET or None)
    filters = selectors.ProjectFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ProjectFilters(
            status=data["status"],
            project_type=data["type"],
            department=data["department"],
            pm=data["pm"],
            text=data["text"],
        )
    page = Paginator(selectors.project_list(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": rules.can_create_project(request.user),
        },
    )


@login_required
def project_create(request):
    if not rules.can_create_project(request.user):
        raise PermissionDenied()
    parents = rules.visible_projects(request.user).filter(is_big_project=True)
    form = ProjectForm(request.POST or None, parents=parents)
    created = {}

    def call():
        created["project"] = services.project_create(actor=request.user, **_form_fields(form))

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("The project was registered as a draft."))
        return redirect("projects:detail", created["project"].pk)
    return render(request, "projects/form.html", {"form": form, "title": _("New project")})


@login_required
def project_edit(request, project_id: int):
    project = access_project(request.user, project_id)
    if not rules.can_edit_project(request.user, project):
        raise PermissionDenied()
    parents = (
        rules.visible_projects(request.user).filter(is_big_project=True).exclude(pk=project.pk)
    )
    form = ProjectForm(request.POST or None, instance=project, parents=parents)

    def call():
        fields = _form_fields(form)
        services.project_update(
            actor=request.user, project=access_project(request.user, project_id), **fields
        )

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Saved."))
        return redirect("projects:detail", project.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "project": project, "title": _("Edit project")},
    )


@login_required
def project_detail(request, project_id: int):
    project = access_project(request.user, project_id)
    template = project.project_type.lifecycle
    in_approval = gates.open_request_codes(project)
    transitions = selectors.available_transitions(request.user, project)
    nomination = latest_nomination(project)
    nomination_open = nomination is not None and nomination.status == NominationStatus.OPEN
    appointment = in_approval.get("appoint_pm")
    appointment_pending = appointment is not None and appointment.status == RequestStatus.PENDING
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "members": selectors.project_members(project),
            "panels": hooks.panels_for(request, project),
            # (transition, whether it asks for an approval, its open request if one runs, the
            # page where it is asked for when that is not a button here)
            "transitions": [
                (
                    t,
                    t.needs_approval(template),
                    in_approval.get(t.code),
                    hooks.asked_on_page(t.code, project),
                )
                for t in transitions
            ],
            # What is in approval that the viewer has no button for (a PM waiting for review).
            "other_open": [
                r
                for code, r in in_approval.items()
                if code not in {t.code for t in transitions} and code != "appoint_pm"
            ],
            "approvals": project.approval_requests.select_related("chain", "submitter")[
                :APPROVALS_SHOWN
            ],
            "appointment_request": in_approval.get("appoint_pm"),
            "history": selectors.project_history_rows(project),
            "main_line": labelled(main_line(template)),
            "can_edit": rules.can_edit_project(request.user, project),
            "can_manage_members": rules.can_manage_members(request.user, project),
            "can_appoint": rules.can_appoint_pm(request.user, project),
            "is_pmo": rules.is_pmo(request.user),
            "nomination": nomination,
            "can_start_nomination": rules.can_start_nomination(request.user, project)
            and not nomination_open
            and not appointment_pending,
            "can_cancel_nomination": nomination_open and rules.is_pmo(request.user),
            "member_form": MemberForm(),
            "can_record_final_acceptance": project.final_accepted_on is None
            and project.status in services.RECORDABLE_AFTER_CLOSURE
            and final_acceptance_after_closure(template)
            and rules.can_record_final_acceptance(request.user, project),
            "final_acceptance_form": FinalAcceptanceForm(),
            "appoint_form": AppointForm(
                initial={"pm": project.pm_id, "short_name": project.short_name}
            ),
        },
    )


@login_required
@require_POST
def project_transition(request, project_id: int):
    project = access_project(request.user, project_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown transition."))
        return redirect("projects:detail", project.pk)
    code = form.cleaned_data["code"]
    before = {r.pk for r in gates.open_requests(project)}
    services.project_transition(
        actor=request.user, project=project, code=code, reason=form.cleaned_data["reason"]
    )
    transition = transition_by_code(project.project_type.lifecycle, code)
    if transition is not None and transition.needs_approval(project.project_type.lifecycle):
        # Not taken yet: it was sent to its approval chain; show where it stands.
        return _sent_for_approval(request, project, gates.open_request_codes(project).get(code))
    project.refresh_from_db()
    started = [r for r in gates.open_requests(project) if r.pk not in before]
    if started:
        messages.success(
            request,
            _("The project is now %(state)s and was sent for approval.")
            % {"state": project.get_status_display()},
        )
    else:
        messages.success(
            request, _("The project is now %(state)s.") % {"state": project.get_status_display()}
        )
    return redirect("projects:detail", project.pk)


def _sent_for_approval(request, project, approval):
    if approval is None:  # approved at once (every step was skipped): it is done
        project.refresh_from_db()
        messages.success(
            request, _("The project is now %(state)s.") % {"state": project.get_status_display()}
        )
        return redirect("projects:detail", project.pk)
    messages.success(request, _("Sent for approval."))
    return redirect("approvals:detail", approval.pk)


@login_required
@require_POST
def project_final_acceptance(request, project_id: int):
    project = access_project(request.user, project_id)
    form = FinalAcceptanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the date final acceptance passed."))
    else:
        services.project_record_final_acceptance(
            actor=request.user, project=project, accepted_on=form.cleaned_data["accepted_on"]
        )
        messages.success(request, _("Final acceptance recorded."))
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def project_appoint(request, project_id: int):
    project = access_project(request.user, project_id)
    form = AppointForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a project manager."))
        return redirect("projects:detail", project.pk)
    services.project_appoint_pm(
        actor=request.user,
        project=project,
        pm=form.cleaned_data["pm"],
        short_name=form.cleaned_data["short_name"],
    )
    return _sent_for_approval(request, project, gates.open_request_codes(project).get("appoint_pm"))


@login_required
@require_POST
def member_add(request, project_id: int):
    project = access_project(request.user, project_id)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person and a role."))
    else:
        services.project_member_add(
            actor=request.user,
            project=project,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("Member added."))
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def member_remove(request, project_id: int, membership_id: int):
    project = access_project(request.user, project_id)
    services.project_member_remove(actor=request.user, project=project, membership_id=membership_id)
    messages.success(request, _("Member removed."))
    return redirect("projects:detail", project.pk)


def _gate_labels() -> dict[str, str]:
    return {code: str(label) for code, label in STEP_LABELS.items()}


@login_required
def lifecycle_list(request):
    if not rules.can_edit_lifecycle_templates(request.user):
        raise PermissionDenied()
    types = ProjectType.objects.select_related("lifecycle")
    labels = _gate_labels()
    rows = [
        (t, labelled(main_line(t.lifecycle)), [labels.get(g, g) for g in t.lifecycle.gates])
        for t in types
    ]
    return render(request, "projects/lifecycles.html", {"rows": rows})


@login_required
def lifecycle_edit(request, type_id: int):
    if not rules.can_edit_lifecycle_templates(request.user):
        raise PermissionDenied()
    template = (
        LifecycleTemplate.objects.select_related("project_type")
        .filter(project_type_id=type_id)
        .first()
    )
    if template is None:
        raise NotFound()
    initial = {
        "phases": template.phases,
        "closure_after": template.closure_after,
        "gates": template.gates,
    }
    form = LifecycleTemplateForm(request.POST or None, initial=initial, gate_labels=_gate_labels())

    def call():
        services.lifecycle_template_update(
            actor=request.user, template=template, **form.cleaned_data
        )

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Saved."))
        return redirect("projects:lifecycles")
    return render(request, "projects/lifecycle_form.html", {"form": form, "template": template})
