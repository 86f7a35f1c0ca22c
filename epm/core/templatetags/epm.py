"""Template filters shared by every app."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """¥1,234,567.80 — thousands separated as Chinese contracts and invoices write them."""
    if value is None or value == "":
        return "—"
    return f"¥{Decimal(value):,.2f}"


@register.filter
def get_item(mapping, key):
    """`{{ row.scores|get_item:name }}`: a dictionary's value by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
