"""Pages for signing in, the home page, people, departments, notifications and tokens.

Views fetch through accessors, call one service, and render (the calendar: calendar_views.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notifications, selectors, services
from .errors import ApplicationError
from .forms import (
    DepartmentForm,
    LoginForm,
    PasswordSetForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    run_form,
)
from .models import Language
from .rules import can_manage_org, require_org_admin

HOME_INBOX_SIZE = 8


def _form_page(request, form: forms.Form, *, title: str, cancel: str, **context):
    """The shared one-form page; a form that comes back after a POST was refused (400)."""
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "cancel": cancel, **context},
        status=400 if form.is_bound else 200,
    )


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
    from epm.registers.selectors import my_action_items

    return render(
        request,
        "core/home.html",
        {
            "inbox": notifications.inbox(request.user)[:HOME_INBOX_SIZE],
            "projects": my_projects(request.user)[:20],
            "due": items_due(request.user),
            "action_items": my_action_items(request.user, limit=20),
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
    # Org admins may list former colleagues too, to edit or reactivate them.
    inactive = bool(request.GET.get("inactive")) and can_manage_org(request.user)
    users = selectors.user_list(text=text, active=None if inactive else True)
    return render(request, "core/user_list.html", {"users": users, "q": text, "inactive": inactive})


@login_required
def user_create(request):
    require_org_admin(request.user)
    form = UserCreateForm(request.POST or None)
    created = {}

    def call():
        created["user"] = services.user_create(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("%(name)s was added.") % {"name": created["user"]})
        return redirect("core:user", created["user"].pk)
    return _form_page(request, form, title=_("New person"), cancel=reverse("core:users"))


@login_required
def user_edit(request, user_id: int):
    require_org_admin(request.user)
    person = selectors.access_user(request.user, user_id)
    form = UserEditForm(request.POST or None, person=person)

    def call():
        fields = dict(form.cleaned_data)
        roles = fields.pop("roles")
        services.user_edit(actor=request.user, user=person, roles=roles, **fields)

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Saved."))
        return redirect("core:user", person.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": person},
        cancel=reverse("core:user", args=[person.pk]),
    )


@login_required
def user_password(request, user_id: int):
    require_org_admin(request.user)
    person = selectors.access_user(request.user, user_id)
    form = PasswordSetForm(request.POST or None)
    changed = {}

    def call():
        changed["user"] = services.user_set_password(
            actor=request.user, user=person, password=form.cleaned_data["password"]
        )

    if request.method == "POST" and run_form(form, call):
        if person.pk == request.user.pk:
            update_session_auth_hash(request, changed["user"])  # stay signed in here
        messages.success(request, _("The password of %(name)s was changed.") % {"name": person})
        return redirect("core:user", person.pk)
    return _form_page(
        request,
        form,
        title=_("Reset the password of %(name)s") % {"name": person},
        cancel=reverse("core:user", args=[person.pk]),
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
def department_create(request):
    require_org_admin(request.user)
    form = DepartmentForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    created = {}

    def call():
        created["department"] = services.department_create(actor=request.user, **form.cleaned_data)

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("%(name)s was added.") % {"name": created["department"]})
        return redirect("core:department", created["department"].pk)
    return _form_page(request, form, title=_("New department"), cancel=reverse("core:departments"))


@login_required
def department_edit(request, department_id: int):
    require_org_admin(request.user)
    department = selectors.access_department(request.user, department_id)
    form = DepartmentForm(request.POST or None, department=department)

    def call():
        services.department_update(actor=request.user, department=department, **form.cleaned_data)

    if request.method == "POST" and run_form(form, call):
        messages.success(request, _("Saved."))
        return redirect("core:department", department.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": department},
        cancel=reverse("core:department", args=[department.pk]),
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
