"""Public forms. Every error names the field and says what would be accepted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mildpath.core.forms import PersonNameField, PhoneField
from mildpath.practice.queries import locations_public
from mildpath.scheduling.models import ConsultationRequest
from mildpath.site import selfcheck

_YES_NO = [
    (selfcheck.Answer.YES.value, _("Yes")),
    (selfcheck.Answer.NO.value, _("No")),
    (selfcheck.Answer.NOT_SURE.value, _("Not sure")),
]


def _radio(label: Any, choices: list[tuple[str, Any]], required_message: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": _("Choose one of the answers listed."),
        },
    )


class SelfCheckForm(forms.Form):
    leg_symptoms = _radio(
        _("Do you have pain, numbness, tingling or weakness in your buttocks or legs?"),
        _YES_NO,
        _("Tell us whether you have symptoms in your buttocks or legs."),
    )
    worse_standing_walking = _radio(
        _("Do these symptoms start or get worse when you stand or walk?"),
        _YES_NO,
        _("Tell us whether standing or walking brings the symptoms on."),
    )
    relief_sitting_bending = _radio(
        _(
            "Do they ease when you sit down or bend forward, for example leaning on a "
            "shopping cart?"
        ),
        _YES_NO,
        _("Tell us whether sitting or bending forward eases the symptoms."),
    )
    duration = _radio(
        _("How long have you had these symptoms?"),
        [
            (selfcheck.Duration.UNDER_3_MONTHS.value, _("Less than 3 months")),
            (selfcheck.Duration.MONTHS_3_TO_12.value, _("3 to 12 months")),
            (selfcheck.Duration.OVER_A_YEAR.value, _("More than a year")),
        ],
        _("Tell us how long you have had the symptoms."),
    )
    tried = forms.MultipleChoiceField(
        label=_("What have you already tried? Choose all that apply."),
        choices=[
            (selfcheck.Tried.PHYSICAL_THERAPY.value, _("Physical therapy")),
            (selfcheck.Tried.HOME_EXERCISE.value, _("Exercises at home")),
            (selfcheck.Tried.PAIN_MEDICINE.value, _("Pain medicine")),
            (selfcheck.Tried.INJECTIONS.value, _("Injections in the back")),
            (selfcheck.Tried.SURGERY.value, _("Back surgery")),
            (selfcheck.Tried.NOTHING.value, _("Nothing yet")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one answer, or “Nothing yet”."),
            "invalid_choice": _("Choose from the answers listed."),
        },
    )
    warning_signs = _radio(
        _(
            "In the last few days, have you had trouble controlling your bladder or bowels, "
            "numbness between your legs, or leg weakness that is quickly getting worse?"
        ),
        _YES_NO,
        _("Tell us whether you have had any of these warning signs."),
    )

    def clean_tried(self) -> list[str]:
        tried: list[str] = self.cleaned_data["tried"]
        if selfcheck.Tried.NOTHING.value in tried and len(tried) > 1:
            raise forms.ValidationError(
                _("“Nothing yet” cannot be chosen together with other treatments.")
            )
        return tried

    def answers(self) -> selfcheck.SelfCheckAnswers:
        data = self.cleaned_data
        return selfcheck.SelfCheckAnswers(
            leg_symptoms=selfcheck.Answer(data["leg_symptoms"]),
            worse_standing_walking=selfcheck.Answer(data["worse_standing_walking"]),
            relief_sitting_bending=selfcheck.Answer(data["relief_sitting_bending"]),
            duration=selfcheck.Duration(data["duration"]),
            tried=frozenset(selfcheck.Tried(value) for value in data["tried"]),
            warning_signs=selfcheck.Answer(data["warning_signs"]),
        )


class ConsultationRequestForm(forms.Form):
    name = PersonNameField(
        label=_("Your name"),
        max_length=120,
        error_messages={
            "required": _("Enter your name so we know who to ask for."),
            "max_length": _("Your name can be at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = PhoneField(
        label=_("Phone number"),
        help_text=_("We will call this number. Area code first, for example (213) 555-0199."),
        error_messages={"required": _("Enter a phone number so we can call you back.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    preferred_location = forms.ModelChoiceField(
        label=_("Preferred location"),
        queryset=locations_public(),
        required=False,
        empty_label=_("Any location"),
        error_messages={"invalid_choice": _("Choose one of the locations listed.")},
    )
    best_time = _radio(
        _("Best time to call"),
        list(ConsultationRequest.BestTime.choices),
        _("Choose the best time for us to call."),
    )
    consent_to_contact = forms.BooleanField(
        label=_("I agree that the practice may call me about this request."),
        error_messages={"required": _("We can only call you if you agree to be contacted.")},
    )
