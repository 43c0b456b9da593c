"""Form fields every app shares, so a phone number or a date of birth is judged the same
way on the public site, in the staff pages and in the API."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core import clock
from mildpath.core.phone import InvalidPhoneNumber, normalize_phone


class PhoneField(forms.CharField):
    """A phone number as a person types it; cleaned to E.164 (+13105550100)."""

    default_error_messages = {
        "invalid_phone": _(
            "Enter a phone number we can call, area code first, like (213) 555-0199."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        raw = super().clean(value)
        if not raw:
            return str(raw)
        try:
            return normalize_phone(raw)
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_phone"], code="invalid_phone"
            ) from exc


class BirthDateField(forms.DateField):
    """A date of birth: in the past, and not more than 120 years ago."""

    default_error_messages = {
        "future": _("The date of birth must be in the past."),
        "too_old": _("Check the year: that is more than 120 years ago."),
    }

    def clean(self, value: Any) -> date | None:
        born: date | None = super().clean(value)
        if born is None:
            return None
        today = clock.now().date()
        if born >= today:
            raise forms.ValidationError(self.error_messages["future"], code="future")
        if born.year < today.year - 120:
            raise forms.ValidationError(self.error_messages["too_old"], code="too_old")
        return born


# A person's name: letters of any script, with the marks that belong to them (the vowel
# signs of "अनिल", the diaeresis of a decomposed "Zoë"), joined by spaces, dots, hyphens
# and apostrophes: "Mary-Jo O'Neil", "José Núñez", "李小龙", "अनिल कुमार". Read after NFC
# normalisation. Never digits, markup, control characters or the invisible characters
# that reorder text (bidirectional overrides), which could make a name on a staff
# screen read differently from what was stored. The one rule for names everywhere:
# public pages, staff pages, the API.
NAME_JOINERS = frozenset(" .'’-")
NAME_MESSAGE = _("Use letters for your name; spaces, hyphens and apostrophes are fine.")


def _name_is_good(name: str) -> bool:
    previous = ""
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            pass
        elif category in {"Mn", "Mc"}:  # a mark belongs to the letter before it
            if not previous or not unicodedata.category(previous).startswith(("L", "M")):
                return False
        elif char in NAME_JOINERS:
            if not previous or previous in NAME_JOINERS and char == previous:
                return False
        else:
            return False
        previous = char
    return bool(name) and unicodedata.category(name[0]).startswith("L")


def clean_person_name(value: str) -> str:
    """A person's name, NFC-normalised with its spaces tidied, or ValidationError naming
    the rule."""
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not _name_is_good(name):
        raise forms.ValidationError(NAME_MESSAGE, code="name")
    return name


class PersonNameField(forms.CharField):
    """A person's name (or part of one), judged by ``clean_person_name``."""

    def clean(self, value: Any) -> str:
        raw = str(super().clean(value))
        return clean_person_name(raw) if raw else raw


class SentOnceForm(forms.Form):
    """A form whose page carries a fresh key (a hidden field), so that sending the
    same page twice saves once (``core.services.submission_claim``). A client that
    sends no key gets no such guard; a key that is not one is refused by name."""

    submission = forms.UUIDField(
        label=_("This page"),
        required=False,
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={"invalid": _("This page is out of date: reload it and try again.")},
    )
