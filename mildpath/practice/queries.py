"""Reads of practice data. Public: no patient data here, so no acting user."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import slug_re
from django.db.models import Prefetch, QuerySet

from mildpath.practice.geo import ZipPoint, distance_miles, locate_zip
from mildpath.practice.models import Location, OpeningHours, Practice, Practitioner


def practice_current() -> Practice | None:
    return Practice.objects.filter(id=1).first()


@dataclass(frozen=True)
class PracticeIdentity:
    """What the public site shows as the practice: its name, logo and main phone."""

    name: str
    logo: str  # a path under the static folder, or "" for no logo
    phone: str
    phone_display: str


def practice_identity(practice: Practice | None) -> PracticeIdentity:
    """The name from settings (MILDPATH_PRACTICE_NAME) when set, else the practice's own."""
    name = getattr(settings, "MILDPATH_PRACTICE_NAME", "") or (practice.name if practice else "")
    return PracticeIdentity(
        name=name or "mildpath",
        logo=getattr(settings, "MILDPATH_PRACTICE_LOGO", ""),
        phone=practice.phone if practice else "",
        phone_display=practice.phone_display if practice else "",
    )


def practitioners_public() -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(is_active=True).prefetch_related(
        Prefetch("locations", queryset=Location.objects.filter(is_active=True))
    )


def locations_public() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
        Prefetch("practitioners", queryset=Practitioner.objects.filter(is_active=True)),
    )


def location_public(slug: str) -> Location | None:
    """The public location with this slug; None for anything that is not a slug (as a
    query string may bring: PostgreSQL refuses a NUL in any text)."""
    if not slug_re.match(slug):
        return None
    return locations_public().filter(slug=slug).first()


# Within this distance of a location, a ZIP code's centre is "in your area": a ZIP code
# is a few miles across, so a smaller figure would claim a precision we do not have.
IN_YOUR_AREA_MILES = 1.0


@dataclass(frozen=True)
class NearbyLocation:
    location: Location
    miles: float

    @property
    def in_your_area(self) -> bool:
        return self.miles < IN_YOUR_AREA_MILES


def service_radius_miles() -> float:
    return float(getattr(settings, "MILDPATH_SERVICE_RADIUS_MILES", 100))


def outside_service_area(nearby: list[NearbyLocation]) -> bool:
    """True when even the nearest location is farther than the practice serves."""
    return not nearby or nearby[0].miles > service_radius_miles()


def locations_nearest(zip_code: str) -> tuple[ZipPoint, list[NearbyLocation]]:
    """Active locations ordered by straight-line distance from a ZIP code's centre.

    Raises ``ZipError`` for a malformed or unknown ZIP code.
    """
    origin = locate_zip(zip_code)
    ranked = [
        NearbyLocation(
            location,
            distance_miles(
                origin.latitude, origin.longitude, location.latitude, location.longitude
            ),
        )
        for location in locations_public()
    ]
    ranked.sort(key=lambda nearby: (nearby.miles, nearby.location.name))
    return origin, ranked
