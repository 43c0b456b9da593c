"""Validation for the JSON API: the same rules as the booking pages, as field errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core import clock
from mildpath.core.forms import BirthDateField, PersonNameField, PhoneField
from mildpath.scheduling.models import AppointmentType

MAX_SEARCH_DAYS = 31


def appointment_type_at(location_slug: str, kind: str) -> AppointmentType | None:
    """The active appointment type of this kind at the active location with this slug,
    its location attached."""
    return (
        AppointmentType.objects.select_related("location")
        .filter(location__slug=location_slug, location__is_active=True, kind=kind, is_active=True)
        .first()
    )


class SlotQueryForm(forms.Form):
    location = forms.SlugField(required=False)
    appointment_type = forms.ChoiceField(choices=AppointmentType.Kind.choices)
    date_from = forms.DateField(input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(input_formats=["%Y-%m-%d"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        today = clock.now().date()
        reach = timedelta(days=365 * clock.SEARCH_YEARS)
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not today - reach <= day <= today + reach:
                self.add_error(name, _("must be within five years of today"))
                start = end = None
        if start and end:
            if end < start:
                self.add_error("date_to", _("must not be before date_from"))
            elif (end - start).days >= MAX_SEARCH_DAYS:
                self.add_error("date_to", _("search at most 31 days at a time"))
        kind = cleaned.get("appointment_type")
        if kind and cleaned.get("location"):
            found = appointment_type_at(cleaned["location"], kind)
            if found is None:
                self.add_error("appointment_type", _("not offered at this location"))
            cleaned["types"] = [found]
        elif kind:
            # No location: search every location that offers it.
            cleaned["types"] = list(
                AppointmentType.objects.select_related("location")
                .filter(location__is_active=True, kind=kind, is_active=True)
                .order_by("location__name")
            )
        return cleaned


class PatientForm(forms.Form):
    given_name = PersonNameField(max_length=80)
    family_name = PersonNameField(max_length=80)
    date_of_birth = BirthDateField(input_formats=["%Y-%m-%d"])
    phone = PhoneField(error_messages={"invalid_phone": _("not a phone number we can call")})
    email = forms.EmailField(required=False)
    preferred_language = forms.ChoiceField(choices=[("en", "en"), ("es", "es")], required=False)


class BookingForm(forms.Form):
    location = forms.SlugField()
    appointment_type = forms.ChoiceField(choices=AppointmentType.Kind.choices)
    start = forms.DateTimeField()
    practitioner = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(max_length=300, required=False)
    referring_physician = forms.CharField(max_length=120, required=False)

    def clean_start(self) -> datetime:
        # Django would read a time without an offset as server-local; for a booking that
        # is ambiguous across locations and clock changes, so the offset is required.
        raw = str(self.data.get("start", ""))
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise forms.ValidationError(_("must be an ISO 8601 date and time")) from exc
        if parsed.tzinfo is None:
            raise forms.ValidationError(_("must include a UTC offset, like 2026-12-01T16:00:00Z"))
        today = clock.now().date()
        reach = timedelta(days=365 * clock.SEARCH_YEARS)
        if not today - reach <= parsed.date() <= today + reach:
            raise forms.ValidationError(_("must be within five years of today"))
        return parsed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("location") and cleaned.get("appointment_type"):
            found = appointment_type_at(cleaned["location"], cleaned["appointment_type"])
            if found is None or not found.self_bookable:
                self.add_error("appointment_type", _("cannot be booked online here"))
            cleaned["type"] = found
        return cleaned
