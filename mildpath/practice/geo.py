"""Offline ZIP code look-up and great-circle distance. No Django imports."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import zipcodes

_ZIP_RE = re.compile(r"^\s*([0-9]{5})(?:-[0-9]{4})?\s*$")
EARTH_RADIUS_MILES = 3958.8


class ZipError(ValueError):
    """A ZIP code that is malformed or not a US ZIP code we know."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ZipPoint:
    zip_code: str
    city: str
    state: str
    latitude: float
    longitude: float


def clean_zip(raw: str) -> str:
    """The five-digit ZIP in ``raw`` (ZIP+4 accepted), or ZipError('malformed'). Digits
    typed in another script (Arabic-Indic, full-width) count as the digits they are."""
    ascii_digits = "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char for char in raw or ""
    )
    match = _ZIP_RE.match(ascii_digits)
    if not match:
        raise ZipError("malformed", "A ZIP code is five digits, like 90404.")
    return match.group(1)


def locate_zip(raw: str) -> ZipPoint:
    """Centroid of a US ZIP code, from the offline ``zipcodes`` data set."""
    zip_code = clean_zip(raw)
    matches: list[dict[str, Any]] = zipcodes.matching(zip_code)  # type: ignore[no-untyped-call]
    if not matches:
        raise ZipError("unknown", f"We could not find the ZIP code {zip_code}.")
    row = matches[0]
    return ZipPoint(
        zip_code=zip_code,
        city=row["city"],
        state=row["state"],
        latitude=float(row["lat"]),
        longitude=float(row["long"]),
    )


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points, in statute miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
