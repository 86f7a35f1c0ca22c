"""API endpoints of planning: one router, one module per material."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning"])

from . import baselines, exchange, gantt, initiation, plan, purchase, schedule  # noqa: E402, F401
