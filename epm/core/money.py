"""The one limit every amount of money in the product stays under."""

from __future__ import annotations

from decimal import Decimal

# Below ¥10 trillion: 15 significant digits with the cents, which SQLite (storing decimals as
# REAL) keeps exactly; a 16th digit would be rounded there, and beyond that reading fails.
MONEY_LIMIT = Decimal("1e13")
