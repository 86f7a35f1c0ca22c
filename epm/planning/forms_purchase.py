"""Forms of the purchase plan page: they carry the fields; the services check them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from epm.core.forms import style_form


class PurchaseLineForm(forms.Form):
    # Numbers stay text here so the service parses them to Decimal with its own messages.
    item = forms.CharField(label=_("Item"), max_length=200)
    specification = forms.CharField(
        label=_("Specification / configuration"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    quantity = forms.CharField(
        label=_("Quantity"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit = forms.CharField(label=_("Unit"), max_length=20)
    unit_price = forms.CharField(
        label=_("Unit price"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    supplier = forms.CharField(label=_("Supplier"), required=False, max_length=200)
    delivery_on = forms.DateField(
        label=_("Required delivery date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PurchaseImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    mode = forms.ChoiceField(
        label=_("Import"),
        choices=[
            ("replace", _("Replace the plan's lines")),
            ("append", _("Add after the plan's lines")),
        ],
        initial="replace",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
