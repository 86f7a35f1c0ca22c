"""Approval forms: they parse and present; the engine's services decide what is allowed."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epm.core.forms import DATE_INPUT, active_people, style_form
from epm.core.models import OrgRole, User
from epm.projects.models import Project

from .models import Mode
from .resolution import HeadOf, ProjectRoleName, RuleKind, SelfApproval
from .services import MAX_COMMENT

RULE_KIND_LABELS = {
    RuleKind.PROJECT_ROLE: _("Project role"),
    RuleKind.DEPARTMENT_HEAD: _("Department head"),
    RuleKind.ORG_ROLE: _("Org role"),
    RuleKind.USERS: _("Named people"),
}
PROJECT_ROLE_CHOICES = [
    (ProjectRoleName.PM.value, _("Project manager")),
    (ProjectRoleName.ASSISTANT.value, _("Project assistant")),
    (ProjectRoleName.ACCOUNT_MANAGER.value, _("Account manager")),
    (ProjectRoleName.BIG_PROJECT_MANAGER.value, _("Manager of the big project above")),
]
HEAD_OF_CHOICES = [
    (HeadOf.PROJECT.value, _("of the project's department")),
    (HeadOf.SUBMITTER.value, _("of the submitter's department")),
]
SELF_APPROVAL_CHOICES = [
    (SelfApproval.ESCALATE.value, _("Their department head approves in their place")),
    (SelfApproval.SKIP.value, _("Leave them out (a step left with nobody is skipped)")),
    (SelfApproval.ALLOW.value, _("They approve their own request")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the engine checks their number and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


def _comment_field(*, required_hint: bool = False, placeholder: Any = None) -> forms.CharField:
    attrs: dict[str, Any] = {"rows": 3}
    if required_hint:
        attrs["required"] = True  # the browser asks first; the service refuses an empty one too
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs=attrs),
    )


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("user", "add_after", "delegate", "on_behalf"):
            if name in self.fields:
                self.fields[name].queryset = active_people()
        style_form(self)


class ApproveForm(_Styled):
    comment = _comment_field(placeholder=_("Optional"))
    files = MultipleFileField(label=_("Attachments"))
    add_after = forms.ModelChoiceField(
        label=_("Also ask someone after me (add approver)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("They decide after you, before the request moves on."),
    )


class ReasonForm(_Styled):
    """Reject and return to submitter: a reason is required."""

    comment = _comment_field(required_hint=True, placeholder=_("Why? The submitter reads this."))
    files = MultipleFileField(label=_("Attachments"))


class PersonForm(_Styled):
    """Transfer (转交) and add an approver before oneself (前加签)."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    comment = _comment_field(placeholder=_("Optional"))


class NoteForm(_Styled):
    """Withdraw, resubmit and urge: an optional note."""

    comment = _comment_field(placeholder=_("Optional"))


class CommentForm(_Styled):
    comment = _comment_field(placeholder=_("Write a comment"))
    files = MultipleFileField(label=_("Attachments"))


class DelegationForm(_Styled):
    delegate = forms.ModelChoiceField(label=_("Delegate"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Until"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    on_behalf = forms.ModelChoiceField(
        label=_("For"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty for yourself; set it for someone away who cannot do it."),
    )

    field_order = ["on_behalf", "delegate", "starts_on", "ends_on", "note"]

    def __init__(self, *args, manages_others: bool = False, **kwargs):
        kwargs.setdefault("initial", {"starts_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if not manages_others:
            del self.fields["on_behalf"]


class ChainForm(forms.Form):
    """The chain's own fields; its steps and copies come from the editor as JSON."""

    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
    self_approval = forms.ChoiceField(
        label=_("When the submitter is an approver of a step"), choices=SELF_APPROVAL_CHOICES
    )
    escalate_after_days = forms.IntegerField(
        label=_("Escalate after (working days past due)"),
        min_value=0,
        max_value=30,
        help_text=_(
            "An overdue approver is reminded once; after this many more working days "
            "their department head may decide instead."
        ),
    )
    note = forms.CharField(
        label=_("What changed (kept with the version)"), max_length=200, required=False
    )
    steps = forms.CharField(widget=forms.HiddenInput)
    cc = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PreviewForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    submitter = forms.ModelChoiceField(
        label=_("Submitter"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Empty: you."),
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["submitter"].queryset = active_people()
        style_form(self)


# --- The chain editor's JSON ---------------------------------------------------------------------


def editor_rule(data: Any) -> dict[str, Any]:
    """A stored approver rule as the editor's flat, all-keys form (ids as strings for selects)."""
    data = data if isinstance(data, dict) else {}
    return {
        "kind": str(data.get("kind") or RuleKind.ORG_ROLE.value),
        "role": str(data.get("role") or ""),
        "of": str(data.get("of") or HeadOf.PROJECT.value),
        "levels": data.get("levels", 0),
        "user_ids": [str(i) for i in data.get("user_ids") or []],
    }


def editor_steps(steps: Any) -> list[dict[str, Any]]:
    """Stored steps as the editor edits them: flat rules, the condition as JSON text."""
    result = []
    for step in steps if isinstance(steps, list) else []:
        step = step if isinstance(step, dict) else {}
        condition = step.get("condition")
        result.append(
            {
                "name": str(step.get("name") or ""),
                "mode": str(step.get("mode") or Mode.ANY.value),
                "due_days": step.get("due_days", 2),
                "approvers": [editor_rule(r) for r in step.get("approvers") or []],
                "condition": (
                    condition
                    if isinstance(condition, str)
                    else (json.dumps(condition, ensure_ascii=False) if condition else "")
                ),
                "form": str(step.get("form") or ""),
            }
        )
    return result


def _int(value: Any) -> Any:
    """ "3" → 3 (what a form input sends); anything else unchanged, for the engine to refuse."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return value


def stored_rule(rule: Any) -> Any:
    """An editor rule as the engine stores it (only the keys of its kind)."""
    if not isinstance(rule, dict):
        return rule
    kind = rule.get("kind")
    if kind in (RuleKind.PROJECT_ROLE, RuleKind.ORG_ROLE):
        return {"kind": kind, "role": rule.get("role")}
    if kind == RuleKind.DEPARTMENT_HEAD:
        return {"kind": kind, "of": rule.get("of"), "levels": _int(rule.get("levels", 0))}
    if kind == RuleKind.USERS:
        ids = rule.get("user_ids")
        return {"kind": kind, "user_ids": [_int(i) for i in ids] if isinstance(ids, list) else ids}
    return rule


def parse_editor(steps_text: str, cc_text: str) -> tuple[Any, Any, list[str]]:
    """The editor's JSON as the engine's steps and copies, and the problems only the page can
    see (text that is not JSON); the engine checks everything else and says what is wrong."""
    problems: list[str] = []
    try:
        raw_steps = json.loads(steps_text or "[]")
    except ValueError:
        return None, None, [gettext("The steps could not be read; please try again.")]
    try:
        raw_cc = json.loads(cc_text or "[]")
    except ValueError:
        raw_cc, problems = [], [gettext("The copies could not be read; please try again.")]
    steps: Any = raw_steps
    if isinstance(raw_steps, list):
        steps = []
        for number, step in enumerate(raw_steps, start=1):
            if not isinstance(step, dict):
                steps.append(step)
                continue
            step = dict(step)
            step["due_days"] = _int(step.get("due_days"))
            if not step.get("form"):
                step.pop("form", None)
            approvers = step.get("approvers")
            if isinstance(approvers, list):
                step["approvers"] = [stored_rule(r) for r in approvers]
            condition = step.get("condition")
            if isinstance(condition, str):
                text = condition.strip()
                try:
                    step["condition"] = json.loads(text) if text else None
                except ValueError as exc:
                    problems.append(
                        gettext("Step %(n)d: the condition is not valid JSON (%(error)s).")
                        % {"n": number, "error": exc}
                    )
                    step["condition"] = None
            steps.append(step)
    cc = [stored_rule(r) for r in raw_cc] if isinstance(raw_cc, list) else raw_cc
    return steps, cc, problems


def editor_options(
    kind_fields: dict[str, str], kind_labels: dict[str, str], forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The choices the editor's selects offer, translated for the current language."""
    return {
        "forms": [[code, str(form.label)] for code, form in (forms or {}).items()],
        "modes": [[value, str(label)] for value, label in Mode.choices],
        "kinds": [[kind.value, str(label)] for kind, label in RULE_KIND_LABELS.items()],
        "project_roles": [[v, str(label)] for v, label in PROJECT_ROLE_CHOICES],
        "org_roles": [[v, str(label)] for v, label in OrgRole.choices],
        "head_of": [[v, str(label)] for v, label in HEAD_OF_CHOICES],
        "users": [[str(u.pk), str(u)] for u in active_people()],
        "fields": [
            [name, str(kind_labels.get(name, name)), str(kind)]
            for name, kind in kind_fields.items()
        ],
    }
