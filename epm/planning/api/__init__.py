"""API endpoints of planning: one router, one module per material."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["planning"])

from . import initiation, plan, purchase  # noqa: E402, F401  (they add their endpoints)
