"""How approvals are set up: delegations (everyone, for themself) and the chain editor (the PMO
administrator; everyone else gets the 404 page, as `access_chain` does)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epm.core.errors import ApplicationError, NotFound
from epm.projects.rules import visible_projects

from . import rules, selectors, services
from .forms import (
    ChainForm,
    DelegationForm,
    PreviewForm,
    editor_options,
    editor_rule,
    editor_steps,
    parse_editor,
)
from .models import ChainVersion, Delegation, RequestStatus
from .stepforms import forms_for
from .subjects import is_registered, subject_kind
from .views import raise_access_errors, render_page

# --- Delegations ---------------------------------------------------------------------------------


def _managed_delegations() -> Any:
    """Running and coming delegations of everyone (for those who set them for others)."""
    return Delegation.objects.filter(
        cancelled_at__isnull=True, ends_on__gte=timezone.localdate()
    ).select_related("user", "delegate")


@login_required
def delegations(request):
    manages = rules.can_manage_delegations_of_others(request.user)
    form = DelegationForm(request.POST or None, manages_others=manages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegation_create(
                actor=request.user,
                delegate=data["delegate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                user=data.get("on_behalf"),
            )
        except ApplicationError as exc:
            raise_access_errors(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("approvals:delegations")
    today = timezone.localdate()
    mine = list(selectors.delegations_of(request.user))
    return render_page(
        request,
        "approvals/delegations.html",
        {
            "form": form,
            "given": [d for d in mine if d.user_id == request.user.pk],
            "received": [d for d in mine if d.delegate_id == request.user.pk],
            "managed": list(_managed_delegations()) if manages else [],
            "today": today,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def delegation_cancel(request, delegation_id: int):
    try:
        services.delegation_cancel(actor=request.user, delegation_id=delegation_id)
    except ApplicationError as exc:
        raise_access_errors(exc)
        raise
    messages.success(request, _("Delegation cancelled."))
    return redirect("approvals:delegations")


# --- Chain editor --------------------------------------------------------------------------------


@login_required
def chain_list(request):
    if not rules.can_edit_chains(request.user):
        raise NotFound()
    chains = selectors.chain_list().annotate(
        open_requests=Count("requests", filter=Q(requests__status=RequestStatus.PENDING))
    )
    rows = [(chain, _kind_label(chain.subject_kind)) for chain in chains]
    return render_page(request, "approvals/chain_list.html", {"rows": rows})


def _kind_label(code: str) -> str:
    return str(subject_kind(code).label) if is_registered(code) else code


def _kind_fields(code: str) -> tuple[dict[str, str], dict[str, str]]:
    if not is_registered(code):
        return {}, {}
    kind = subject_kind(code)
    return {k: str(v) for k, v in kind.fields.items()}, {
        k: str(v) for k, v in kind.field_labels.items()
    }


def _preview(request, chain) -> tuple[PreviewForm, list | None, str]:
    """Who the saved version would ask, for a chosen project and submitter."""
    form = PreviewForm(
        request.GET if "project" in request.GET else None,
        projects=visible_projects(request.user).order_by("-id"),
        auto_id="id_preview_%s",
    )
    if not form.is_bound or not form.is_valid():
        return form, None, ""
    try:
        steps = services.chain_preview(
            viewer=request.user,
            chain=chain,
            project=form.cleaned_data["project"],
            submitter=form.cleaned_data["submitter"],
        )
    except ApplicationError as exc:
        raise_access_errors(exc)
        return form, None, exc.message
    return form, steps, ""


@login_required
def chain_edit(request, code: str):
    chain = selectors.access_chain(request.user, code)
    version = chain.current_version
    initial = {
        "name": chain.name,
        "name_en": chain.name_en,
        "description": chain.description,
        "is_active": chain.is_active,
        "self_approval": version.self_approval if version else "escalate",
        "escalate_after_days": version.escalate_after_days if version else 2,
    }
    form = ChainForm(request.POST or None, initial=initial)
    editor_state = {
        "steps": editor_steps(version.steps if version else []),
        "cc": [editor_rule(r) for r in (version.cc if version else [])],
    }
    problems: list[str] = []
    if request.method == "POST":
        posted = _posted_editor_state(request.POST)
        if posted is not None:
            editor_state = posted  # keep what the user typed, whatever happens next
        if form.is_valid():
            data = form.cleaned_data
            steps, cc, problems = parse_editor(data["steps"], data["cc"])
            if not problems:
                try:
                    saved = services.chain_save(
                        actor=request.user,
                        code=chain.code,
                        name=data["name"],
                        name_en=data["name_en"],
                        description=data["description"],
                        is_active=data["is_active"],
                        steps=steps,
                        cc=cc,
                        self_approval=data["self_approval"],
                        escalate_after_days=data["escalate_after_days"],
                        note=data["note"],
                    )
                except ApplicationError as exc:
                    raise_access_errors(exc)
                    detail = exc.detail if isinstance(exc.detail, list) else None
                    problems = [str(p) for p in detail] if detail else [exc.message]
                else:
                    number = saved.current_version.number if saved.current_version else 0
                    if version is None or number != version.number:
                        messages.success(
                            request,
                            _("Saved as version %(n)d; running approvals keep their version.")
                            % {"n": number},
                        )
                    else:
                        messages.success(request, _("Saved; the steps did not change."))
                    return redirect("approvals:chain_edit", chain.code)
        else:
            problems = [str(e) for errors in form.errors.values() for e in errors]
    preview_form, preview, preview_error = _preview(request, chain)
    fields, labels = _kind_fields(chain.subject_kind)
    versions = (
        ChainVersion.objects.filter(chain=chain)
        .select_related("created_by")
        .annotate(running=Count("requests", filter=Q(requests__status=RequestStatus.PENDING)))
        .order_by("-number")
    )
    return render_page(
        request,
        "approvals/chain_edit.html",
        {
            "chain": chain,
            "version": version,
            "form": form,
            "problems": problems,
            "editor": {
                **editor_state,
                "options": editor_options(fields, labels, forms_for(chain.subject_kind)),
            },
            "fields": [(name, labels.get(name, name), kind) for name, kind in fields.items()],
            "kind_label": _kind_label(chain.subject_kind),
            "steps_json": json.dumps(editor_state["steps"], ensure_ascii=False),
            "cc_json": json.dumps(editor_state["cc"], ensure_ascii=False),
            "versions": versions,
            "preview_form": preview_form,
            "preview": preview,
            "preview_error": preview_error,
        },
        status=400 if problems else 200,
    )


def _posted_editor_state(post) -> dict[str, Any] | None:
    """The editor's state exactly as posted, to show it again after a refusal."""
    try:
        steps = json.loads(post.get("steps") or "[]")
        cc = json.loads(post.get("cc") or "[]")
    except ValueError:
        return None
    if not isinstance(steps, list) or not isinstance(cc, list):
        return None
    return {"steps": editor_steps(steps), "cc": [editor_rule(r) for r in cc]}
