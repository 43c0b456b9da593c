"""Forms of the procedure record: the record itself, structured on the steps of the
mild procedure (image guidance, anaesthesia, portal, decompression, closing), its
amendment with a reason, and a complication.

Times are typed as the clock on the wall showed them: local times on the procedure's
date, in its location's time zone; the form turns them into moments."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mildpath.care.models import LEVELS, Complication, ProcedureRecord, Side
from mildpath.core import clock
from mildpath.core.forms import SentOnceForm
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment

NCT = re.compile(r"^NCT[0-9]{8}$", re.ASCII)
EARLIEST = date(2000, 1, 1)
BLOOD_LOSS_MAX_ML = 2000
APPOINTMENT_TAKEN = _("That appointment belongs to another procedure record of this patient.")

# The steps' time stamps, in the order they happen, with their labels.
STEPS = (
    ("started_at", _("Started")),
    ("portal_at", _("Portal placed")),
    ("decompressed_at", _("Decompression done")),
    ("closed_at", _("Closed")),
)
TIMES = (*STEPS, ("discharged_at", _("Discharged")))

TIME_ERRORS = {"invalid": _("Enter a time as hours and minutes, for example 09:30.")}


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_ERRORS,
    )


def _today(tz: ZoneInfo) -> date:
    return clock.now().astimezone(tz).date()


def appointment_label(appointment: Appointment) -> str:
    tz = appointment.location.tz
    start = appointment.start.astimezone(tz)
    return gettext("%(day)s, %(time)s at %(place)s (%(status)s)") % {
        "day": formats.date_format(start.date(), "DATE_FORMAT"),
        "time": formats.time_format(start.time(), "TIME_FORMAT"),
        "place": appointment.location.name,
        "status": appointment.get_status_display(),
    }


class ProcedureForm(SentOnceForm):
    """A procedure record, new or a draft changed. ``appointments``: the patient's
    procedure appointments that may be linked; ``taken``: the ids of appointments
    already linked to another procedure of theirs."""

    performed_on = forms.DateField(
        label=_("Date of the procedure"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date of the procedure."),
            "invalid": _("Enter a date, for example 2026-11-24."),
        },
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where the procedure was done."),
            "invalid_choice": _("Choose one of the patient's locations listed."),
        },
    )
    operator = forms.ModelChoiceField(
        label=_("Operator"),
        queryset=Practitioner.objects.none(),
        empty_label=_("Choose the doctor"),
        error_messages={
            "required": _("Choose the doctor who did the procedure."),
            "invalid_choice": _("Choose one of the doctors listed."),
        },
    )
    appointment = forms.ChoiceField(
        label=_("Procedure appointment"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_("The booked procedure visit this record belongs to, if there is one."),
        error_messages={"invalid_choice": _("Choose one of the appointments listed.")},
    )
    fluoroscopy = forms.BooleanField(label=_("Fluoroscopy (X-ray guidance) used"), required=False)
    epidurogram = forms.BooleanField(label=_("Contrast epidurogram done"), required=False)
    contrast = forms.CharField(
        label=_("Contrast"),
        required=False,
        max_length=100,
        help_text=_("Agent and volume, for example iohexol 300, 5 mL."),
        error_messages={"max_length": _("Keep it under 100 characters.")},
    )
    anaesthesia = forms.ChoiceField(
        label=_("Anaesthesia"),
        choices=ProcedureRecord.Anaesthesia.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the anaesthesia given.")},
    )
    levels = forms.MultipleChoiceField(
        label=_("Levels treated"),
        choices=LEVELS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one level."),
            "invalid_choice": _("Choose levels from the list."),
        },
    )
    side = forms.ChoiceField(
        label=_("Sides"),
        choices=Side.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the side or sides decompressed.")},
    )
    started_at = _time_field(_("Started"))
    portal_at = _time_field(_("Portal placed"))
    decompressed_at = _time_field(_("Decompression done"))
    closed_at = _time_field(_("Closed"))
    discharged_at = _time_field(_("Discharged"))
    kit_lots = forms.CharField(
        label=_("Kit lot numbers"),
        required=False,
        max_length=200,
        help_text=_("As printed on the kits used; separate several with commas."),
        error_messages={"max_length": _("Keep it under 200 characters.")},
    )
    blood_loss_ml = forms.IntegerField(
        label=_("Blood loss (mL)"),
        required=False,
        min_value=0,
        max_value=BLOOD_LOSS_MAX_ML,
        error_messages={
            "invalid": _("Enter a whole number of millilitres from 0 to 2000."),
            "min_value": _("Enter a whole number of millilitres from 0 to 2000."),
            "max_value": _("Enter a whole number of millilitres from 0 to 2000."),
        },
    )
    diagnosis = forms.ChoiceField(
        label=_("Diagnosis (ICD-10-CM)"),
        choices=ProcedureRecord.Diagnosis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the diagnosis.")},
    )
    medicare_ced = forms.BooleanField(
        label=_("Medicare patient enrolled in the approved study (coverage with evidence)"),
        required=False,
        help_text=_("The claim then carries the study's NCT number, Z00.6 and modifier Q0."),
    )
    study_nct = forms.CharField(
        label=_("Study (NCT number)"),
        required=False,
        max_length=20,
        help_text=_("NCT followed by 8 digits, for example NCT03072927."),
        error_messages={"max_length": _("Enter NCT followed by 8 digits.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("Keep the notes under 5000 characters.")},
    )

    def __init__(
        self,
        *args: Any,
        locations: QuerySet[Location],
        operators: QuerySet[Practitioner],
        appointments: list[Appointment],
        taken: set[int] | frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["operator"].queryset = operators  # type: ignore[attr-defined]
        self.appointments = {str(a.pk): a for a in appointments}
        self.taken = taken
        self.fields["appointment"].choices = [  # type: ignore[attr-defined]
            ("", gettext("None: not linked to a booked visit")),
            *((key, appointment_label(a)) for key, a in self.appointments.items()),
        ]

    def clean_study_nct(self) -> str:
        value = self.cleaned_data.get("study_nct", "").strip().upper().replace(" ", "")
        if value and not NCT.match(value):
            raise forms.ValidationError(
                gettext("Enter NCT followed by 8 digits, for example NCT03072927.")
            )
        return value

    def clean_performed_on(self) -> date:
        day: date = self.cleaned_data["performed_on"]
        if day < EARLIEST:
            raise forms.ValidationError(gettext("Enter a date from 2000 on."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        location: Location | None = data.get("location")
        day: date | None = data.get("performed_on")
        tz = location.tz if location is not None else ZoneInfo(settings.TIME_ZONE)
        if day is not None and day > _today(tz):
            self.add_error("performed_on", gettext("The date cannot be in the future."))
            day = None
        if (
            data.get("medicare_ced")
            and not data.get("study_nct")
            and "study_nct" not in self.errors
        ):
            self.add_error(
                "study_nct",
                gettext("Enter the study's NCT number: a Medicare claim under the study needs it."),
            )
        self._clean_times(data, day, tz)
        self._clean_appointment(data, day, location)
        data["levels"] = [code for code, _label in LEVELS if code in data.get("levels", [])]
        return data

    def _clean_times(self, data: dict[str, Any], day: date | None, tz: ZoneInfo) -> None:
        """Each step after the one before it (the ones given), discharge after closing;
        as moments on the procedure's date at its location."""
        previous: tuple[Any, time] | None = None
        for name, label in TIMES:
            value: time | None = data.get(name)
            if value is None:
                continue
            if previous is not None and value <= previous[1]:
                self.add_error(
                    name,
                    gettext("Must be later than “%(step)s” (%(time)s).")
                    % {"step": previous[0], "time": previous[1].strftime("%H:%M")},
                )
                return
            previous = (label, value)
        for name, _label in TIMES:
            value = data.get(name)
            data[name] = (
                datetime.combine(day, value, tzinfo=tz)
                if value is not None and day is not None
                else None
            )

    def _clean_appointment(
        self, data: dict[str, Any], day: date | None, location: Location | None
    ) -> None:
        key = data.get("appointment") or ""
        appointment = self.appointments.get(key)
        data["appointment"] = appointment
        if appointment is None:
            return
        if appointment.pk in self.taken:
            self.add_error(
                "appointment",
                APPOINTMENT_TAKEN,
            )
            return
        on = appointment.start.astimezone(appointment.location.tz).date()
        if day is not None and on != day:
            self.add_error(
                "appointment",
                gettext("That appointment is on %(day)s, not on the date of the procedure.")
                % {"day": formats.date_format(on, "DATE_FORMAT")},
            )
        elif location is not None and appointment.location_id != location.pk:
            self.add_error(
                "appointment",
                gettext("That appointment is at %(place)s, not at the location chosen.")
                % {"place": appointment.location.name},
            )

    def values(self) -> dict[str, Any]:
        """The record's fields, for ``services.procedure_draft_save``/``procedure_amend``."""
        data = self.cleaned_data
        return {
            "appointment": data["appointment"],
            "performed_on": data["performed_on"],
            "location": data["location"],
            "operator": data["operator"],
            "anaesthesia": data["anaesthesia"],
            "fluoroscopy": data["fluoroscopy"],
            "epidurogram": data["epidurogram"],
            "contrast": data["contrast"].strip(),
            "levels": data["levels"],
            "side": data["side"],
            "started_at": data["started_at"],
            "portal_at": data["portal_at"],
            "decompressed_at": data["decompressed_at"],
            "closed_at": data["closed_at"],
            "discharged_at": data["discharged_at"],
            "kit_lots": data["kit_lots"].strip(),
            "blood_loss_ml": data["blood_loss_ml"],
            "diagnosis": data["diagnosis"],
            "medicare_ced": data["medicare_ced"],
            "study_nct": data["study_nct"],
            "notes": data["notes"].strip(),
        }

    # Groups of fields, each a fieldset on the page, in the order of the procedure.
    GROUPS = (
        ("place", _("When and where"), ("performed_on", "location", "operator", "appointment")),
        (
            "guidance",
            _("Image guidance and anaesthesia"),
            ("fluoroscopy", "epidurogram", "contrast", "anaesthesia"),
        ),
        ("levels", _("Levels"), ("levels", "side")),
        ("times", _("Steps: local times on the procedure date"), tuple(n for n, _l in TIMES)),
        ("kit", _("Kit and blood loss"), ("kit_lots", "blood_loss_ml")),
        ("codes", _("Codes"), ("diagnosis", "medicare_ced", "study_nct")),
        ("notes", _("Notes"), ("notes",)),
    )

    def groups(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        return [(key, legend, [self[n] for n in names]) for key, legend, names in self.GROUPS]


def initial_of(procedure: ProcedureRecord) -> dict[str, Any]:
    """A record's values as the form shows them: its times as the location's clock."""
    tz = procedure.location.tz
    initial: dict[str, Any] = {
        "performed_on": procedure.performed_on,
        "location": procedure.location_id,
        "operator": procedure.operator_id,
        "appointment": str(procedure.appointment_id or ""),
        "anaesthesia": procedure.anaesthesia,
        "fluoroscopy": procedure.fluoroscopy,
        "epidurogram": procedure.epidurogram,
        "contrast": procedure.contrast,
        "levels": list(procedure.levels),
        "side": procedure.side,
        "kit_lots": procedure.kit_lots,
        "blood_loss_ml": procedure.blood_loss_ml,
        "diagnosis": procedure.diagnosis,
        "medicare_ced": procedure.medicare_ced,
        "study_nct": procedure.study_nct,
        "notes": procedure.notes,
    }
    for name, _label in TIMES:
        moment: datetime | None = getattr(procedure, name)
        initial[name] = moment.astimezone(tz).time() if moment is not None else None
    return initial


class ProcedureAmendForm(ProcedureForm):
    """An amendment: the signed version's values to change, and why."""

    field_order = ["reason"]

    reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=300,
        help_text=_("What was wrong or missing. Kept with the new version for good."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Enter why the record is amended."),
            "max_length": _("Keep the reason under 300 characters."),
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Enter why the record is amended."))
        return reason

    def groups(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        return [("reason", _("Amendment"), [self["reason"]]), *super().groups()]


class ComplicationForm(SentOnceForm):
    phase = forms.ChoiceField(
        label=_("When"),
        choices=Complication.Phase.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose during or after the procedure.")},
    )
    grade = forms.ChoiceField(
        label=_("Clavien-Dindo grade"),
        choices=Complication.Grade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the grade.")},
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What it was, how it was treated, and how it ended."),
        error_messages={
            "required": _("Describe what happened."),
            "max_length": _("Keep it under 5000 characters."),
        },
    )
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date it happened."),
            "invalid": _("Enter a date, for example 2026-11-24."),
        },
    )

    def __init__(self, *args: Any, procedure: ProcedureRecord, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.procedure = procedure

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError(gettext("Describe what happened."))
        return text

    def clean_occurred_on(self) -> date:
        day: date = self.cleaned_data["occurred_on"]
        if day < self.procedure.performed_on:
            raise forms.ValidationError(
                gettext("Cannot be before the procedure (%(day)s).")
                % {"day": formats.date_format(self.procedure.performed_on, "DATE_FORMAT")}
            )
        if day > _today(self.procedure.location.tz):
            raise forms.ValidationError(gettext("Cannot be in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("occurred_on")
        if data.get("phase") == Complication.Phase.INTRA and day is not None:
            if day != self.procedure.performed_on:
                self.add_error(
                    "occurred_on",
                    gettext("A complication during the procedure is on the procedure's date."),
                )
        return data
