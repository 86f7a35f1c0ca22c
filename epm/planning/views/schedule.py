"""Pages: the WBS of a project's schedule — the table everyone who sees the project reads, and
for its editors the forms that build it (tasks, the tree, predecessors, people, settings).

One task's editor is open at a time (`?edit=<task id>`), so the page carries one set of edit
forms however long the WBS is. A refused change re-renders the page with the reason, what was
typed, and status 400 (bad input) or 409 (refused in this state); nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.projects.rules import access_project

from .. import rules, schedule_pages
from ..forms_schedule import AssignmentForm, LinkForm, ScheduleSettingsForm, TaskAddForm, TaskForm
from ..models import Assignment, Dependency, TaskKind, WbsTask
from ..selectors_schedule import WbsOverview, wbs_overview
from ..services import wbs as services

MOVES = ("up", "down", "indent", "outdent")


def _status(exc: ApplicationError) -> int:
    """The page's status for a refusal; a missing or forbidden object is a 404/403 page."""
    if isinstance(exc, NotFound | PermissionDenied) or exc.status == 404:
        raise exc if isinstance(exc, NotFound | PermissionDenied) else NotFound()
    return exc.status if exc.status in (400, 409) else 400


def _attempt(form: forms.Form, call: Callable[[], object]) -> int:
    """Run a service with a form's data: 0 when done, else the status of the page that shows
    the form again with its error."""
    if not form.is_valid():
        return 400
    try:
        call()
    except ApplicationError as exc:
        status = _status(exc)
        form.add_error(None, exc.message)
        return status
    return 0


def _page(
    request,
    project,
    *,
    overview: WbsOverview | None = None,
    status: int = 200,
    edit: int | None = None,
    **forms_,
):
    o = overview or wbs_overview(request.user, project)
    editing = o.row_of(edit) if edit and o.editable else None
    context = {
        "project": project,
        "o": o,
        "schedule_pages": schedule_pages.context(project),
        "editing": editing,
        "kinds": TaskKind,
    }
    if o.editable:
        context["settings_form"] = forms_.get("settings_form") or ScheduleSettingsForm.of(
            o.schedule
        )
        context["add_form"] = forms_.get("add_form") or TaskAddForm(rows=o.rows)
        context["can_start_from_milestones"] = not o.rows and project.milestones.exists()
    if editing is not None:
        context["task_form"] = forms_.get("task_form") or TaskForm.of(editing.task)
        context["link_form"] = forms_.get("link_form") or LinkForm(auto_id="id_link_%s")
        context["assignment_form"] = forms_.get("assignment_form") or AssignmentForm(
            auto_id="id_assign_%s"
        )
    return render(request, "planning/schedule.html", context, status=status)


def _to_page(project, task_id: int | None = None, *, edit: bool = False):
    url = reverse("planning:schedule", args=[project.pk])
    if task_id is None:
        return redirect(url)
    query = f"?edit={task_id}" if edit else ""
    return redirect(f"{url}{query}#task-{task_id}")


def _editable_project(request, project_id):
    """The project, for a change: readers who may not edit get the app's 403 at once (the
    services say why an editor is refused right now, e.g. the plan is in review)."""
    project = access_project(request.user, project_id)
    if not rules.is_preparer(request.user, project):
        raise PermissionDenied()
    return project


def _task(project, task_id) -> WbsTask:
    task = WbsTask.objects.filter(project=project, pk=task_id).select_related("project").first()
    if task is None:
        raise NotFound()
    return task


def _refusal(request, project, exc: ApplicationError, *, edit: int | None = None):
    status = _status(exc)
    messages.error(request, exc.message)
    return _page(request, project, status=status, edit=edit)


@login_required
def schedule(request, project_id: int):
    project = access_project(request.user, project_id)
    edit = request.GET.get("edit", "")
    return _page(request, project, edit=int(edit) if edit.isascii() and edit.isdigit() else None)


@login_required
@require_POST
def schedule_settings(request, project_id: int):
    project = _editable_project(request, project_id)
    form = ScheduleSettingsForm(request.POST)
    status = _attempt(
        form,
        lambda: services.schedule_update(actor=request.user, project=project, **form.cleaned_data),
    )
    if status:
        return _page(request, project, status=status, settings_form=form)
    messages.success(request, _("Schedule settings saved; the dates are recomputed."))
    return _to_page(project)


@login_required
@require_POST
def task_add(request, project_id: int):
    project = _editable_project(request, project_id)
    overview = wbs_overview(request.user, project)
    form = TaskAddForm(request.POST, rows=overview.rows)
    made: list[WbsTask] = []

    def call():
        parent = form.cleaned_data["parent"]
        made.append(
            services.task_add(
                actor=request.user,
                project=project,
                parent=_task(project, parent) if parent else None,
                **form.service_fields(),
            )
        )

    status = _attempt(form, call)
    if status:
        return _page(request, project, overview=overview, status=status, add_form=form)
    messages.success(request, _("“%(task)s” added.") % {"task": made[0]})
    return _to_page(project, made[0].pk)


@login_required
@require_POST
def task_change(request, project_id: int, task_id: int):
    project = _editable_project(request, project_id)
    task = _task(project, task_id)
    form = TaskForm(request.POST, summary=task.kind == TaskKind.SUMMARY)
    status = _attempt(
        form,
        lambda: services.task_update(actor=request.user, task=task, **form.service_fields()),
    )
    if status:
        return _page(request, project, status=status, edit=task.pk, task_form=form)
    messages.success(request, _("“%(task)s” saved.") % {"task": task.name})
    return _to_page(project, task.pk)


@login_required
@require_POST
def task_delete(request, project_id: int, task_id: int):
    project = _editable_project(request, project_id)
    task = _task(project, task_id)
    try:
        services.task_delete(actor=request.user, task=task)
    except ApplicationError as exc:
        return _refusal(request, project, exc)
    messages.success(request, _("“%(task)s” deleted with its subtasks.") % {"task": task})
    return _to_page(project)


def _move(actor, task: WbsTask, action: str) -> WbsTask:
    if action == "indent":
        return services.task_indent(actor=actor, task=task)
    if action == "outdent":
        return services.task_outdent(actor=actor, task=task)
    if action == "up":
        if task.position == 0:
            raise ApplicationError(_("The task is already the first at its level."), "cannot_move")
        return services.task_move(
            actor=actor, task=task, parent=task.parent, position=task.position - 1
        )
    if action == "down":
        siblings = WbsTask.objects.filter(project_id=task.project_id, parent_id=task.parent_id)
        if task.position >= siblings.count() - 1:
            raise ApplicationError(_("The task is already the last at its level."), "cannot_move")
        return services.task_move(
            actor=actor, task=task, parent=task.parent, position=task.position + 1
        )
    raise ApplicationError(_("Moves are: %(moves)s.") % {"moves": ", ".join(MOVES)}, "invalid_move")


@login_required
@require_POST
def task_move(request, project_id: int, task_id: int):
    project = _editable_project(request, project_id)
    task = _task(project, task_id)
    try:
        _move(request.user, task, request.POST.get("action", ""))
    except ApplicationError as exc:
        return _refusal(request, project, exc)
    return _to_page(project, task.pk)


@login_required
@require_POST
def link_add(request, project_id: int, task_id: int):
    project = _editable_project(request, project_id)
    task = _task(project, task_id)
    form = LinkForm(request.POST, auto_id="id_link_%s")

    def call():
        code = form.cleaned_data["predecessor"].strip()
        predecessor = WbsTask.objects.filter(project=project, outline=code).first()
        if predecessor is None:
            raise ApplicationError(
                _("There is no task with WBS code “%(code)s” in this schedule.") % {"code": code},
                "unknown_task",
            )
        services.link_add(
            actor=request.user,
            project=project,
            predecessor=predecessor,
            successor=task,
            kind=form.cleaned_data["kind"],
            lag_days=form.cleaned_data["lag_days"],
        )

    status = _attempt(form, call)
    if status:
        return _page(request, project, status=status, edit=task.pk, link_form=form)
    messages.success(request, _("Predecessor added to “%(task)s”.") % {"task": task})
    return _to_page(project, task.pk, edit=True)


@login_required
@require_POST
def link_delete(request, project_id: int, link_id: int):
    project = _editable_project(request, project_id)
    link = Dependency.objects.filter(project=project, pk=link_id).select_related("project").first()
    if link is None:
        raise NotFound()
    try:
        services.link_delete(actor=request.user, link=link)
    except ApplicationError as exc:
        return _refusal(request, project, exc, edit=link.successor_id)
    messages.success(request, _("Predecessor removed."))
    return _to_page(project, link.successor_id, edit=True)


@login_required
@require_POST
def assignment_set(request, project_id: int, task_id: int):
    project = _editable_project(request, project_id)
    task = _task(project, task_id)
    form = AssignmentForm(request.POST, auto_id="id_assign_%s")
    status = _attempt(
        form,
        lambda: services.assignment_set(
            actor=request.user,
            task=task,
            user=form.cleaned_data["user"],
            planned_hours=form.cleaned_data["planned_hours"],
        ),
    )
    if status:
        return _page(request, project, status=status, edit=task.pk, assignment_form=form)
    messages.success(
        request,
        _("%(user)s is on “%(task)s”.") % {"user": form.cleaned_data["user"], "task": task.name},
    )
    return _to_page(project, task.pk, edit=True)


@login_required
@require_POST
def assignment_remove(request, project_id: int, assignment_id: int):
    project = _editable_project(request, project_id)
    assignment = (
        Assignment.objects.filter(task__project=project, pk=assignment_id)
        .select_related("task__project")
        .first()
    )
    if assignment is None:
        raise NotFound()
    try:
        services.assignment_remove(actor=request.user, assignment=assignment)
    except ApplicationError as exc:
        return _refusal(request, project, exc, edit=assignment.task_id)
    messages.success(request, _("Assignment removed."))
    return _to_page(project, assignment.task_id, edit=True)


@login_required
@require_POST
def from_milestones(request, project_id: int):
    project = _editable_project(request, project_id)
    try:
        made = services.wbs_from_preliminary(actor=request.user, project=project)
    except ApplicationError as exc:
        return _refusal(request, project, exc)
    messages.success(
        request, _("%(n)d milestones taken from the preliminary schedule.") % {"n": len(made)}
    )
    return _to_page(project)


urlpatterns = [
    path("<int:project_id>/schedule/", schedule, name="schedule"),
    path("<int:project_id>/schedule/wbs/settings/", schedule_settings, name="wbs_settings"),
    path("<int:project_id>/schedule/wbs/tasks/", task_add, name="wbs_task_add"),
    path("<int:project_id>/schedule/wbs/tasks/<int:task_id>/", task_change, name="wbs_task_change"),
    path(
        "<int:project_id>/schedule/wbs/tasks/<int:task_id>/delete/",
        task_delete,
        name="wbs_task_delete",
    ),
    path(
        "<int:project_id>/schedule/wbs/tasks/<int:task_id>/move/", task_move, name="wbs_task_move"
    ),
    path("<int:project_id>/schedule/wbs/tasks/<int:task_id>/links/", link_add, name="wbs_link_add"),
    path(
        "<int:project_id>/schedule/wbs/links/<int:link_id>/delete/",
        link_delete,
        name="wbs_link_delete",
    ),
    path(
        "<int:project_id>/schedule/wbs/tasks/<int:task_id>/assignments/",
        assignment_set,
        name="wbs_assignment_set",
    ),
    path(
        "<int:project_id>/schedule/wbs/assignments/<int:assignment_id>/delete/",
        assignment_remove,
        name="wbs_assignment_remove",
    ),
    path(
        "<int:project_id>/schedule/wbs/from-milestones/",
        from_milestones,
        name="wbs_from_milestones",
    ),
]
