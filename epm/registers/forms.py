"""Forms only parse and present; the rules live in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from epm.core.errors import ApplicationError
from epm.core.forms import DATE_INPUT, active_people, style_form
from epm.core.models import User

from .models import MeetingKind

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
TEXTAREA = {"rows": 4}


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=_lazy("Date"), widget=DATE_INPUT)
    starts_at = forms.TimeField(label=_lazy("Start time"), required=False, widget=TIME_INPUT)
    location = forms.CharField(label=_lazy("Location"), max_length=200, required=False)
    attendee_ids = forms.ModelMultipleChoiceField(
        label=_lazy("Internal attendees"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_lazy("Hold Ctrl (⌘ on a Mac) to choose several people."),
    )
    customer_attendees = forms.CharField(
        label=_lazy("Customer attendees"),
        required=False,
        widget=forms.Textarea(attrs={**TEXTAREA, "placeholder": "张三, 信息中心主任"}),
        help_text=_lazy('One per line: "name, title/organisation".'),
    )
    agenda = forms.CharField(label=_lazy("Agenda"), required=False, widget=forms.Textarea(TEXTAREA))
    decisions = forms.CharField(
        label=_lazy("Decisions"), required=False, widget=forms.Textarea(TEXTAREA)
    )
    minutes = forms.CharField(
        label=_lazy("Minutes"), required=False, widget=forms.Textarea({"rows": 8})
    )
    reason = forms.CharField(
        label=_lazy("Reason for the correction"),
        max_length=2000,
        required=False,
        help_text=_lazy("The minutes are published: the correction is recorded with its reason."),
    )

    def __init__(self, *args, correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee_ids"].queryset = active_people()
        if correction:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        style_form(self)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["attendee_ids"] = [user.pk for user in data["attendee_ids"]]
        data.pop("reason", None)
        return data


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_lazy("Action"), max_length=200)
    owner = forms.ModelChoiceField(label=_lazy("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_lazy("Due"), widget=DATE_INPUT)
    note = forms.CharField(label=_lazy("Note"), max_length=5000, required=False)
    reason = forms.CharField(
        label=_lazy("Reason for the correction"), max_length=2000, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_people()
        style_form(self)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["owner_id"] = data.pop("owner").pk
        return data


class CompleteForm(forms.Form):
    note = forms.CharField(max_length=5000, required=False)


def action_item_rows(post) -> list[dict]:
    """The action item rows of the meeting form (Alpine rows posting parallel lists), as the
    user typed them; rows left entirely empty are dropped."""
    columns = [post.getlist(name) for name in ("item_title", "item_owner", "item_due", "item_note")]
    count = max((len(column) for column in columns), default=0)
    rows = []
    for index in range(count):
        title, owner, due, note = (
            column[index].strip() if index < len(column) else "" for column in columns
        )
        if title or owner or due or note:
            rows.append({"title": title, "owner": owner, "due_on": due, "note": note})
    return rows


def parse_action_item_rows(rows: list[dict]) -> list[dict]:
    """Typed rows for `meeting_create`; a row that is not even well-formed is named."""
    parsed = []
    for number, row in enumerate(rows, start=1):
        try:
            owner_id = int(row["owner"]) if row["owner"] else None
        except ValueError:
            owner_id = None
        try:
            due_on = dt.date.fromisoformat(row["due_on"])
        except ValueError as exc:
            raise ApplicationError(
                _("Action item %(n)d: the due date is missing or not a date.") % {"n": number},
                "invalid_date",
            ) from exc
        parsed.append(
            {"title": row["title"], "owner_id": owner_id, "due_on": due_on, "note": row["note"]}
        )
    return parsed
