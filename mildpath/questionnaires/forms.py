"""One screen of a questionnaire as a Django form: each item a field, labelled with its
question in the reader's language, with messages that say what to do.

The same form serves the staff's paper entry (every item on one page, blanks allowed, as
the paper came in) and the patient's own screens (``patient=True``): there a question
that may be left blank is left blank only on purpose, with "Skip this question", and a
number box shows its unit beside it. Where no clinic test can have happened
(``clinic_test=False``: a patient at home), the questions about that test are not asked
and the patient's answer is taken as their own estimate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from mildpath.questionnaires.answers import Answer
from mildpath.questionnaires.instruments import Item

SKIP = "skip"  # the name of the "Skip this question" button
SKIP_LABEL = _("Skip this question")

# Questions about the clinic's timed standing and walking tests (Tomkins, Spine 2009:
# stopped at 30 minutes; distance measured by staff). They are asked only where such a
# test can have happened: on the clinic tablet and on a paper form entered by staff.
CLINIC_TEST_ITEMS = frozenset({"standing_capped", "walking_method", "walking_capped"})
# walking_method: "I am estimating it", what a patient answering at home is doing.
OWN_ESTIMATE = 1

# An item's unit as written beside its number box.
UNITS: dict[str, Promise] = {"min": _("minutes"), "ft": _("feet")}


class NumberWithUnit(forms.NumberInput):
    """A number box with its unit beside it ("minutes"), read out with the box."""

    def __init__(self, *, unit: Promise | str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.unit = unit

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        attrs = dict(attrs or {})
        unit_id = f"{attrs.get('id') or self.attrs.get('id') or 'id_' + name}_unit"
        attrs["aria-describedby"] = " ".join(
            part for part in (unit_id, attrs.get("aria-describedby", "")) if part
        )
        box = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="q-number">{}<span class="q-unit" id="{}">{}</span></span>',
            box,
            unit_id,
            self.unit,
        )


def _skip_or_answer(item: Item) -> str:
    """The message for a blank the patient did not mean: the two ways on."""
    if item.kind == "number":
        message = _(
            "There is no number here yet. Please type one in, or press “%(skip)s” "
            "if you would rather not answer it."
        )
    else:
        message = _(
            "No answer is chosen yet. Please choose the one that fits you best, or press "
            "“%(skip)s” if you would rather not answer it."
        )
    return str(message) % {"skip": SKIP_LABEL}


def _field(item: Item, language: str, *, patient: bool) -> forms.Field:
    label = item.text[language]
    help_text = item.help.get(language, "")
    if item.kind == "choice":
        return forms.TypedChoiceField(
            label=label,
            help_text=help_text,
            choices=[(option.value, option.text[language]) for option in item.options],
            coerce=int,
            empty_value=None,
            required=item.required,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Please choose one answer."),
                "invalid_choice": _("Please choose one of the answers shown."),
            },
        )
    if item.kind == "number":
        attrs = {"inputmode": "numeric", "class": "number-answer"}
        unit = UNITS.get(item.unit) if patient else None
        return forms.IntegerField(
            label=label,
            help_text=help_text,
            min_value=item.minimum,
            max_value=item.maximum,
            required=item.required,
            widget=NumberWithUnit(unit=unit, attrs=attrs) if unit else forms.NumberInput(attrs),
            error_messages={
                "required": _("Please enter a number."),
                "invalid": _("Please enter a whole number, using digits only."),
                "min_value": _("Please enter a number from %(low)s to %(high)s.")
                % {"low": item.minimum, "high": item.maximum},
                "max_value": _("Please enter a number from %(low)s to %(high)s.")
                % {"low": item.minimum, "high": item.maximum},
            },
        )
    return forms.BooleanField(label=label, help_text=help_text, required=False)


def _own_estimate(item: Item, given: Mapping[str, Answer], items: tuple[Item, ...]) -> Answer:
    """The answer to a clinic-test question when the patient answered on their own."""
    if item.code == "walking_method":
        return OWN_ESTIMATE
    if item.code == "standing_capped":
        # The question says "if you can stand for 30 minutes or more, enter 30": the
        # most it takes means "at least this", as the clinic's test records it.
        minutes = next((other for other in items if other.code == "standing_minutes"), None)
        value = given.get("standing_minutes")
        return minutes is not None and value is not None and value == minutes.maximum
    return False  # stopped by the test's 30 minutes: there was no test


class ScreenForm(forms.Form):
    """The items of one screen. ``answers()`` gives what to store: every item on the
    screen, a blank one (an ODI section left blank) as None.

    ``patient``: the patient's own screens. An item that may be left blank (an ODI
    section) is refused blank, with a message offering "Skip this question" (the
    ``SKIP`` button, whose answers are ``skipped()``), so no question is passed over by
    a tap on "Save and continue". ``clinic_test``: a test in the clinic can have
    happened where these answers are given; when not, its questions are not asked."""

    def __init__(
        self,
        *args: Any,
        items: tuple[Item, ...],
        language: str,
        patient: bool = False,
        clinic_test: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.patient = patient
        self.asked = tuple(
            item for item in items if clinic_test or item.code not in CLINIC_TEST_ITEMS
        )
        for item in self.asked:
            self.fields[item.code] = _field(item, language, patient=patient)

    @property
    def skippable(self) -> bool:
        """Whether the screen offers "Skip this question": on the patient's screens,
        when every question on it may be left blank."""
        questions = [item for item in self.asked if item.kind != "flag"]
        return self.patient and bool(questions) and not any(item.required for item in questions)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # Two values for one question (a crafted post: a page sends one) would otherwise
        # store the last one silently. An ambiguous answer is refused.
        if isinstance(self.data, QueryDict):
            for item in self.asked:
                if item.kind != "flag" and len(self.data.getlist(item.code)) > 1:
                    field = self.fields[item.code]
                    key = "required" if item.kind == "choice" else "invalid"
                    self.add_error(item.code, field.error_messages[key])
        if self.skippable:
            for item in self.asked:
                if (
                    item.kind != "flag"
                    and self.cleaned_data.get(item.code) is None
                    and not self.has_error(item.code)
                ):
                    self.add_error(item.code, _skip_or_answer(item))
        return cleaned

    def answers(self) -> dict[str, Answer]:
        values: dict[str, Answer] = {}
        for item in self.asked:
            value = self.cleaned_data.get(item.code)
            values[item.code] = bool(value) if item.kind == "flag" else value
        for item in self.items:
            if item.code not in values:
                values[item.code] = _own_estimate(item, values, self.items)
        return values

    def skipped(self) -> dict[str, Answer]:
        """What "Skip this question" stores: the screen's questions left blank on
        purpose, whatever was chosen before the button was pressed."""
        return {item.code: False if item.kind == "flag" else None for item in self.items}


def stored_initial(items: tuple[Item, ...], stored: dict[str, Answer]) -> dict[str, Answer]:
    """What the patient answered before, to show when they come back to a screen."""
    return {item.code: stored[item.code] for item in items if stored.get(item.code) is not None}
