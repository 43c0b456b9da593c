from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core import clock
from mildpath.core.phone import InvalidPhoneNumber, normalize_phone
from mildpath.patients.models import Patient, PatientLink
from mildpath.practice.models import Location


class PatientForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=80)
    family_name = forms.CharField(label=_("Family name"), max_length=80)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("Year-month-day, for example 1952-03-17."),
        error_messages={"invalid": _("Enter the date as year-month-day, like 1952-03-17.")},
        widget=forms.DateInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30)
    email = forms.EmailField(label=_("Email"), required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Patient.Language.choices, widget=forms.RadioSelect
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Seen at"),
        queryset=Location.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one location.")},
    )

    def __init__(self, *args: object, allowed_locations: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if allowed_locations is not None:
            self.fields["locations"].queryset = allowed_locations  # type: ignore[attr-defined]

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        today = clock.now().date()
        if born > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born.year < today.year - 120:
            raise forms.ValidationError(_("Check the year: that is more than 120 years ago."))
        return born

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                _("Enter a phone number we can call, like (310) 555-0100.")
            ) from exc


class BreakGlassForm(forms.Form):
    patient_id = forms.IntegerField(label=_("Patient number"), min_value=1)
    reason = forms.CharField(
        label=_("Reason for emergency access"),
        min_length=10,
        max_length=300,
        help_text=_("Recorded in the audit trail and reviewed by the practice manager."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("State why you need emergency access."),
            "min_length": _("Describe the reason in at least %(limit_value)d characters."),
        },
    )


class LinkForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("The link lets the patient"),
        choices=PatientLink.Purpose.choices,
        widget=forms.RadioSelect,
    )
