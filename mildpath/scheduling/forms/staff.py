"""Forms of the front desk's pages."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.scheduling.forms.public import DetailsForm
from mildpath.scheduling.models import ConsultationRequest


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

    field_order = ["slot"]

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["slot"].choices = choices  # type: ignore[attr-defined]
        self.order_fields(["slot"])

    def chosen(self) -> tuple[int, datetime]:
        practitioner, start = self.cleaned_data["slot"].split("|", 1)
        return int(practitioner), datetime.fromisoformat(start)
