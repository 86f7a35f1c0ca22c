"""API endpoints: schedule (being written)."""

from __future__ import annotations

from . import router  # noqa: F401
