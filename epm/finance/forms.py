"""Forms of the finance pages: they parse and present; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from epm.core.forms import MAX_SORT_ORDER, style_form


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=60, required=False)
    sort_order = forms.IntegerField(
        label=_("Sort order"), min_value=0, max_value=MAX_SORT_ORDER, initial=0
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class CategoryCreateForm(CategoryForm):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits, “-” or “_”; used by the API and never changes."),
    )
    is_active = None  # a new category is active

    field_order = ["code", "name", "name_en", "sort_order"]
