"""Contract intake's part in the project's lifecycle steps (see hooks.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError

from .hooks import guard
from .intake import outsourcing_problems
from .models import Project


@guard("submit")
def outsourcing_cleared(project: Project) -> None:
    """R1: outsourced work needs its approved application or its outsourcing contract before
    the initiation is reviewed."""
    problems = outsourcing_problems(project)
    if problems:
        raise ApplicationError(
            _("The outsourcing is not cleared yet (R1): %(problems)s")
            % {"problems": " ".join(problems)},
            "outsourcing_not_cleared",
            detail=problems,
        )
