from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "epm.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from epm.core.audit import register_action_labels

        from . import intake_hooks, sweeps  # noqa: F401  (guards and time-driven rules)
        from .approval_subjects import register_all
        from .audit_labels import ACTION_LABELS

        register_action_labels(ACTION_LABELS)
        register_all()
