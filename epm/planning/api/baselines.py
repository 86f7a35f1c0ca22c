"""API endpoints: baselines (being written)."""

from __future__ import annotations

from . import router  # noqa: F401
