"""Reads of practice data. Public: no patient data here, so no acting user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from mildpath.practice.geo import ZipPoint, distance_miles, locate_zip
from mildpath.practice.models import Location, OpeningHours, Practice, Practitioner


def practice_current() -> Practice | None:
    return Practice.objects.filter(id=1).first()


def locations_public() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
        Prefetch("practitioners", queryset=Practitioner.objects.filter(is_active=True)),
    )


def location_public(slug: str) -> Location | None:
    return locations_public().filter(slug=slug).first()


@dataclass(frozen=True)
class NearbyLocation:
    location: Location
    miles: float


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
