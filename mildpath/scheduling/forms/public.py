"""Forms of the public booking pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from itertools import groupby
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import BirthDateField, PersonNameField, PhoneField
from mildpath.core.phone import format_phone
from mildpath.practice.models import Practitioner
from mildpath.scheduling.slots import FreeTime


class SlotForm(forms.Form):
    """One radio per free time; the value names the practitioner and the UTC start."""

    slot = forms.ChoiceField(
        label=_("Choose a time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the times listed."),
            "invalid_choice": _("That time is no longer free. Choose another."),
        },
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["slot"].choices = choices  # type: ignore[attr-defined]

    def chosen(self) -> tuple[int, datetime]:
        practitioner, start = self.cleaned_data["slot"].split("|", 1)
        return int(practitioner), datetime.fromisoformat(start)


def slot_value(practitioner_id: int, start: datetime) -> str:
    return f"{practitioner_id}|{start.isoformat()}"


def slot_days(
    slots: Sequence[FreeTime], tz: ZoneInfo, *, prefer: int | None = None
) -> tuple[list[tuple[str, str]], list[tuple[date, list[tuple[FreeTime, str]]]]]:
    """A time picker's choices and the same times grouped by the clinic's calendar day.
    One choice per time: ``prefer`` (the patient's own doctor) takes it when free then,
    otherwise the first free practitioner."""
    valued = [
        (
            slot,
            slot_value(
                prefer if prefer in slot.practitioner_ids else slot.practitioner_ids[0],
                slot.start,
            ),
        )
        for slot in slots
    ]
    days = [
        (day, list(group))
        for day, group in groupby(valued, key=lambda item: item[0].start.astimezone(tz).date())
    ]
    return [(value, "") for _, value in valued], days


class TimeStepForm(SlotForm):
    """The time a patient chose on the time step (a button per time posts it), and
    whether they asked to be offered an earlier time if one frees up."""

    earlier = forms.BooleanField(required=False, widget=forms.HiddenInput)


class TimeButton(NamedTuple):
    """One time on the time step: the time, the value its button posts, and the doctor
    it is with (named on the button when the patient asked for any doctor)."""

    slot: FreeTime
    value: str
    doctor: Practitioner | None


def time_choices(slots: Sequence[FreeTime]) -> list[tuple[str, str]]:
    """Every (practitioner, time) free in ``slots``, as choices: a button names one
    doctor, but any doctor free then may be chosen."""
    return [
        (slot_value(practitioner_id, slot.start), "")
        for slot in slots
        for practitioner_id in slot.practitioner_ids
    ]


class ReviewForm(forms.Form):
    earlier = forms.BooleanField(
        label=_("If an earlier time frees up, offer it to me."),
        help_text=_(
            "You keep this appointment. If someone cancels an earlier one, we send you "
            "a link to take it instead; you can ignore it."
        ),
        required=False,
    )


def details_initial(saved: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details already given, as the details form shows them again: the date of birth
    as a date and the phone in its national format."""
    if not saved:
        return {}
    initial = dict(saved)
    if initial.get("date_of_birth"):
        initial["date_of_birth"] = date.fromisoformat(str(initial["date_of_birth"]))
    if initial.get("phone"):
        initial["phone"] = format_phone(str(initial["phone"]))
    return initial


class DetailsForm(forms.Form):
    given_name = PersonNameField(
        label=_("First name"),
        max_length=80,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name = PersonNameField(
        label=_("Last name"),
        max_length=80,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    date_of_birth = BirthDateField(
        label=_("Date of birth"),
        help_text=_("Month first, then day and year: 03/17/1952 is March 17, 1952."),
        input_formats=["%m/%d/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Write the date as month/day/year, like 03/17/1952."),
        },
        # Shown again (after "Change") as it was asked for: month/day/year.
        widget=forms.DateInput(
            format="%m/%d/%Y", attrs={"autocomplete": "bday", "inputmode": "numeric"}
        ),
    )
    phone = PhoneField(
        label=_("Phone number"),
        help_text=_("Area code first, for example (213) 555-0199."),
        error_messages={"required": _("Enter a phone number so we can reach you.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("We send your confirmation and a calendar file here."),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reason = forms.CharField(
        label=_("What would you like help with? (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referring_physician = forms.CharField(
        label=_("Referring doctor (optional)"), max_length=120, required=False
    )
    consent_email = forms.BooleanField(
        label=_("Email me reminders about this appointment."), required=False
    )
    consent_sms = forms.BooleanField(
        label=_("Text me reminders about this appointment."), required=False
    )
