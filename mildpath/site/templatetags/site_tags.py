"""Template helpers: accessible form fields and staff-entered text in two languages."""

from __future__ import annotations

from datetime import date, datetime

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def is_choice_list(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.filter
def describedby(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_hint")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def accessible_widget(field: BoundField) -> SafeString:
    attrs: dict[str, str | bool] = {}
    if ids := describedby(field):
        attrs["aria-describedby"] = ids
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def first_input_id(field: BoundField) -> str:
    """The id to jump to from the error summary: the first option of a choice list."""
    if is_choice_list(field):
        return f"{field.auto_id}_0"
    return str(field.id_for_label)


@register.filter
def localized(obj: object, field: str) -> str:
    """Staff-entered text in the reader's language, falling back to English."""
    return obj.localized(field)  # type: ignore[attr-defined]


@register.filter
def summary_label(label: str) -> str:
    """A field's label as the lead-in of its error summary line: "Your name:", "How long…?"."""
    text = str(label).rstrip(" .:")
    return text if text.endswith("?") else f"{text}:"


@register.filter(expects_localtime=True)
def long_date(value: date | datetime) -> str:
    """A weekday and full date, as each language writes it ("Monday, November 30, 2026";
    "lunes, 30 de noviembre de 2026"). The format is in the translation catalog."""
    return date_format(value, pgettext("date format: weekday and full date", "l, F j, Y"))


@register.filter(expects_localtime=True)
def day_heading(value: date | datetime) -> str:
    """A weekday and day of the month, for a day's heading ("Monday, November 30")."""
    return date_format(value, pgettext("date format: weekday, day and month", "l, F j"))
