from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import BirthDateField, PersonNameField, PhoneField
from mildpath.patients.models import Patient
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


class ContactForm(forms.Form):
    """How the patient is reached: what the front desk corrects on the phone."""

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
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Patient.Language.choices,
        widget=forms.RadioSelect,
        help_text=_("Messages to the patient are written in this language."),
    )


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
