from __future__ import annotations

from django import forms
from django.contrib.staticfiles import finders
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import PhoneField
from mildpath.practice.geo import ZipError, clean_zip, locate_zip
from mildpath.practice.models import Location, Practice, Practitioner


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


class PractitionerAdminForm(forms.ModelForm):
    """The photo is a file under the static folder; a path that is not there is refused
    here, so a typo cannot break the public pages."""

    class Meta:
        model = Practitioner
        fields = [
            "given_name",
            "family_name",
            "credentials",
            "board_certification",
            "board_certification_es",
            "slug",
            "photo",
            "biography",
            "biography_es",
            "is_placeholder",
            "locations",
            "is_active",
        ]

    def clean_photo(self) -> str:
        path = self.cleaned_data["photo"].strip().lstrip("/")
        if path.startswith("static/"):
            path = path.removeprefix("static/")
        if path and (".." in path.split("/") or not finders.find(path)):
            raise forms.ValidationError(
                _(
                    "There is no picture %(path)s in the static folder. "
                    "Check the spelling, for example img/doctors/marquez.jpg."
                ),
                params={"path": path},
            )
        return path


class ZipSearchForm(forms.Form):
    zip = forms.CharField(
        label=_("Your ZIP code"),
        max_length=10,
        help_text=_("Five digits, for example 90404."),
        error_messages={"required": _("Enter your ZIP code to find the nearest location.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )

    def clean_zip(self) -> str:
        try:
            point = locate_zip(self.cleaned_data["zip"])
        except ZipError as exc:
            if exc.code == "malformed":
                raise forms.ValidationError(
                    _("A ZIP code is five digits, like 90404."), code="malformed"
                ) from exc
            raise forms.ValidationError(
                _("We could not find ZIP code %(zip)s. Please check the five digits."),
                params={"zip": clean_zip(self.cleaned_data["zip"])},
                code="unknown",
            ) from exc
        return point.zip_code
