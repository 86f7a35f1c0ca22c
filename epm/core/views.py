"""Pages for signing in, the home page, people, departments, notifications and tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications, selectors, services
from .errors import ApplicationError
from .forms import LoginForm, TokenForm
from .models import Language

HOME_INBOX_SIZE = 8


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_view(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        response = redirect(_safe_next(request))
        response.set_cookie("epm_language", form.user.language, samesite="Lax")
        return response
    return render(
        request,
        "core/login.html",
        {"form": form},
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def home(request):
    from epm.projects.selectors import items_due, my_projects

    return render(
        request,
        "core/home.html",
        {
            "inbox": notifications.inbox(request.user)[:HOME_INBOX_SIZE],
            "projects": my_projects(request.user)[:20],
            "due": items_due(request.user),
        },
    )


@require_POST
def set_language(request):
    """Switch the interface language; signed-in users keep the choice on their profile."""
    language = request.POST.get("language", "")
    if language not in Language.values:
        messages.error(request, _("Unknown language."))
        return redirect(_safe_next(request))
    if request.user.is_authenticated:
        services.user_set_preferences(user=request.user, language=language)
    response = redirect(_safe_next(request))
    response.set_cookie("epm_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def user_list(request):
    text = request.GET.get("q", "")[:100]
    return render(
        request, "core/user_list.html", {"users": selectors.user_list(text=text), "q": text}
    )


@login_required
def user_detail(request, user_id: int):
    from epm.projects.selectors import projects_of_user

    person = selectors.access_user(request.user, user_id)
    return render(
        request,
        "core/user_detail.html",
        {"person": person, "projects": projects_of_user(request.user, person)},
    )


@login_required
def department_list(request):
    return render(request, "core/department_list.html", {"tree": selectors.department_tree()})


@login_required
def department_detail(request, department_id: int):
    department = selectors.access_department(request.user, department_id)
    return render(
        request,
        "core/department_detail.html",
        {
            "department": department,
            "lineage": list(reversed(department.lineage())),
            "members": selectors.user_list(department=department),
            "children": department.children.select_related("head"),
        },
    )


@login_required
def notification_list(request):
    return render(
        request,
        "core/notifications.html",
        {"notes": notifications.inbox(request.user)[:200]},
    )


@login_required
@require_POST
def notification_read(request):
    ids = request.POST.getlist("id")
    try:
        clean_ids = [int(i) for i in ids] if ids else None
    except ValueError:
        clean_ids = []
    notifications.notification_mark_read(user=request.user, notification_ids=clean_ids)
    return redirect(_safe_next(request, "/notifications/"))


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "secret": secret, "tokens": request.user.api_tokens.all()},
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("The token was revoked."))
    return redirect("core:tokens")
