"""Readable names for the finance actions the history shows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "finance.budget_save": _("Cost budget saved"),
    "finance.budget_effective": _("Monthly budget took effect"),
    "finance.category_create": _("Cost category added"),
    "finance.category_update": _("Cost category changed"),
    "finance.category_delete": _("Cost category deleted"),
}

# Change keys that are not fields of the audited model.
FIELD_LABELS = {
    "cost budget lines": _("cost budget lines"),
    "cost budget total": _("cost budget total"),
}
