from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "epm.planning"
    label = "planning"
    verbose_name = _("Planning")

    def ready(self) -> None:
        from epm.core.audit import register_action_labels, register_field_labels

        from . import lifecycle_hooks  # noqa: F401  (guards and effects on project steps)
        from .audit_labels import ACTION_LABELS, field_labels

        register_action_labels(ACTION_LABELS)
        register_field_labels(field_labels())
