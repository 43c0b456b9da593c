"""Spine surgery the patient had after mild (``services.later_surgery_record``): what
surgery, at which levels, on what day, learned of from the patient or their surgeon."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mildpath.care.models import LEVELS, LaterSurgery
from mildpath.core import clock
from mildpath.core.forms import SentOnceForm

NOTE_MAX = LaterSurgery._meta.get_field("note").max_length or 300


class LaterSurgeryForm(SentOnceForm):
    kind = forms.ChoiceField(
        label=_("Surgery"),
        choices=LaterSurgery.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the kind of surgery."),
            "invalid_choice": _("Choose one of the kinds of surgery listed."),
        },
    )
    levels = forms.MultipleChoiceField(
        label=_("Levels operated on"),
        choices=LEVELS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one level."),
            "invalid_choice": _("Choose levels from the list."),
        },
    )
    performed_on = forms.DateField(
        label=_("Date of the surgery"),
        help_text=_("Year-month-day, for example 2026-10-30."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={
            "required": _("Enter the date of the surgery."),
            "invalid": _("Enter the date like 2026-10-30."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Where and by whom, and how you learned of it, if you know."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep the note to %(limit_value)d characters.")},
    )

    def clean_kind(self) -> str:
        # The radio buttons send one value; a request with several is not from this
        # form, and keeping the last of them would store a choice nobody saw.
        key = self.add_prefix("kind")
        sent = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]
        if len(sent) > 1:
            raise forms.ValidationError(_("Choose one kind of surgery."), code="several")
        kind: str = self.cleaned_data["kind"]
        return kind

    def clean_levels(self) -> list[str]:
        chosen = self.cleaned_data["levels"]
        return [code for code, _label in LEVELS if code in chosen]

    def clean_performed_on(self) -> date:
        performed_on: date = self.cleaned_data["performed_on"]
        if performed_on > timezone.localdate(clock.now()):
            raise forms.ValidationError(
                _("The date of the surgery cannot be in the future."), code="future"
            )
        return performed_on

    def values(self) -> dict[str, Any]:
        """The surgery's fields, for ``services.later_surgery_record``."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "levels": data["levels"],
            "performed_on": data["performed_on"],
            "note": data["note"],
        }
