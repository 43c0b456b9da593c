"""The imaging findings form: the study (modality, date, notes) and one group of fields
per spinal level. Every measurement is checked against the physical range the database
also enforces (``LevelFinding.RANGES``), and each refusal names the level and the field,
so a clinician typing a report in sees at once which box to correct."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mildpath.care.models import LEVELS, ImagingStudy, LevelFinding
from mildpath.core import clock
from mildpath.core.forms import SentOnceForm

# Digits, perhaps a minus sign (so "-2" is told its range, not that it is not a number),
# perhaps a decimal point with digits after it. ASCII only: no other scripts' digits, no
# exponent ("1e9"), no "NaN" or "inf", no decimal comma ("5,5").
NUMBER = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,10})?", re.ASCII)
ONE_PLACE = Decimal("0.1")


class MeasureField(forms.Field):
    """A measurement in its unit, with at most one decimal place, within its range.
    Empty is None (not reported)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, where: str, named: Any, low: int, high: int, unit: Any, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.where = where
        self.named = named
        self.low = low
        self.high = high
        self.unit = unit

    def _refuse(self, message: Any, code: str) -> forms.ValidationError:
        return forms.ValidationError(
            message,
            code=code,
            params={
                "level": self.where,
                "field": self.named,
                "low": self.low,
                "high": self.high,
                "unit": self.unit,
            },
        )

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        if not NUMBER.fullmatch(text):
            raise self._refuse(
                _(
                    "%(level)s, %(field)s: enter a number in %(unit)s such as 3.5, with a "
                    "decimal point (not a comma)."
                ),
                "invalid",
            )
        number = Decimal(text)
        if number == 0:
            number = Decimal(0)  # "-0" is 0
        if not self.low <= number <= self.high:
            raise self._refuse(
                _("%(level)s, %(field)s: enter a value from %(low)s to %(high)s %(unit)s."),
                "range",
            )
        if number != number.quantize(ONE_PLACE):
            raise self._refuse(
                _("%(level)s, %(field)s: give at most one decimal place, such as 3.5."),
                "places",
            )
        return number.quantize(ONE_PLACE)


GRADES = [
    ("", _("Not reported")),
    ("0", _("0: no slip")),
    ("1", _("1: up to 25%")),
    ("2", _("2: 26 to 50%")),
    ("3", _("3: 51 to 75%")),
    ("4", _("4: more than 75%")),
]
FORAMINAL = [("", _("Not reported")), *LevelFinding.Foraminal.choices]
MEASURES = {
    # field: (label, the field as the error names it, unit)
    "flavum_left_mm": (_("Ligamentum flavum, left (mm)"), _("ligamentum flavum, left"), "mm"),
    "flavum_right_mm": (_("Ligamentum flavum, right (mm)"), _("ligamentum flavum, right"), "mm"),
    "canal_area_mm2": (_("Canal area (mm²)"), _("canal area"), "mm²"),
    "listhesis_mm": (_("Anterior listhesis (mm)"), _("anterior listhesis"), "mm"),
}
NOTES = {
    "disc": (_("Disc"), _("disc")),
    "osteophyte": (_("Osteophytes"), _("osteophytes")),
    "facet": (_("Facets"), _("facets")),
}
NOTE_LENGTH = 300


class LevelForm(forms.Form):
    """The findings at one level. Left entirely blank, the level is not stored."""

    def __init__(self, *args: Any, level: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", level)
        super().__init__(*args, **kwargs)
        self.level = level
        for name, (label, named, unit) in MEASURES.items():
            low, high = LevelFinding.RANGES[name]
            self.fields[name] = MeasureField(
                label=label, where=level, named=named, low=low, high=high, unit=unit
            )
        low, high = LevelFinding.RANGES["listhesis_grade"]
        grade_message = _("%(level)s, listhesis grade: choose a grade from %(low)s to %(high)s.")
        self.fields["listhesis_grade"] = forms.TypedChoiceField(
            label=_("Listhesis grade (Meyerding)"),
            choices=GRADES,
            coerce=int,
            empty_value=None,
            required=False,
            error_messages={
                "invalid_choice": grade_message % {"level": level, "low": low, "high": high}
            },
        )
        self.fields["foraminal"] = forms.ChoiceField(
            label=_("Foraminal stenosis"),
            choices=FORAMINAL,
            required=False,
            error_messages={
                "invalid_choice": _("%(level)s, foraminal stenosis: choose one of the grades.")
                % {"level": level}
            },
        )
        for name, (label, named) in NOTES.items():
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=NOTE_LENGTH,
                error_messages={
                    "max_length": _("%(level)s, %(field)s: at most %(limit)s characters.")
                    % {"level": level, "field": named, "limit": NOTE_LENGTH}
                },
            )

    def finding(self) -> dict[str, Any] | None:
        """The level's fields for ``LevelFinding``, or None when nothing was entered."""
        values = {name: self.cleaned_data.get(name) for name in self.fields}
        if all(value in (None, "") for value in values.values()):
            return None
        for name in ("foraminal", *NOTES):
            values[name] = values[name] or ""
        return {"level": self.level, **values}


class StudyForm(SentOnceForm):
    modality = forms.ChoiceField(
        label=_("Kind of study"),
        choices=ImagingStudy.Modality.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the kind of study."),
            "invalid_choice": _("Choose one of the kinds of study listed."),
        },
    )
    performed_on = forms.DateField(
        label=_("Date of the study"),
        help_text=_("Year-month-day, for example 2026-10-30."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={
            "required": _("Enter the date of the study."),
            "invalid": _("Enter the date like 2026-10-30."),
        },
    )
    notes = forms.CharField(
        label=_("Notes on the study"),
        help_text=_("Anything the levels below do not hold, such as the report's conclusion."),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Keep the notes to %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, born: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.born = born

    def clean_performed_on(self) -> date:
        performed_on: date = self.cleaned_data["performed_on"]
        if performed_on > timezone.localdate(clock.now()):
            raise forms.ValidationError(
                _("The date of the study cannot be in the future."), code="future"
            )
        if self.born is not None and performed_on < self.born:
            raise forms.ValidationError(
                _("The date of the study cannot be before the patient was born."), code="born"
            )
        return performed_on


def level_forms(data: Any = None) -> list[LevelForm]:
    return [LevelForm(data, level=level) for level, _label in LEVELS]
