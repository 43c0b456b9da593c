from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import BirthDateField, PersonNameField, PhoneField
from mildpath.patients.models import Patient
from mildpath.practice.models import Location

# A US ZIP code, or ZIP+4. ASCII digits only: another script's digits are no ZIP code.
ZIP_CODE = re.compile(r"[0-9]{5}(-[0-9]{4})?", re.ASCII)
ZIP_CODE_RULE = _("Enter a ZIP code of 5 digits, or 5 + 4 digits (12345 or 12345-6789).")


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


class ContactForm(forms.Form):
    """How the patient is reached, and the ZIP code of their home (the registry's
    de-identified export keeps its first 3 digits): what the front desk corrects on the
    phone."""

    phone = PhoneField(
        label=_("Phone"), help_text=_("Texts and calls go to this number, like (626) 555-0101.")
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("Leave empty if the patient has no email."),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
    )
    postal_code = forms.CharField(
        label=_("ZIP code"),
        required=False,
        max_length=20,
        help_text=_("Of the patient's home, like 90404 or 90404-1234. Leave empty if unknown."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": ZIP_CODE_RULE, "null_characters_not_allowed": ZIP_CODE_RULE},
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Patient.Language.choices,
        widget=forms.RadioSelect,
        help_text=_("Messages to the patient are written in this language."),
    )

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["postal_code"])
        if value and not ZIP_CODE.fullmatch(value):
            raise forms.ValidationError(ZIP_CODE_RULE, code="zip_code")
        return value


class LinkSendForm(forms.Form):
    """Send the patient a link about one of their upcoming visits, by text or email.

    A link is only ever about something that exists: the visits offered are the
    patient's own upcoming ones, and the channels the ones they can be reached by."""

    appointment = forms.TypedChoiceField(
        label=_("Visit"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the patient's upcoming visits."),
            "invalid_choice": _("Choose one of the patient's upcoming visits."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Send it by"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose text or email."),
            "invalid_choice": _("Choose text or email."),
        },
    )

    def __init__(
        self,
        *args: object,
        visits: list[tuple[int, str]],
        channels: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["appointment"].choices = visits  # type: ignore[attr-defined]
        self.fields["channel"].choices = channels  # type: ignore[attr-defined]
        if len(visits) == 1:
            self.fields["appointment"].initial = visits[0][0]
        if channels:
            self.fields["channel"].initial = channels[0][0]
