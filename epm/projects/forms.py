"""Forms only parse and present; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from epm.core.forms import DATE_INPUT, Checkboxes, active_people, style_form
from epm.core.models import Department, User

from .lifecycle import ACCEPTANCE_STATES, ALL_CODES, GATEABLE, OPTIONAL_PHASES
from .models import Project, ProjectRole, ProjectType, Status


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "short_name",
            "project_type",
            "customer",
            "department",
            "contract_number",
            "contract_amount",
            "contract_signed_on",
            "is_virtual_contract",
            "contract_initial_acceptance_on",
            "contract_final_acceptance_on",
            "account_manager",
            "assistant",
            "is_big_project",
            "parent",
            "planned_start",
            "planned_finish",
            "description",
        ]
        widgets = {
            "contract_signed_on": DATE_INPUT,
            "contract_initial_acceptance_on": DATE_INPUT,
            "contract_final_acceptance_on": DATE_INPUT,
            "planned_start": DATE_INPUT,
            "planned_finish": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.all()
        self.fields["account_manager"].queryset = active_people()
        self.fields["assistant"].queryset = active_people()
        self.fields["parent"].queryset = parents if parents is not None else Project.objects.none()
        self.fields["project_type"].queryset = ProjectType.objects.all()
        if self.instance.pk:
            del self.fields["project_type"]
        style_form(self)

    def _post_clean(self):
        # Validation is the service's job (one place for UI and API); skip model validation here.
        pass


class AppointForm(forms.Form):
    pm = forms.ModelChoiceField(label=_("Project manager"), queryset=User.objects.none())
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pm"].queryset = active_people()
        style_form(self)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Project role"), choices=ProjectRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people()
        style_form(self)


class TransitionForm(forms.Form):
    code = forms.ChoiceField(choices=[(c, c) for c in ALL_CODES])
    reason = forms.CharField(required=False, max_length=2000)


class LifecycleTemplateForm(forms.Form):
    phases = forms.MultipleChoiceField(
        label=_("Optional phases"),
        choices=[(s.value, s.label) for s in OPTIONAL_PHASES],
        widget=Checkboxes,
        required=False,
    )
    closure_after = forms.ChoiceField(
        label=_("Closure starts after"), choices=[(s.value, s.label) for s in ACCEPTANCE_STATES]
    )
    gates = forms.MultipleChoiceField(
        label=_("Steps that need an approval"),
        choices=[(code, code) for code in GATEABLE],
        widget=Checkboxes,
        required=False,
    )

    def __init__(self, *args, gate_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if gate_labels:
            self.fields["gates"].choices = [(c, gate_labels.get(c, c)) for c in GATEABLE]
        style_form(self)


class ProjectFilterForm(forms.Form):
    text = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, number, customer or contract")}),
    )
    status = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *Status.choices]
    )
    type = forms.ChoiceField(label=_("Type"), required=False)
    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None
    )
    pm = forms.TypedChoiceField(
        label=_("Project manager"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All types"))] + [
            (t.code, str(t)) for t in ProjectType.objects.all()
        ]
        self.fields["department"].choices = [("", _("All departments"))] + [
            (d.pk, d.name) for d in Department.objects.all()
        ]
        self.fields["pm"].choices = [("", _("All PMs"))] + [
            (u.pk, str(u)) for u in User.objects.filter(managed_projects__isnull=False).distinct()
        ]
        style_form(self)


class FinalAcceptanceForm(forms.Form):
    accepted_on = forms.DateField(label=_("Final acceptance passed on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


# --- Contract intake and PM nomination (R1–R3) ---------------------------------------------------
# Numbers stay text here: the services parse them as Decimal and explain what is wrong.


class DeliverableForm(forms.Form):
    name = forms.CharField(label=_("Deliverable"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=30, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class OutsourcingForm(forms.Form):
    scope = forms.CharField(label=_("Outsourced scope"), max_length=200)
    supplier = forms.CharField(label=_("Supplier"), max_length=200)
    amount = forms.CharField(label=_("Amount"), max_length=30)
    contract_number = forms.CharField(
        label=_("Outsourcing contract number"), max_length=60, required=False
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class OutsourcingContractForm(forms.Form):
    contract_number = forms.CharField(
        label=_("Outsourcing contract number"), max_length=60, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class NumberForm(forms.Form):
    number = forms.CharField(label=_("Project number"), max_length=40)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
