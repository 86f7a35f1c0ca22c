from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "approvals.submit": _("Submitted for approval"),
    "approvals.chain_save": _("Saved approval chain"),
    "approvals.delegate": _("Delegated approvals"),
    "approvals.delegation_cancel": _("Cancelled a delegation"),
}

# Change keys that are not fields of the audited model.
FIELD_LABELS = {"request": _("approval")}
