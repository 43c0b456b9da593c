"""One screen of a questionnaire as a Django form: each item a field, labelled with its
question in the reader's language, with messages that say what to do."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from mildpath.questionnaires.answers import Answer
from mildpath.questionnaires.instruments import Item


def _field(item: Item, language: str) -> forms.Field:
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
        return forms.IntegerField(
            label=label,
            help_text=help_text,
            min_value=item.minimum,
            max_value=item.maximum,
            required=item.required,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "number-answer"}),
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


class ScreenForm(forms.Form):
    """The items of one screen. ``answers()`` gives what to store: every item on the
    screen, a blank one (an ODI section the patient skipped) as None."""

    def __init__(self, *args: Any, items: tuple[Item, ...], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[item.code] = _field(item, language)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # Two values for one question (a crafted post: a page sends one) would otherwise
        # store the last one silently. An ambiguous answer is refused.
        if isinstance(self.data, QueryDict):
            for item in self.items:
                if item.kind != "flag" and len(self.data.getlist(item.code)) > 1:
                    field = self.fields[item.code]
                    key = "required" if item.kind == "choice" else "invalid"
                    self.add_error(item.code, field.error_messages[key])
        return cleaned

    def answers(self) -> dict[str, Answer]:
        values: dict[str, Answer] = {}
        for item in self.items:
            value = self.cleaned_data.get(item.code)
            values[item.code] = bool(value) if item.kind == "flag" else value
        return values


def stored_initial(items: tuple[Item, ...], stored: dict[str, Answer]) -> dict[str, Answer]:
    """What the patient answered before, to show when they come back to a screen."""
    return {item.code: stored[item.code] for item in items if stored.get(item.code) is not None}
