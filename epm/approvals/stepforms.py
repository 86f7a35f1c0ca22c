"""Forms an approver fills in when approving a step: the review board's scores (R5), commerce's
check of the purchase plan against the contract. A chain step names the form it asks for; the
subject kind's app declares the forms. The answers are stored on the approver's task.

A field is a score (whole number in a range), a yes/no check that must be confirmed, or text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError

SCORE, CHECK, TEXT = "score", "check", "text"
MAX_TEXT = 2000


@dataclass(frozen=True)
class FormField:
    name: str
    label: Promise | str
    kind: str  # SCORE, CHECK or TEXT
    help: Promise | str = ""
    low: int = 1
    high: int = 5
    required: bool = True

    @property
    def choices(self) -> range:
        return range(self.low, self.high + 1)


@dataclass(frozen=True)
class StepForm:
    code: str
    label: Promise | str
    fields: tuple[FormField, ...] = field(default_factory=tuple)
    help: Promise | str = ""

    def clean(self, data: Any) -> dict[str, Any]:
        """The answers in canonical form, or an ApplicationError listing every problem."""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ApplicationError(_("The form answers must be an object."), "invalid_form")
        problems: list[str] = []
        clean: dict[str, Any] = {}
        for f in self.fields:
            raw = data.get(f.name)
            label = str(f.label)
            if f.kind == SCORE:
                value = _whole_number(raw)
                if value is None:
                    if f.required:
                        problems.append(
                            _("%(field)s: give a score from %(low)d to %(high)d.")
                            % {"field": label, "low": f.low, "high": f.high}
                        )
                    continue
                if not f.low <= value <= f.high:
                    problems.append(
                        _("%(field)s: the score must be from %(low)d to %(high)d.")
                        % {"field": label, "low": f.low, "high": f.high}
                    )
                    continue
                clean[f.name] = value
            elif f.kind == CHECK:
                confirmed = raw is True or str(raw).lower() in ("1", "true", "on", "yes")
                if f.required and not confirmed:
                    problems.append(
                        _("%(field)s: confirm it, or return the request instead of approving.")
                        % {"field": label}
                    )
                    continue
                clean[f.name] = confirmed
            else:
                text = "" if raw is None else str(raw).strip()
                if f.required and not text:
                    problems.append(_("%(field)s: this is required.") % {"field": label})
                    continue
                if len(text) > MAX_TEXT:
                    problems.append(
                        _("%(field)s: at most %(n)d characters.") % {"field": label, "n": MAX_TEXT}
                    )
                    continue
                clean[f.name] = text
        if problems:
            raise ApplicationError(
                _("%(form)s is not complete: %(problems)s")
                % {"form": self.label, "problems": " ".join(problems)},
                "invalid_form",
                detail=problems,
            )
        return clean

    def rows(self, data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
        """(label, shown value) for each answered field."""
        data = data or {}
        out: list[tuple[str, str]] = []
        for f in self.fields:
            if f.name not in data:
                continue
            value = data[f.name]
            if f.kind == CHECK:
                shown = _("Confirmed") if value else _("Not confirmed")
            elif f.kind == SCORE:
                shown = f"{value} / {f.high}"
            else:
                shown = str(value)
            out.append((str(f.label), shown))
        return out


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")


def _whole_number(raw: Any) -> int | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    # ASCII digits only, and few of them: str.isdigit() also accepts "²", which int() refuses.
    text = str(raw).strip()
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    return None


_FORMS: dict[str, dict[str, StepForm]] = {}


def register_form(kind_code: str, form: StepForm) -> StepForm:
    """Declare that chains of subject kind `kind_code` may ask for `form` in a step."""
    _FORMS.setdefault(kind_code, {})[form.code] = form
    return form


def forms_for(kind_code: str) -> dict[str, StepForm]:
    return dict(_FORMS.get(kind_code, {}))


def form_of(kind_code: str, code: str) -> StepForm | None:
    return _FORMS.get(kind_code, {}).get(code)
