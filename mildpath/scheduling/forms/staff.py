"""Forms of the front desk's pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.forms.public import DetailsForm, SlotForm
from mildpath.scheduling.models import ConsultationRequest
from mildpath.scheduling.services.overrides import MAX_DAYS


class ConsultationRequestUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=ConsultationRequest.Status.choices, widget=forms.RadioSelect
    )
    staff_notes = forms.CharField(
        label=_("Notes for the team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StaffBookingForm(DetailsForm):
    """Booking on a caller's behalf: the same details, plus the time chosen from the list."""

    slot = forms.ChoiceField(
        label=_("Time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the times listed."),
            "invalid_choice": _("That time is no longer free. Choose another."),
        },
    )

    preferred_language = forms.ChoiceField(
        label=_("Language for the patient's messages"),
        help_text=_(
            "For a new patient. A patient already on file keeps the language on their "
            "record: change it there."
        ),
        choices=settings.LANGUAGES,
        initial="en",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose English or Spanish."),
            "invalid_choice": _("Choose English or Spanish."),
        },
    )

    field_order = ["slot"]
    # The public form speaks to the patient; here the desk fills it in for them.
    STAFF_WORDING: dict[str, tuple[Any, Any]] = {
        "email": (_("Email (optional)"), _("The confirmation and a calendar file go here.")),
        "reason": (_("Reason for the visit (optional)"), ""),
        "consent_email": (_("The patient agrees to email reminders about this visit."), ""),
        "consent_sms": (_("The patient agrees to text reminders about this visit."), ""),
    }

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["slot"].choices = choices  # type: ignore[attr-defined]
        for name, (label, hint) in self.STAFF_WORDING.items():
            self.fields[name].label = label
            self.fields[name].help_text = hint
        self.order_fields(["slot"])

    def chosen(self) -> tuple[int, datetime]:
        practitioner, start = self.cleaned_data["slot"].split("|", 1)
        return int(practitioner), datetime.fromisoformat(start)


class CancelForm(forms.Form):
    """A cancellation by staff says why (the patient is told it was cancelled; the
    reason stays on the visit for the team)."""

    reason = forms.CharField(
        label=_("Reason for cancelling"),
        help_text=_("For example: the patient asked, the doctor is away. Kept on the visit."),
        max_length=300,
        error_messages={
            "required": _("Enter why the appointment is cancelled."),
            "max_length": _("Keep it under 300 characters."),
        },
    )


class MoveForm(SlotForm):
    """A new time from the ones listed, with the practitioner the desk chose."""

    slot = forms.ChoiceField(
        label=_("New time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the times listed."),
            "invalid_choice": _("That time is no longer free. Choose another."),
        },
    )


class BlockTimeForm(forms.Form):
    """A change of a practitioner's hours on some dates at one location."""

    KINDS = [
        ("off", _("Not working: a holiday, leave or time away")),
        ("hours", _("Working only these hours: a shorter day or an extra clinic")),
    ]

    practitioner = forms.ChoiceField(
        label=_("Doctor"),
        error_messages={
            "required": _("Choose a doctor."),
            "invalid_choice": _("Choose one of the doctors listed."),
        },
    )
    location = forms.ChoiceField(
        label=_("Location"),
        error_messages={
            "required": _("Choose a location."),
            "invalid_choice": _("Choose one of the locations listed."),
        },
    )
    first_day = forms.DateField(
        label=_("From (date)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={
            "required": _("Enter the first date."),
            "invalid": _("Enter a date like 2026-12-24."),
        },
    )
    last_day = forms.DateField(
        label=_("Until (date, included)"),
        help_text=_("Leave empty for one day."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={"invalid": _("Enter a date like 2026-12-31.")},
    )
    kind = forms.ChoiceField(
        label=_("What changes"),
        choices=KINDS,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one."),
            "invalid_choice": _("Choose one of the two."),
        },
    )
    start = forms.TimeField(
        label=_("Working from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
        error_messages={"invalid": _("Enter a time like 09:00.")},
    )
    end = forms.TimeField(
        label=_("Working until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M"],
        error_messages={"invalid": _("Enter a time like 13:00.")},
    )
    note = forms.CharField(
        label=_("Note shown on the calendar"),
        help_text=_("For example: holiday, leave, extra clinic."),
        required=False,
        max_length=120,
        error_messages={"max_length": _("Keep it under 120 characters.")},
    )
    confirm = forms.BooleanField(
        label=_("Change the hours anyway; I will call these patients to move their visits"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        locations: list[Location],
        practitioners: list[Practitioner],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.confirming = False
        self._locations = {loc.slug: loc for loc in locations}
        self._practitioners = {str(p.pk): p for p in practitioners}
        self.fields["location"].choices = [(loc.slug, loc.name) for loc in locations]  # type: ignore[attr-defined]
        self.fields["practitioner"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a doctor")),
            *((str(p.pk), p.display_name) for p in practitioners),
        ]

    def ask_to_confirm(self) -> None:
        self.confirming = True

    def clean_location(self) -> Location:
        return self._locations[self.cleaned_data["location"]]

    def clean_practitioner(self) -> Practitioner:
        return self._practitioners[self.cleaned_data["practitioner"]]

    def clean_first_day(self) -> date:
        first: date = self.cleaned_data["first_day"]
        if first < self.today:
            raise forms.ValidationError(_("Choose today or a later date."))
        if first > self.today + timedelta(days=730):
            raise forms.ValidationError(_("Choose a date within two years."))
        return first

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first is not None:
            if last is None and "last_day" not in self.errors:
                data["last_day"] = last = first
            if last is not None and last < first:
                self.add_error("last_day", _("Choose a date on or after the first date."))
            elif last is not None and (last - first).days >= MAX_DAYS:
                self.add_error(
                    "last_day",
                    _("Change at most %(days)s days at a time.") % {"days": MAX_DAYS},
                )
        if data.get("kind") == "hours":
            start, end = data.get("start"), data.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Enter when the doctor starts that day."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Enter when the doctor finishes that day."))
            if start is not None and end is not None and end <= start:
                self.add_error("end", _("Choose a time after the start."))
        else:
            data["start"] = data["end"] = None
        who, where = data.get("practitioner"), data.get("location")
        if isinstance(who, Practitioner) and isinstance(where, Location):
            if where not in who.locations.all():
                self.add_error(
                    "practitioner",
                    _("%(name)s does not work at %(place)s.")
                    % {"name": who.display_name, "place": where.name},
                )
        return data
