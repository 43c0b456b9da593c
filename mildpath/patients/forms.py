from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import BirthDateField, PersonNameField, PhoneField
from mildpath.patients.models import Patient, PatientLink
from mildpath.practice.models import Location


class PatientForm(forms.Form):
    given_name = PersonNameField(label=_("Given name"), max_length=80)
    family_name = PersonNameField(label=_("Family name"), max_length=80)
    date_of_birth = BirthDateField(
        label=_("Date of birth"),
        help_text=_("Year-month-day, for example 1952-03-17."),
        error_messages={"invalid": _("Enter the date as year-month-day, like 1952-03-17.")},
        widget=forms.DateInput(attrs={"autocomplete": "off"}),
    )
    phone = PhoneField(label=_("Phone"))
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
