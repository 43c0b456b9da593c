"""The one clock. Everything that needs "now" asks here, so tests can freeze time."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return timezone.now()
