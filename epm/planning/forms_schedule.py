"""Forms of the WBS page: they carry the fields; the WBS services check them.

Numbers stay text so the services read them with their own messages ("duration must be a whole
number from 0 to 10000"), the same the API gives.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from epm.core.forms import DATE_INPUT, active_people, style_form
from epm.core.models import CompanyCalendar, User

from .models import ConstraintType, LinkKind, TaskKind
from .selectors_schedule import WbsRow

NUMBER = forms.TextInput(attrs={"inputmode": "numeric"})
KINDS = [(k.value, k.label) for k in (TaskKind.TASK, TaskKind.MILESTONE)]


def _number(label, *, required: bool = True, initial: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=20, initial=initial, widget=NUMBER
    )


def _date(label, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_INPUT)


def _text(label, limit: int, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=limit, widget=forms.Textarea(attrs={"rows": rows})
    )


class ScheduleSettingsForm(forms.Form):
    start_on = _date(_("Schedule start"), required=True)
    status_on = _date(_("Status date"))
    deadline_on = _date(_("Deadline"))
    calendar_code = forms.ChoiceField(label=_("Working calendar"), required=False)
    slip_threshold_days = _number(_("Slip threshold (working days)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar_code"].choices = [
            ("", _("Company default")),
            *CompanyCalendar.objects.values_list("code", "name").order_by("code"),
        ]
        style_form(self)

    @classmethod
    def of(cls, schedule) -> ScheduleSettingsForm:
        return cls(
            initial={
                "start_on": schedule.start_on,
                "status_on": schedule.status_on,
                "deadline_on": schedule.deadline_on,
                "calendar_code": schedule.calendar_code,
                "slip_threshold_days": schedule.slip_threshold_days,
            }
        )


class TaskAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, initial=TaskKind.TASK)
    duration_days = _number(_("Duration (working days)"), required=False, initial=1)
    parent = forms.ChoiceField(label=_("Where"), required=False)
    work_products = _text(_("Work products (milestones, one per line)"), 5_000, rows=1)

    def __init__(self, *args, rows: list[WbsRow] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [
            ("", _("At the end")),
            *(
                (str(r.task.pk), _("Subtask of %(task)s") % {"task": r.task})
                for r in rows
                if r.task.kind != TaskKind.MILESTONE
            ),
        ]
        style_form(self)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("parent")
        if data["kind"] == TaskKind.MILESTONE or data["duration_days"] in ("", None):
            data.pop("duration_days")
        return data


class TaskForm(forms.Form):
    """A task's own fields; a summary's dates and progress come from its subtasks, so its
    form has only the name, work products and notes."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS)
    duration_days = _number(_("Duration (working days)"), required=False)
    constraint_type = forms.ChoiceField(label=_("Constraint"), choices=ConstraintType.choices)
    constraint_on = _date(_("Constraint date"))
    actual_start_on = _date(_("Actual start"))
    actual_finish_on = _date(_("Actual finish"))
    percent_complete = _number(_("Percent complete"), required=False)
    remaining_days = _number(_("Remaining (working days)"), required=False)
    work_products = _text(_("Work products (milestones, one per line)"), 5_000)
    notes = _text(_("Notes"), 5_000)

    SUMMARY_FIELDS = ("name", "work_products", "notes")

    def __init__(self, *args, summary: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if summary:
            for name in list(self.fields):
                if name not in self.SUMMARY_FIELDS:
                    del self.fields[name]
        style_form(self)

    @classmethod
    def of(cls, task) -> TaskForm:
        return cls(
            summary=task.kind == TaskKind.SUMMARY,
            initial={
                name: getattr(task, name)
                for name in (
                    "name",
                    "kind",
                    "duration_days",
                    "constraint_type",
                    "constraint_on",
                    "actual_start_on",
                    "actual_finish_on",
                    "percent_complete",
                    "remaining_days",
                    "work_products",
                    "notes",
                )
            },
        )

    def service_fields(self) -> dict[str, Any]:
        """What to change: an empty duration or % complete keeps the stored value; an empty
        remaining duration clears it (the scheduler then goes by % complete)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not (name in ("duration_days", "percent_complete") and value == "")
        }


class LinkForm(forms.Form):
    predecessor = forms.CharField(
        label=_("Predecessor (WBS code)"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "1.2", "size": 6}),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=LinkKind.choices, initial=LinkKind.FS)
    lag_days = _number(_("Lag (working days)"), initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class AssignmentForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    planned_hours = forms.CharField(
        label=_("Planned hours"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people()
        style_form(self)
