"""The minute sweep (`epm tick`): every time-driven rule registers one idempotent function here.

Each function receives `now` (an aware datetime) and returns how many things it did. Idempotence
comes from notification dedupe keys and state guards, so running the sweep twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

log = logging.getLogger(__name__)

SweepFunction = Callable[[dt.datetime], int]
_REGISTRY: dict[str, SweepFunction] = {}  # filled once at import time by AppConfig.ready


def sweep(name: str) -> Callable[[SweepFunction], SweepFunction]:
    def register(fn: SweepFunction) -> SweepFunction:
        _REGISTRY[name] = fn
        return fn

    return register


def registered() -> dict[str, SweepFunction]:
    return dict(_REGISTRY)


def run_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered rule; one failing rule is logged and does not stop the others."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    for name, fn in sorted(_REGISTRY.items()):
        try:
            results[name] = fn(now)
        except Exception:
            log.exception("sweep rule %s failed", name)
            results[name] = -1
    return results
