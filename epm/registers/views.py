"""Pages of the registers app: a project's meetings, their minutes and action items.

Views fetch through the accessors, call one service and render; refused calls come back as
form errors (forms) or messages (buttons, through the ApplicationError middleware).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import PermissionDenied
from epm.core.forms import active_people, run_form
from epm.projects.rules import access_project

from . import rules, selectors, services
from .forms import (
    ActionItemForm,
    CompleteForm,
    MeetingForm,
    action_item_rows,
    parse_action_item_rows,
)
from .models import MeetingKind


@login_required
def meeting_list(request, project_id: int):
    project = access_project(request.user, project_id)
    return render(
        request,
        "registers/meetings.html",
        {
            "project": project,
            "meetings": selectors.meeting_list(project),
            "can_edit": rules.can_edit_meetings(request.user, project),
        },
    )


@login_required
def meeting_create(request, project_id: int):
    project = access_project(request.user, project_id)
    if not rules.can_edit_meetings(request.user, project):
        raise PermissionDenied()
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in MeetingKind.values else MeetingKind.KICKOFF_INTERNAL}
    form = MeetingForm(request.POST or None, initial=initial)
    rows = action_item_rows(request.POST) if request.method == "POST" else []
    created = {}

    def call():
        created["meeting"] = services.meeting_create(
            actor=request.user,
            project=project,
            **form.service_fields(),
            action_items=parse_action_item_rows(rows),
        )

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("The meeting is recorded as a draft."))
        return redirect("registers:meeting", project.pk, created["meeting"].pk)
    return render(
        request,
        "registers/meeting_form.html",
        {
            "project": project,
            "form": form,
            "rows": rows,
            "people": active_people(),
            "title": _("New meeting"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def meeting_edit(request, project_id: int, meeting_id: int):
    project = access_project(request.user, project_id)
    meeting = rules.access_meeting(request.user, meeting_id, project=project)
    if not rules.can_edit_meetings(request.user, project):
        raise PermissionDenied()
    initial = {
        "kind": meeting.kind,
        "title": meeting.title,
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at,
        "location": meeting.location,
        "attendee_ids": [u.pk for u in meeting.attendees.all()],
        "customer_attendees": meeting.customer_attendees,
        "agenda": meeting.agenda,
        "decisions": meeting.decisions,
        "minutes": meeting.minutes,
    }
    form = MeetingForm(request.POST or None, initial=initial, correction=meeting.is_published)

    def call():
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            reason=form.cleaned_data.get("reason", ""),
            **form.service_fields(),
        )

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Saved."))
        return redirect("registers:meeting", project.pk, meeting.pk)
    return render(
        request,
        "registers/meeting_form.html",
        {
            "project": project,
            "meeting": meeting,
            "form": form,
            "title": _("Correct the minutes") if meeting.is_published else _("Edit meeting"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _detail_context(request, project, meeting, **extra) -> dict:
    items = selectors.meeting_items(meeting)
    for item in items:
        item.can_complete = rules.can_complete_action_item(request.user, item, project)
    can_edit = rules.can_edit_meetings(request.user, project)
    return {
        "project": project,
        "meeting": meeting,
        "attendees": selectors.meeting_attendees(meeting),
        "customer_attendees": meeting.customer_attendee_list(),
        "items": items,
        "can_edit": can_edit,
        "can_publish": can_edit and not meeting.is_published,
        "item_form": ActionItemForm(auto_id="id_new_%s"),
        "people": active_people() if can_edit else [],
        **extra,
    }


@login_required
def meeting_detail(request, project_id: int, meeting_id: int):
    project = access_project(request.user, project_id)
    meeting = rules.access_meeting(request.user, meeting_id, project=project)
    return render(
        request, "registers/meeting_detail.html", _detail_context(request, project, meeting)
    )


@login_required
def meeting_print(request, project_id: int, meeting_id: int):
    project = access_project(request.user, project_id)
    meeting = rules.access_meeting(request.user, meeting_id, project=project)
    return render(
        request,
        "registers/meeting_print.html",
        {
            "project": project,
            "meeting": meeting,
            "attendees": selectors.meeting_attendees(meeting),
            "customer_attendees": meeting.customer_attendee_list(),
            "items": selectors.meeting_items(meeting),
        },
    )


@login_required
@require_POST
def meeting_publish(request, project_id: int, meeting_id: int):
    project = access_project(request.user, project_id)
    meeting = rules.access_meeting(request.user, meeting_id, project=project)
    services.meeting_publish(actor=request.user, meeting=meeting)
    messages.success(request, _("The minutes are published and were sent."))
    return redirect("registers:meeting", project.pk, meeting.pk)


@login_required
@require_POST
def action_item_add(request, project_id: int, meeting_id: int):
    project = access_project(request.user, project_id)
    meeting = rules.access_meeting(request.user, meeting_id, project=project)
    form = ActionItemForm(request.POST, auto_id="id_new_%s")

    def call():
        services.action_item_add(actor=request.user, meeting=meeting, **form.service_fields())

    if run_form(form, call):
        messages.success(request, _("Action item added."))
        return redirect("registers:meeting", project.pk, meeting.pk)
    return render(
        request,
        "registers/meeting_detail.html",
        _detail_context(request, project, meeting, item_form=form),
        status=400,
    )


@login_required
@require_POST
def action_item_update(request, project_id: int, item_id: int):
    project = access_project(request.user, project_id)
    item = rules.access_action_item(request.user, item_id, project=project)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the action, its owner and its due date."))
    else:
        services.action_item_update(actor=request.user, item=item, **form.service_fields())
        messages.success(request, _("Saved."))
    return redirect("registers:meeting", project.pk, item.meeting_id)


@login_required
@require_POST
def action_item_complete(request, project_id: int, item_id: int):
    project = access_project(request.user, project_id)
    item = rules.access_action_item(request.user, item_id, project=project)
    form = CompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.action_item_complete(actor=request.user, item=item, note=note)
    messages.success(request, _("Marked done."))
    back = reverse("registers:meeting", args=[project.pk, item.meeting_id])
    return redirect(_next(request) or back)


@login_required
@require_POST
def action_item_reopen(request, project_id: int, item_id: int):
    project = access_project(request.user, project_id)
    item = rules.access_action_item(request.user, item_id, project=project)
    services.action_item_reopen(actor=request.user, item=item)
    messages.success(request, _("Reopened."))
    return redirect("registers:meeting", project.pk, item.meeting_id)


def _next(request) -> str:
    """Where a button asked to go back to (the home page's card), if it is a local path."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if safe and target.startswith("/") else ""
