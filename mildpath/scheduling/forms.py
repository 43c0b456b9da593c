from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
