"""Form fields every app shares, so a phone number or a date of birth is judged the same
way on the public site, in the staff pages and in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.utils.translation import gettext_lazy as _

from mildpath.core import clock
from mildpath.core.phone import InvalidPhoneNumber, normalize_phone


class PhoneField(forms.CharField):
    """A phone number as a person types it; cleaned to E.164 (+13105550100)."""

    default_error_messages = {
        "invalid_phone": _("Enter a phone number we can call, like (310) 555-0100."),
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


class _SharedFields(dict[str, forms.Field]):
    """A form class's fields that its instances share: "deep-copying" them copies only
    the mapping, not the fields."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


class _SharedFieldsMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> type:
        if "__init__" in attrs:
            # __init__ is where forms change their fields per request: shared, such a
            # change would reach every other request.
            raise TypeError(f"{name}: a SharedFieldsForm must not define __init__")
        new_class: Any = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _SharedFields(new_class.base_fields)
        return new_class


class SharedFieldsForm(forms.BaseForm, metaclass=_SharedFieldsMetaclass):
    """A form for machine input, validated and never rendered, whose fields nothing
    changes per request (no widget tweaked, no choices set in ``__init__``).

    Django deep-copies every field of every form it builds, so that one request's
    changes to a field cannot leak into the next; for the JSON API's booking forms that
    copy was 40% of validating a booking (bench/booking.py). Fields hold no state of
    their own while cleaning, so these instances share the class's fields instead.
    """
