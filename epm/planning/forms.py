"""Forms of the planning pages; the services validate, these only carry the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import InitiationApplication


class InitiationForm(forms.ModelForm):
    class Meta:
        model = InitiationApplication
        fields = ["background", "goals", "scope", "expected_benefits", "risks"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4, "class": "form-control"})
            for name in ["background", "goals", "scope", "expected_benefits", "risks"]
        }


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=200)
    planned_on = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    work_products = forms.CharField(
        label=_("Work products (one per line)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
