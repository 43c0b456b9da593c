"""The one clock. Everything that needs "now" asks here, so tests can freeze time."""

from datetime import date, datetime, timedelta

from django.utils import timezone


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return timezone.now()


# How far from today a page or a search may look: far enough for any booking horizon,
# and far from the ends of the calendar, where date arithmetic overflows.
SEARCH_YEARS = 5


def day_from_query(raw: str, *, today: date, default: date, earliest: date | None = None) -> date:
    """A day from a query string (YYYY-MM-DD), kept between ``earliest`` (default: five
    years back) and five years ahead; ``default`` when it is missing or not a date."""
    try:
        asked = date.fromisoformat(raw)
    except ValueError:
        return default
    lowest = earliest or today - timedelta(days=365 * SEARCH_YEARS)
    return min(max(asked, lowest), today + timedelta(days=365 * SEARCH_YEARS))
