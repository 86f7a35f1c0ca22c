from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "epm.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from epm.core.audit import register_action_labels, register_field_labels

        from . import services  # noqa: F401  (registers the SLA sweep)
        from .audit_labels import ACTION_LABELS, FIELD_LABELS

        register_action_labels(ACTION_LABELS)
        register_field_labels(FIELD_LABELS)
