"""HIPAA Safe Harbor de-identification (45 CFR 164.514(b)(2)) of the few quasi-
identifiers the registry export keeps: the rest (names, contacts, record numbers,
full dates, ...) is simply never written. Pure: no Django."""

from __future__ import annotations

import re

# 3-digit ZIP prefixes whose areas held 20,000 people or fewer (2000 Census, as listed
# by HHS in its Safe Harbor guidance): exported as "000".
RESTRICTED_ZIP3 = frozenset(
    {
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    }
)
ZIP = re.compile(r"^\d{5}(-\d{4})?$")
# Ages above this are one group ("90+"): Safe Harbor lets ages up to 89 through.
AGE_GROUPED_ABOVE = 89


def zip3(postal_code: str) -> str:
    """The first three digits of a US ZIP code, "000" for a low-population prefix, ""
    when there is no valid ZIP."""
    code = postal_code.strip()
    if not ZIP.match(code):
        return ""
    prefix = code[:3]
    return "000" if prefix in RESTRICTED_ZIP3 else prefix


def age_text(age: int) -> str:
    """An age in whole years as exported: "90+" for anyone over 89."""
    if age < 0:
        raise ValueError(f"age must not be negative, not {age}")
    return "90+" if age > AGE_GROUPED_ABOVE else str(age)


def age_band(age: int) -> str:
    """The report's age bands, coarse enough for small cells."""
    if age < 65:
        return "<65"
    if age < 75:
        return "65-74"
    if age < 85:
        return "75-84"
    return "85+"
