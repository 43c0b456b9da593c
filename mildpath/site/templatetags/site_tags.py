"""Template helpers: accessible form fields, staff-entered text in two languages, distances,
the practice's identity and the study chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django import forms, template
from django.forms.boundfield import BoundField
from django.templatetags.static import static
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, pgettext

from mildpath.practice.queries import IN_YOUR_AREA_MILES, PracticeIdentity, practice_identity

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


@register.filter
def distance(miles: float | None) -> str:
    """A straight-line distance as each language writes it: "In your area" when the ZIP
    code's centre is at the location, else whole miles ("12 miles away", "1,204 miles
    away"; "12 millas", "1204 millas" with the language's own separators)."""
    if miles is None:
        return ""
    if miles < IN_YOUR_AREA_MILES:
        return gettext("In your area")
    whole = round(miles)
    return ngettext("%(miles)s mile away", "%(miles)s miles away", whole) % {
        "miles": number_format(whole, force_grouping=True)
    }


@register.filter
def static_or_blank(path: str) -> str:
    """The URL of a static file named in data (a logo, a doctor's photo), or "" when it
    is missing from the manifest, so a typo in the admin never breaks a page."""
    if not path:
        return ""
    try:
        return static(path)
    except ValueError:
        return ""


@register.simple_tag(takes_context=True)
def practice_brand(context: template.Context) -> PracticeIdentity:
    return practice_identity(context.get("practice"))


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    percent: float  # of the longest bar in its measure
    after: bool


@dataclass(frozen=True)
class Measure:
    title: str
    bars: list[Bar]


def study_measures() -> list[Measure]:
    """The practice's before/after table (Mekhail 2012, 40 patients, 12 months) as bars,
    each measure scaled to its own longest bar."""
    rows = [
        (gettext("How long people could stand"), 8, 56, gettext("%(n)s minutes")),
        (gettext("How far people could walk"), 250, 4000, gettext("about %(n)s feet")),
    ]
    measures = []
    for title, before, after, unit in rows:
        top = max(before, after)
        measures.append(
            Measure(
                title=title,
                bars=[
                    Bar(
                        gettext("Before mild"),
                        unit % {"n": number_format(before, force_grouping=True)},
                        round(100 * before / top, 1),
                        after=False,
                    ),
                    Bar(
                        gettext("12 months after"),
                        unit % {"n": number_format(after, force_grouping=True)},
                        round(100 * after / top, 1),
                        after=True,
                    ),
                ],
            )
        )
    return measures


@register.inclusion_tag("site/_study_chart.html")
def study_chart(heading_id: str = "study-chart-title") -> dict[str, object]:
    return {"measures": study_measures(), "heading_id": heading_id}
