"""Template helpers: accessible form fields, staff-entered text in two languages, distances,
the practice's identity and the study chart."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.templatetags.static import static
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, gettext_noop, ngettext, pgettext

from mildpath.core.phone import InvalidPhoneNumber, format_phone, normalize_phone
from mildpath.outcomes.queries import public_summary
from mildpath.practice.queries import IN_YOUR_AREA_MILES, PracticeIdentity, practice_identity

register = template.Library()


@register.filter
def as_phone(value: str) -> str:
    """A stored number (E.164) as people write it: "(310) 555-0100"."""
    return format_phone(value)


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


# Languages that capitalise a weekday's name wherever it stands; the others write it in
# lower case inside a sentence ("su cita del martes"), though Django's catalog gives it
# capitalised, as a label ("Martes").
WEEKDAY_ALWAYS_CAPITALISED = frozenset({"en"})


def _in_running_text(value: date | datetime, text: str) -> str:
    if (get_language() or "en").split("-")[0] in WEEKDAY_ALWAYS_CAPITALISED:
        return text
    weekday = date_format(value, "l")
    return text.replace(weekday, weekday.lower(), 1)


@register.filter(expects_localtime=True)
def long_date(value: date | datetime) -> str:
    """A weekday and full date, as each language writes it inside a sentence ("Monday,
    November 30, 2026"; "lunes, 30 de noviembre de 2026"). The format is in the
    translation catalog.

    The weekday is written as in running text: lower case in Spanish, capitalised in
    English. Where the date starts a heading, legend, caption, table row header, list item
    or button on its own, the template adds ``|capfirst`` ("Lunes, 30 de noviembre...").
    After a label ("Cuándo: lunes...", a ``<dd>``) or inside a sentence it stays as is."""
    text = date_format(value, pgettext("date format: weekday and full date", "l, F j, Y"))
    return _in_running_text(value, text)


@register.filter(expects_localtime=True)
def day_heading(value: date | datetime) -> str:
    """A weekday and day of the month ("Monday, November 30"; "lunes, 30 de noviembre"),
    as written inside a sentence: add ``|capfirst`` where it starts a heading on its own,
    by the same rule as ``long_date``."""
    text = date_format(value, pgettext("date format: weekday, day and month", "l, F j"))
    return _in_running_text(value, text)


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


@register.filter
def phone_link(value: object) -> str:
    """A clinic's phone number as a link that dials it, its text in the national format:
    ``{{ location|phone_link }}``, from anything with a ``phone`` in E.164 (a Location, the
    Practice, the brand) or from the number itself; "" when there is none. Safe to pass
    into ``{% blocktranslate with phone=... %}``; site.css keeps the number on one line."""
    raw = str(getattr(value, "phone", value) or "").strip()
    if not raw:
        return ""
    try:
        e164 = normalize_phone(raw)
    except InvalidPhoneNumber:
        # A number the library does not know (typed into the admin as text) still
        # dials, and reads as it was typed.
        digits = "".join(char for char in raw if char.isdigit() or char == "+")
        return format_html('<a href="tel:{}">{}</a>', digits, raw) if digits else raw
    return format_html('<a href="tel:{}">{}</a>', e164, format_phone(e164))


# A time of day with its "am", "p. m.": the spaces in it, so the two stay on one line.
_TIME_OF_DAY_SPACES = re.compile(r"\d\s+[ap]\.?\s?m\b\.?", re.IGNORECASE)


@register.filter(is_safe=True)
def keep_times_together(text: str) -> str:
    """Non-breaking spaces inside the times of day of a label ("a 5 p. m.", "to 5 pm"), so
    a narrow screen never leaves "m." or "pm" alone at the start of the next line."""
    return _TIME_OF_DAY_SPACES.sub(
        lambda time: re.sub(r"\s+", "\N{NO-BREAK SPACE}", time.group()), str(text)
    )


@register.simple_tag(takes_context=True)
def practice_brand(context: template.Context) -> PracticeIdentity:
    """The practice as the header and footer show it. On a page about one visit
    (``visit_location`` in the context) the number to call is that clinic's, the one
    the page itself gives: a patient should not have to choose between two."""
    brand = practice_identity(context.get("practice"))
    visit_location = context.get("visit_location")
    if visit_location is not None and visit_location.phone:
        return replace(
            brand, phone=visit_location.phone, phone_display=visit_location.phone_display
        )
    return brand


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


@dataclass(frozen=True)
class PublicResult:
    title: str
    when: str
    before: str
    after: str
    improvement: str
    low: str
    high: str
    n: int
    note: str


# measure -> (title, unit with %(n)s, decimals, lower is better)
_PUBLIC_MEASURES: dict[str, tuple[str, str, int, bool]] = {
    "walking_feet": (
        gettext_noop("How far people could walk"),
        gettext_noop("%(n)s feet"),
        0,
        False,
    ),
    "standing_minutes": (
        gettext_noop("How long people could stand"),
        gettext_noop("%(n)s minutes"),
        0,
        False,
    ),
    "nrs_leg": (
        gettext_noop("Leg pain, from 0 (none) to 10 (worst)"),
        gettext_noop("%(n)s out of 10"),
        1,
        True,
    ),
    "odi": (
        gettext_noop("Disability score (Oswestry), from 0 to 100"),
        gettext_noop("%(n)s out of 100"),
        0,
        True,
    ),
}


def _public_result(item: dict[str, Any]) -> PublicResult:
    measure = str(item["measure"])
    title, unit, places, lower_is_better = _PUBLIC_MEASURES[measure]

    def amount(value: float) -> str:
        return gettext(unit) % {
            "n": number_format(round(value, places), places, force_grouping=True)
        }

    # Shown as an improvement (a gain in feet, a drop in pain), with its interval.
    sign = -1.0 if lower_is_better else 1.0
    low, high = sorted(sign * float(bound) for bound in item["ci"])
    n, capped = int(item["n"]), int(item.get("capped") or 0)
    months = int(str(item["time_point"]).removeprefix("month_") or 12)
    note = ""
    if measure == "standing_minutes" and capped:
        note = ngettext(
            "Our standing test stops at 30 minutes. %(capped)s of %(n)s person was still "
            "standing when it stopped, so the real gain is larger than shown.",
            "Our standing test stops at 30 minutes. %(capped)s of %(n)s people were still "
            "standing when it stopped, so the real gain is larger than shown.",
            n,
        ) % {"capped": capped, "n": n}
    return PublicResult(
        title=gettext(title),
        when=ngettext("%(months)s month after mild", "%(months)s months after mild", months)
        % {"months": months},
        before=amount(float(item["before"])),
        after=amount(float(item["after"])),
        improvement=amount(sign * float(item["change"])),
        low=amount(low),
        high=amount(high),
        n=n,
        note=note,
    )


@register.inclusion_tag("site/_our_results.html")
def our_results(heading_id: str = "our-results-title", compact: bool = False) -> dict[str, object]:
    """The registry's live numbers for the public, computed by the worker (a public page
    never waits on the registry), or, below the minimum number of patients, why not yet."""
    summary = public_summary()
    data: dict[str, Any] = summary.data if summary is not None else {}
    items = [item for item in data.get("measures") or [] if item.get("measure") in _PUBLIC_MEASURES]
    return {
        "heading_id": heading_id,
        "compact": compact,
        "results": [_public_result(item) for item in items],
        "synthetic": bool(data.get("synthetic")),
        "minimum": data.get("minimum") or settings.MILDPATH_PUBLIC_RESULTS_MIN_N,
        "computed_at": summary.computed_at if summary is not None else None,
    }
