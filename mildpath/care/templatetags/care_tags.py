"""Words for the clinical chart's pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def staff_name(user: Any) -> str:
    """Who wrote or signed something: their full name, else their user name; a dash for
    a record written by the system (an import, the demo)."""
    if user is None:
        return "—"
    return str(user.get_full_name() or user.get_username())
