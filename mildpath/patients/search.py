"""What the front desk typed in the one search box, read as names, a date of birth, a
phone number or a patient number: "Ruiz", "1950-04-05", "04/05/1950", "(626) 555-0101",
"6265550101", "Ruiz 1950-04-05". Dates are read the way the staff member's language
writes them (Django's DATE_INPUT_FORMATS: month first in English, day first in Spanish),
so the search answers what the person meant, not what a programmer guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.formats import get_format

from mildpath.core.phone import InvalidPhoneNumber, normalize_phone

# A phone number as people write it: digits with spaces, dots, dashes, brackets, a plus.
PHONE_CHARACTERS = re.compile(r"^[\d\s().+-]+$")
# Digits enough to be a phone number (a local number without its area code has 7).
PHONE_DIGITS = 7
# A shorter run of digits is a patient number, or the end of a phone number ("0101").
PHONE_END_DIGITS = 4
MAX_TERMS = 6


@dataclass
class Search:
    names: list[str] = field(default_factory=list)
    born: list[date] = field(default_factory=list)
    # E.164 when the digits make a whole number; else digits a stored number contains.
    phone: str = ""
    phone_digits: list[str] = field(default_factory=list)
    # Short digit runs: a patient number, or (from 4 digits) part of a phone number.
    numbers: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.names or self.born or self.phone or self.phone_digits or self.numbers)


def _as_date(text: str) -> date | None:
    # Only formats with a four-digit year: "04/05/50" could be 1950 or 2050.
    for pattern in get_format("DATE_INPUT_FORMATS"):
        if "%Y" not in pattern:
            continue
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isascii() and char.isdigit())


def search_text(raw: str) -> str:
    """What was typed, as it is searched, shown and audited: at most 100 characters,
    single spaces, control characters (a NUL, which PostgreSQL refuses in any text)
    read as spaces, since they are no part of a name, a date or a number."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(printable.split())[:100]


def read_search(raw: str) -> Search:
    """The parts of a search, each term read as the first thing it can be: a date of
    birth, a phone number (or part of one), a patient number, else part of a name."""
    text = search_text(raw)
    found = Search()
    if not text:
        return found
    whole_date = _as_date(text)
    if whole_date is not None:  # "April 5, 1950" is one date, not three terms
        found.born.append(whole_date)
        return found
    if PHONE_CHARACTERS.match(text) and len(_digits(text)) >= PHONE_DIGITS:
        try:
            found.phone = normalize_phone(text)
        except InvalidPhoneNumber:
            found.phone_digits.append(_digits(text))
        return found
    for term in text.split(" ")[:MAX_TERMS]:
        born = _as_date(term)
        digits = _digits(term)
        if born is not None:
            found.born.append(born)
        elif PHONE_CHARACTERS.match(term) and len(digits) >= PHONE_DIGITS:
            found.phone_digits.append(digits)
        elif term.isascii() and term.isdigit():
            found.numbers.append(term)
        else:
            found.names.append(term)
    return found
