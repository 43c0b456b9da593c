"""The staff header's "which locations": what a staff member covers, in one line."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from mildpath.accounts.access import active_locations_for, role_of, scoped_locations

register = template.Library()


@register.simple_tag(takes_context=True)
def covered_locations(context: Any) -> str:
    """ "Pasadena · Long Beach", "All locations", or "" for someone who sees no patients'
    locations (the researcher, the administrator without any)."""
    user = context.get("user")
    if user is None or role_of(user) is None:
        return ""
    if scoped_locations(user) is None:
        return _("All locations")
    return " · ".join(place.name for place in active_locations_for(user).order_by("sort_order"))
