"""The registry's filters (which patients a report or an export covers), read from a
query string, and the export's form (its format and the same filters)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.care.models import LEVELS
from mildpath.outcomes.registry import Filters
from mildpath.outcomes.services import EXPORT_FORMATS
from mildpath.practice.queries import locations_public, practitioners_public

# No procedure of the registry is older; nothing is dated in the next century.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

LEVEL_COUNTS = [("", _("Any number")), ("1", _("One level")), ("2", _("Two or more levels"))]
AGE_BANDS = [
    ("", _("Any age")),
    ("under_65", _("Under 65")),
    ("65_74", _("65 to 74")),
    ("75_84", _("75 to 84")),
    ("85_up", _("85 and over")),
]
PAYERS = [
    ("", _("Any payer")),
    ("medicare", _("Medicare (in the approved study)")),
    ("other", _("Other payers")),
]
FORMAT_LABELS = {
    "csv": _("CSV (opens in a spreadsheet)"),
    "parquet": _("Parquet (for R, Python and other statistics tools)"),
}


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as year-month-day, like 2026-11-30.")},
    )


class FiltersForm(forms.Form):
    """Read from GET: every field may be left empty (no filter)."""

    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=locations_public(),
        required=False,
        empty_label=_("Every location"),
        error_messages={"invalid_choice": _("Choose one of the practice's locations.")},
    )
    practitioner = forms.ModelChoiceField(
        label=_("Doctor who treated"),
        queryset=practitioners_public(),
        required=False,
        empty_label=_("Every doctor"),
        error_messages={"invalid_choice": _("Choose one of the practice's doctors.")},
    )
    levels = forms.ChoiceField(
        label=_("Levels treated"),
        choices=LEVEL_COUNTS,
        required=False,
        error_messages={"invalid_choice": _("Choose one level, two or more, or any number.")},
    )
    level = forms.ChoiceField(
        label=_("Including the level"),
        choices=[("", _("Any level")), *LEVELS],
        required=False,
        error_messages={"invalid_choice": _("Choose a lumbar level from the list.")},
    )
    since = _date_field(_("Procedures from"))
    until = _date_field(_("Procedures until"))
    age_band = forms.ChoiceField(
        label=_("Age at the procedure"),
        choices=AGE_BANDS,
        required=False,
        error_messages={"invalid_choice": _("Choose an age band from the list.")},
    )
    payer = forms.ChoiceField(
        label=_("Payer"),
        choices=PAYERS,
        required=False,
        error_messages={"invalid_choice": _("Choose Medicare, other payers or any payer.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("since", "until"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, _("Enter a date from 2000 to 2099, like 2026-11-30."))
                cleaned.pop(name, None)
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("This date is before the “from” date."))
        return cleaned

    def filters(self) -> Filters:
        """The filters chosen (call after ``is_valid()``)."""
        data = self.cleaned_data
        location, practitioner = data.get("location"), data.get("practitioner")
        return Filters(
            location=location.pk if location is not None else None,
            practitioner=practitioner.pk if practitioner is not None else None,
            levels=data.get("levels") or "",
            level=data.get("level") or "",
            since=data.get("since"),
            until=data.get("until"),
            age_band=data.get("age_band") or "",
            payer=data.get("payer") or "",
        )

    @classmethod
    def initial_from(cls, filters: Filters) -> dict[str, object]:
        """A stored job's filters as this form's data (a "try again" posts them back)."""
        data = filters.as_dict()
        return {name: "" if value is None else str(value) for name, value in data.items()}


class ExportForm(FiltersForm):
    """The de-identified export: its file format, then the same filters as a report."""

    format = forms.ChoiceField(
        label=_("File format"),
        choices=[(code, FORMAT_LABELS[code]) for code in EXPORT_FORMATS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the file format: CSV or Parquet."),
            "invalid_choice": _("Choose the file format: CSV or Parquet."),
        },
    )
    field_order = ["format"]
