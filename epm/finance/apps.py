from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "epm.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from epm.core.audit import register_action_labels, register_field_labels

        from . import lifecycle_hooks  # noqa: F401  (guards and effects on project steps)
        from .audit_labels import ACTION_LABELS, FIELD_LABELS

        register_action_labels(ACTION_LABELS)
        register_field_labels(FIELD_LABELS)
