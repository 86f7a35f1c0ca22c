from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "epm.registers"
    label = "registers"
    verbose_name = _("Registers")

    def ready(self) -> None:
        from epm.core.audit import register_action_labels

        from . import sweeps  # noqa: F401  (reminders for overdue action items)
        from .audit_labels import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
