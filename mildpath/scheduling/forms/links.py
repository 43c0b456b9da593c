"""Forms of the pages a patient reaches from the link in their messages: cancelling
with an optional reason, and the time chosen for a move."""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, datetime

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

REASON_MAX = 300

# The reasons most patients give, one tap each; "other" takes their own words.
REASONS = [
    ("better", _("I feel better")),
    ("time", _("The time no longer suits me")),
    ("travel", _("I cannot get there")),
    ("elsewhere", _("I am seeing another doctor")),
    ("other", _("Another reason")),
]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you cancelling? (optional)"),
        help_text=_("This helps us. You do not have to tell us."),
        choices=REASONS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the reasons listed, or none.")},
    )
    other = forms.CharField(
        label=_("In your own words (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}),
        error_messages={
            "max_length": _("Write at most %(limit_value)d characters."),
            "null_characters_not_allowed": _("Remove the special characters."),
        },
    )

    def reason_text(self) -> str:
        """What the desk reads on the appointment: the reason in English (staff share
        one list), with the patient's own words after it."""
        key = self.cleaned_data.get("reason") or ""
        words = " ".join((self.cleaned_data.get("other") or "").split())
        with translation.override("en"):
            label = str(dict(REASONS).get(key, "")) if key and key != "other" else ""
        text = f"{label}: {words}" if label and words else label or words
        return text[:REASON_MAX]


class MoveForm(forms.Form):
    """The time picked on the move page: "practitioner id|ISO start". Whether it is still
    free is the view's question, asked again under the lock by the service."""

    slot = forms.CharField(
        label=_("New time"),
        max_length=64,
        error_messages={
            "required": _("Choose one of the times listed."),
            "max_length": _("Choose one of the times listed."),
        },
    )

    def clean_slot(self) -> tuple[int, datetime]:
        raw = self.cleaned_data["slot"]
        practitioner, _sep, start = raw.partition("|")
        try:
            chosen = (int(practitioner), datetime.fromisoformat(start))
        except ValueError:
            raise forms.ValidationError(_("Choose one of the times listed.")) from None
        if chosen[1].tzinfo is None or chosen[0] <= 0:
            raise forms.ValidationError(_("Choose one of the times listed."))
        if not MINYEAR < chosen[1].year < MAXYEAR:
            # At the calendar's edge a time cannot be shifted to the clinic's zone (and
            # was never offered): refused here rather than overflowing later.
            raise forms.ValidationError(_("Choose one of the times listed."))
        return chosen


def slot_value(practitioner_id: int, start: datetime) -> str:
    return f"{practitioner_id}|{start.isoformat()}"
