"""The practice and the places of the synthetic registry: the locations with a
practitioner, the ZIP codes and area codes around each, and fictional phone numbers
that never repeat one a patient already has."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import phonenumbers
import zipcodes

from mildpath.accounts.models import StaffProfile
from mildpath.patients.models import Patient
from mildpath.practice.models import Location

NEARBY_MILES = 25

# HIPAA Safe Harbor: three-digit ZIP prefixes of 20,000 people or fewer, which the
# de-identified export turns into "000". A few patients live there (snowbirds).
RESTRICTED_PREFIXES = (
    "036", "059", "063", "102", "203", "556", "692", "790", "821",
    "823", "830", "831", "878", "879", "884", "890", "893",
)  # fmt: skip


@dataclass(frozen=True)
class Site:
    location: Location
    tz: ZoneInfo
    operators: tuple[int, ...]  # practitioner ids
    signers: tuple[int | None, ...]  # each operator's staff account, if they have one
    zips: tuple[str, ...]
    area_codes: tuple[str, ...]


def practice_sites() -> list[Site]:
    """Each location with a practitioner, its practitioners, and the ZIP codes and area
    codes around it."""
    accounts = dict(
        StaffProfile.objects.filter(practitioner__isnull=False).values_list(
            "practitioner_id", "user_id"
        )
    )
    sites = []
    for location in Location.objects.order_by("sort_order", "id"):
        operators = tuple(location.practitioners.order_by("id").values_list("id", flat=True))
        if not operators:
            continue
        zips, codes = _nearby(location)
        sites.append(
            Site(
                location=location,
                tz=location.tz,
                operators=operators,
                signers=tuple(accounts.get(operator) for operator in operators),
                zips=zips,
                area_codes=codes,
            )
        )
    return sites


@functools.cache
def _zip_table() -> tuple[tuple[str, str, float, float, tuple[str, ...]], ...]:
    table = []
    for row in zipcodes.list_all():
        if row["zip_code_type"] != "STANDARD" or not row["active"]:
            continue
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        table.append((row["zip_code"], row["state"], lat, lon, tuple(row["area_codes"] or ())))
    return tuple(sorted(table))


@functools.cache
def _restricted_zips() -> tuple[str, ...]:
    return tuple(row[0] for row in _zip_table() if row[0][:3] in RESTRICTED_PREFIXES)


@functools.cache
def us_area_codes() -> tuple[str, ...]:
    """Every area code the ZIP data names that makes a valid number (sorted)."""
    found = {code for row in _zip_table() for code in row[4]}
    return tuple(
        sorted(
            code
            for code in found
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{code}5550100"))
        )
    )


def _nearby(location: Location) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ZIP codes within NEARBY_MILES of the location in its state (at least the
    nearest 20), and their area codes."""
    rows = [row for row in _zip_table() if row[1] == location.state] or list(_zip_table())
    lat = np.radians([row[2] for row in rows])
    lon = np.radians([row[3] for row in rows])
    here_lat, here_lon = np.radians(location.latitude), np.radians(location.longitude)
    a = (
        np.sin((lat - here_lat) / 2) ** 2
        + np.cos(lat) * np.cos(here_lat) * np.sin((lon - here_lon) / 2) ** 2
    )
    miles = 2 * 3958.8 * np.arcsin(np.sqrt(a))
    order = np.argsort(miles, kind="stable")
    near = [rows[i] for i in order if miles[i] <= NEARBY_MILES] or [rows[i] for i in order[:20]]
    if len(near) < 20:
        near = [rows[i] for i in order[:20]]
    valid = set(us_area_codes())
    codes = sorted({code for row in near for code in row[4] if code in valid})
    return tuple(sorted(row[0] for row in near)), tuple(codes)


class PhoneBook:
    """Fictional phone numbers, never two alike: 555-0100 to 555-0199 in the area codes
    around the practice, then in the rest of the country, then the other 555 numbers
    (not 555-1212, directory assistance). Numbers a patient already has are skipped."""

    LINES = 9799  # 0200 to 9999 without 1212

    def __init__(self, local: Sequence[str], start: int) -> None:
        everywhere = us_area_codes()
        self.local = [code for code in local if code in everywhere]
        self.others = [code for code in everywhere if code not in self.local]
        self.next = start

    def number(self, index: int) -> str:
        for codes in (self.local, self.others):
            if index < len(codes) * 100:
                return f"+1{codes[index % len(codes)]}555{100 + index // len(codes):04d}"
            index -= len(codes) * 100
        codes = self.local + self.others
        index %= len(codes) * self.LINES
        line = 200 + index // len(codes)
        return f"+1{codes[index % len(codes)]}555{line + (line >= 1212):04d}"

    def take(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            wanted = [self.number(self.next + n) for n in range(count - len(found))]
            self.next += len(wanted)
            taken: set[str] = set()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                taken.update(
                    Patient.objects.filter(phone__in=chunk).values_list("phone", flat=True)
                )
            found += [phone for phone in wanted if phone not in taken]
        return found
