"""Pages: the implementation plan (R4) — editor, reviewers' view with comments and the changes
since the version they last saw, version comparison, and the printable plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound, PermissionDenied

from ..plan_sections import SECTION_CODES
from ..selectors_plan import access_plan_project, approval_record, plan_overview, versions_diff
from ..services import plan as services


def _page(request, project, *, drafts: dict[str, str] | None = None, status: int = 200):
    overview = plan_overview(request.user, project)
    if drafts:  # a refused save shows what was typed, not what is stored
        for s in overview.sections:
            if s.code in drafts:
                s.text = drafts[s.code]
    response = render(
        request, "planning/plan.html", {"project": project, "o": overview}, status=status
    )
    services.plan_mark_seen(user=request.user, project=project)
    return response


@login_required
def plan(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    return _page(request, project)


def _refused(exc: ApplicationError) -> bool:
    """Whether an error must become a 404/403 page rather than a message."""
    return isinstance(exc, NotFound | PermissionDenied) or exc.status == 404


@login_required
@require_POST
def plan_save(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    drafts = {code: request.POST[code] for code in SECTION_CODES if code in request.POST}
    submit = request.POST.get("action") == "submit"
    try:
        version = services.plan_save(actor=request.user, project=project, sections=drafts)
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, exc.message)
        return _page(request, project, drafts=drafts, status=400)
    if not submit:
        messages.success(request, _("Version %(n)s of the plan is saved.") % {"n": version.number})
        return redirect("planning:plan", project.pk)
    return _submit(request, project)


def _submit(request, project):
    try:
        plan = services.plan_submit(
            actor=request.user, project=project, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, exc.message)
        return redirect("planning:plan", project.pk)
    if plan.status == "approved":
        messages.success(request, _("The implementation plan is approved; execution starts."))
    else:
        messages.success(request, _("The implementation plan is submitted for approval."))
    return redirect("planning:plan", project.pk)


@login_required
@require_POST
def plan_submit(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    return _submit(request, project)


@login_required
@require_POST
def plan_comment(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    code = request.POST.get("section", "")
    try:
        services.plan_comment_add(
            actor=request.user, project=project, section=code, text=request.POST.get("text", "")
        )
    except ApplicationError as exc:
        if _refused(exc):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Comment added."))
    anchor = f"#section-{code}" if code in SECTION_CODES else ""
    return redirect(reverse("planning:plan", args=[project.pk]) + anchor)


@login_required
def plan_diff(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    overview = plan_overview(request.user, project)
    if len(overview.versions) < 2:
        messages.info(request, _("The plan has only one version so far."))
        return redirect("planning:plan", project.pk)
    latest = overview.versions[0].number
    a = request.GET.get("a") or latest - 1
    b = request.GET.get("b") or latest
    try:
        old, new, diff = versions_diff(project, a, b)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("planning:plan", project.pk)
    return render(
        request,
        "planning/plan_diff.html",
        {"project": project, "o": overview, "old": old, "new": new, "diff": diff},
    )


@login_required
def plan_print(request, project_id: int):
    project = access_plan_project(request.user, project_id)
    overview = plan_overview(request.user, project)
    return render(
        request,
        "planning/plan_print.html",
        {"project": project, "o": overview, "decisions": approval_record(project)},
    )


urlpatterns = [
    path("<int:project_id>/plan/", plan, name="plan"),
    path("<int:project_id>/plan/save/", plan_save, name="plan_save"),
    path("<int:project_id>/plan/submit/", plan_submit, name="plan_submit"),
    path("<int:project_id>/plan/comments/", plan_comment, name="plan_comment"),
    path("<int:project_id>/plan/diff/", plan_diff, name="plan_diff"),
    path("<int:project_id>/plan/print/", plan_print, name="plan_print"),
]
