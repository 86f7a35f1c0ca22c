"""The one limit every amount of money in the product stays under."""

from __future__ import annotations

import re
from decimal import Decimal

# Below ¥10 trillion: 15 significant digits with the cents, which SQLite (storing decimals as
# REAL) keeps exactly; a 16th digit would be rounded there, and beyond that reading fails.
MONEY_LIMIT = Decimal("1e13")

# A number as people and scripts write it, once thousands separators and currency signs are
# removed: ASCII digits only (Decimal() would also take "1_000", full-width and Arabic-Indic
# digits), an optional sign, decimal point and exponent.
NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
