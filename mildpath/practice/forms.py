from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import PhoneField
from mildpath.practice.geo import ZipError, locate_zip
from mildpath.practice.models import Location, Practice


class PhoneNormalizingForm(forms.ModelForm):
    """Stores the ``phone`` field in E.164, whatever way staff typed it."""

    phone = PhoneField(label=_("phone"))


class PracticeAdminForm(PhoneNormalizingForm):
    class Meta:
        model = Practice
        fields = ["name", "logo_text", "phone", "email"]


class LocationAdminForm(PhoneNormalizingForm):
    """Latitude and longitude always come from the ZIP code, never typed by hand."""

    class Meta:
        model = Location
        fields = [
            "name",
            "slug",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "zip_code",
            "phone",
            "time_zone",
            "step_free_entry",
            "parking",
            "parking_es",
            "access_notes",
            "access_notes_es",
            "is_active",
            "sort_order",
        ]

    def clean_zip_code(self) -> str:
        raw = self.cleaned_data["zip_code"]
        try:
            point = locate_zip(raw)
        except ZipError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.instance.latitude = point.latitude
        self.instance.longitude = point.longitude
        return point.zip_code
