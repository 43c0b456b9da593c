from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.audit.actions import ACTIONS

# The trail starts with the practice's software; no entry is older.
EARLIEST = date(2000, 1, 1)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *ACTIONS.items()],
    )
    patient_id = forms.IntegerField(label=_("Patient number"), required=False, min_value=1)
    date_from = forms.DateField(
        label=_("From (year-month-day)"),
        required=False,
        error_messages={"invalid": _("Enter the date as year-month-day, like 2026-11-01.")},
    )
    date_to = forms.DateField(
        label=_("To (year-month-day)"),
        required=False,
        error_messages={"invalid": _("Enter the date as year-month-day, like 2026-11-30.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST <= day <= date.max - timedelta(days=1):
                self.add_error(name, _("Enter a date from 2000 on, like 2026-11-30."))
                cleaned.pop(name, None)
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
