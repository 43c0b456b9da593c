"""A finished report's numbers as the page and the PDF show them: formatted in the
reader's language with each measure's decimals, p values as "< 0.001", intervals in
words, cells of fewer than 10 patients flagged, and a chart per measure. Both the
dashboard and ``pdf.report_pdf`` render ``_report.html`` from ``report_display``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mildpath.outcomes import charts, report
from mildpath.outcomes.registry import Filters
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires.progress import MEASURES as PROGRESS_MEASURES
from mildpath.questionnaires.progress import SHORT_NAMES, TIME_POINT_NAMES

# Fewer patients than this in a cell: the numbers move with one patient.
SMALL_N = charts.SMALL_N
DASH = "—"
LOWER_IS_BETTER = {m.key: m.lower_is_better for m in PROGRESS_MEASURES}
# Time points only a published study reports.
EXTRA_NAMES: dict[str, Promise] = {"month_36": gettext_lazy("36 months")}
EXTRA_SHORT: dict[str, Promise] = {"month_36": gettext_lazy("36 mo")}
# The days the freedom from a repeat procedure is read at, in words.
SURVIVAL_NAMES: dict[int, Promise] = {
    91: gettext_lazy("3 months"),
    182: gettext_lazy("6 months"),
    365: gettext_lazy("12 months"),
    730: gettext_lazy("24 months"),
}
SURVIVAL_SHORT: dict[int, Promise] = {
    91: gettext_lazy("3 mo"),
    182: gettext_lazy("6 mo"),
    365: gettext_lazy("12 mo"),
    730: gettext_lazy("24 mo"),
}
GRADE_NAMES = "Clavien-Dindo"
AGE_BAND_NAMES: dict[str, Promise] = {
    "under_65": gettext_lazy("aged under 65"),
    "65_74": gettext_lazy("aged 65 to 74"),
    "75_84": gettext_lazy("aged 75 to 84"),
    "85_up": gettext_lazy("aged 85 and over"),
}


def time_point_name(code: str) -> str:
    return str(TIME_POINT_NAMES.get(code) or EXTRA_NAMES.get(code) or code)


def _short(code: str) -> str:
    return str(SHORT_NAMES.get(code) or EXTRA_SHORT.get(code) or code)


# --- numbers in words ----------------------------------------------------------------------


def number(value: float | None, decimals: int) -> str:
    """A number with ``decimals`` places in the reader's language ("45.2", "45,2")."""
    if value is None or not math.isfinite(value):
        return DASH
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0.0"
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True)


def p_value(value: float | None, n: int) -> str:
    if value is None:
        return _("n too small") if n < 2 else DASH
    if value < 0.001:
        return "< " + formats.number_format(0.001, decimal_pos=3, use_l10n=True)
    return formats.number_format(value, decimal_pos=3, use_l10n=True)


def interval(ci: Any, decimals: int, *, scale: float = 1.0) -> str:
    """ "low to high", or an em dash when there is none."""
    if not isinstance(ci, list | tuple) or len(ci) != 2 or None in ci:
        return DASH
    return _("%(low)s to %(high)s") % {
        "low": number(ci[0] * scale, decimals),
        "high": number(ci[1] * scale, decimals),
    }


def mean_sd(summary: dict[str, Any], decimals: int) -> str:
    if not summary or summary.get("mean") is None:
        return DASH
    if summary.get("sd") is None:
        return number(summary["mean"], decimals)
    return f"{number(summary['mean'], decimals)} ({number(summary['sd'], decimals)})"


def median_iqr(summary: dict[str, Any], decimals: int) -> str:
    if not summary or summary.get("median") is None:
        return DASH
    return _("%(median)s (%(q1)s to %(q3)s)") % {
        "median": number(summary["median"], decimals),
        "q1": number(summary.get("q1"), decimals),
        "q3": number(summary.get("q3"), decimals),
    }


def proportion(p: dict[str, Any] | None) -> str:
    """ "62.0% (95% CI 55.1 to 68.4)" for k of n."""
    if not p or not p.get("n"):
        return DASH
    share = p.get("share")
    percent = number(share * 100 if share is not None else None, 1)
    return _("%(k)d of %(n)d: %(percent)s%% (%(ci)s)") % {
        "k": p.get("k", 0),
        "n": p["n"],
        "percent": percent,
        "ci": interval(p.get("ci"), 1, scale=100),
    }


def mean_interval(summary: dict[str, Any]) -> tuple[float | None, float | None]:
    """The 95% interval of a mean from its SD and n (t distribution), for the chart's
    error bars; (None, None) below two values."""
    n, mean, sd = summary.get("n") or 0, summary.get("mean"), summary.get("sd")
    if n < 2 or mean is None or sd is None:
        return None, None
    from scipy import stats  # loaded on first use, as in ``outcomes.stats``

    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    time_point: str
    n: int
    small: bool
    baseline: str
    follow_up: str
    median: str
    change: str
    change_ci: str
    t_p: str
    wilcoxon_p: str
    responders: str
    censored: str
    km_median: str


@dataclass(frozen=True)
class PublishedRow:
    study: str
    time_point: str
    value: str
    n: int
    citation: str


@dataclass(frozen=True)
class MeasureReport:
    code: str
    label: str
    unit: str
    svg: str
    baseline: str
    baseline_n: int
    baseline_capped: int
    rows: list[MeasureRow]
    published: list[PublishedRow]
    responders: bool
    censored: bool
    lower_bound: bool  # a follow-up value stopped at the cap: the mean change is a bound
    any_small: bool


@dataclass(frozen=True)
class SurvivalRow:
    when: str
    day: int
    at_risk: int
    survival: str
    ci: str
    small: bool


@dataclass(frozen=True)
class ComplicationRow:
    label: str
    value: str


@dataclass
class ReportDisplay:
    synthetic: bool
    patients: int
    generated_at: datetime | None
    filters: list[str]
    measures: list[MeasureReport] = field(default_factory=list)
    answered: list[tuple[str, int]] = field(default_factory=list)
    survival_svg: str = ""
    survival_rows: list[SurvivalRow] = field(default_factory=list)
    survival_any_small: bool = False
    survival: dict[str, int] = field(default_factory=dict)
    complications: list[ComplicationRow] = field(default_factory=list)
    resamples: int = 2000
    seed: int | None = None


def filters_in_words(filters: Filters) -> list[str]:
    """Each filter as a phrase ("treated at Pasadena"); empty for the whole registry."""
    words = []
    if filters.location is not None:
        place = Location.objects.filter(pk=filters.location).first()
        words.append(
            _("treated at %(place)s")
            % {"place": place.name if place else _("location %d") % filters.location}
        )
    if filters.practitioner is not None:
        doctor = Practitioner.objects.filter(pk=filters.practitioner).first()
        words.append(
            _("treated by %(doctor)s")
            % {"doctor": doctor.display_name if doctor else _("doctor %d") % filters.practitioner}
        )
    if filters.levels == "1":
        words.append(_("one level treated"))
    elif filters.levels == "2":
        words.append(_("two or more levels treated"))
    if filters.level:
        words.append(_("%(level)s among the levels treated") % {"level": filters.level})
    if filters.since:
        words.append(
            _("procedures from %(day)s")
            % {"day": formats.date_format(filters.since, "DATE_FORMAT")}
        )
    if filters.until:
        words.append(
            _("procedures until %(day)s")
            % {"day": formats.date_format(filters.until, "DATE_FORMAT")}
        )
    if filters.age_band in AGE_BAND_NAMES:
        words.append(str(AGE_BAND_NAMES[filters.age_band]))
    if filters.payer == "medicare":
        words.append(_("Medicare patients (in the approved study)"))
    elif filters.payer == "other":
        words.append(_("patients of other payers"))
    return words


def _row(row: dict[str, Any], decimals: int, censored: bool) -> MeasureRow:
    n = int(row.get("n") or 0)
    km = row.get("km_median")
    km_text = ""
    if censored:
        if not km or km.get("value") is None:
            km_text = DASH
        elif km.get("not_reached"):
            km_text = _("not reached (at least %(value)s)") % {
                "value": number(km["value"], decimals)
            }
        else:
            km_text = f"{number(km['value'], decimals)} ({interval(km.get('ci'), decimals)})"
    capped = int(row.get("censored_follow_up") or 0)
    return MeasureRow(
        time_point=time_point_name(str(row.get("time_point", ""))),
        n=n,
        small=0 < n < SMALL_N,
        baseline=mean_sd(row.get("baseline") or {}, decimals),
        follow_up=mean_sd(row.get("follow_up") or {}, decimals),
        median=median_iqr(row.get("follow_up") or {}, decimals),
        change=number((row.get("change") or {}).get("mean"), decimals),
        change_ci=_("n too small") if n == 1 else interval(row.get("change_ci"), decimals),
        t_p=p_value(row.get("t_p"), n) if n else DASH,
        wilcoxon_p=p_value(row.get("wilcoxon_p"), n) if n else DASH,
        responders=proportion(row.get("responders")),
        censored=(
            _("%(k)d of %(n)d stopped at the test's limit") % {"k": capped, "n": n}
            if censored and n
            else ""
        ),
        km_median=km_text,
    )


def _published(item: dict[str, Any], decimals: int) -> PublishedRow:
    value = item.get("value")
    shown = number(value, decimals)
    if item.get("kind") == "change":
        shown = _("change %(value)s") % {"value": shown}
    else:
        shown = _("mean %(value)s") % {"value": shown}
    return PublishedRow(
        study=str(item.get("study", "")),
        time_point=time_point_name(str(item.get("time_point", ""))),
        value=shown,
        n=int(item.get("n") or 0),
        citation=str(item.get("citation", "")),
    )


def _measure(data: dict[str, Any], labels: dict[str, tuple[str, str, int]]) -> MeasureReport:
    code = str(data.get("measure", ""))
    label, unit, decimals = labels.get(code, (code, "", 1))
    censored = code in report.CENSORED
    baseline = data.get("baseline") or {}
    rows = [_row(row, decimals, censored) for row in data.get("rows") or []]
    points: list[charts.MeanPoint] = [
        (_short("baseline"), baseline.get("mean"), *mean_interval(baseline), baseline.get("n") or 0)
    ]
    for row in data.get("rows") or []:
        follow_up = row.get("follow_up") or {}
        points.append(
            (
                _short(str(row.get("time_point", ""))),
                follow_up.get("mean"),
                *mean_interval(follow_up),
                int(row.get("n") or 0),
            )
        )
    published: list[charts.Published] = []
    for item in data.get("published") or []:
        value = item.get("value")
        if value is None:
            continue
        if item.get("kind") == "change":
            if baseline.get("mean") is None:
                continue
            legend = _("%(study)s: published mean change (n %(n)d), from this baseline")
            value = baseline["mean"] + value
        else:
            legend = _("%(study)s: published mean (n %(n)d)")
        published.append(
            (
                _short(str(item.get("time_point", ""))),
                float(value),
                legend % {"study": item.get("study", ""), "n": item.get("n") or 0},
            )
        )
    svg = charts.measure_chart(
        title=label,
        unit=unit,
        points=points,
        published=published,
        lower_is_better=LOWER_IS_BETTER.get(code, True),
        description=_(
            "The registry's mean %(measure)s at each time point with its 95%% confidence "
            "interval, beside the published studies. The numbers are in the table after "
            "the chart."
        )
        % {"measure": label},
        mean_label=_("Registry mean with its 95%% CI") % {},
        small_label=_("Fewer than 10 patients: unstable"),
        better_label=_("Better"),
    )
    return MeasureReport(
        code=code,
        label=label,
        unit=unit,
        svg=svg,
        baseline=mean_sd(baseline, decimals),
        baseline_n=int(baseline.get("n") or 0),
        baseline_capped=int(data.get("baseline_capped") or 0),
        rows=rows,
        published=[_published(item, decimals) for item in data.get("published") or []],
        responders=code in report.RESPONDER_RULE,
        censored=censored,
        lower_bound=any((row.get("censored_follow_up") or 0) > 0 for row in data.get("rows") or []),
        any_small=any(row.small for row in rows),
    )


def _survival(display: ReportDisplay, survival: dict[str, Any]) -> None:
    points = survival.get("points") or []
    display.survival = {
        key: int(survival.get(key) or 0)
        for key in ("n", "events", "repeat_procedures", "surgeries")
    }
    for point in points:
        day = int(point.get("day") or 0)
        at_risk = int(point.get("at_risk") or 0)
        share = point.get("survival")
        display.survival_rows.append(
            SurvivalRow(
                when=str(SURVIVAL_NAMES.get(day) or _("day %(day)d") % {"day": day}),
                day=day,
                at_risk=at_risk,
                survival=DASH if share is None else number(share * 100, 1) + "%",
                ci=interval(point.get("ci"), 1, scale=100),
                small=at_risk < SMALL_N,
            )
        )
    display.survival_any_small = any(row.small for row in display.survival_rows)
    ticks = [(0.0, "0")] + [
        (float(day), str(SURVIVAL_SHORT.get(int(day)) or day))
        for day in (p.get("day") for p in points)
        if day is not None
    ]
    display.survival_svg = charts.survival_chart(
        title=_("Freedom from a repeat procedure or surgery"),
        points=[
            (
                float(p.get("day") or 0),
                p.get("survival"),
                *((p.get("ci") or [None, None])[:2]),
            )
            for p in points
        ],
        description=_(
            "Kaplan-Meier estimate of the share of patients with neither a repeat "
            "procedure nor spine surgery, with its 95%% confidence band. The numbers, with "
            "the patients still followed, are in the table after the chart."
        )
        % {},
        x_label=_("Time since the procedure"),
        y_label=_("Free of both (%)"),
        x_ticks=ticks,
        curve_label=_("Kaplan-Meier estimate"),
        band_label=_("95%% confidence band") % {},
    )


def _complications(display: ReportDisplay, data: dict[str, Any]) -> None:
    display.complications = [
        ComplicationRow(_("Any complication"), proportion(data.get("any"))),
        ComplicationRow(
            _("Serious (Clavien-Dindo grade III or higher)"), proportion(data.get("serious"))
        ),
    ]
    for grade, value in (data.get("by_grade") or {}).items():
        display.complications.append(
            ComplicationRow(
                _("Grade %(grade)s (%(scale)s)") % {"grade": grade, "scale": GRADE_NAMES},
                proportion(value),
            )
        )


def report_display(result: dict[str, Any]) -> ReportDisplay:
    """What ``_report.html`` shows of a report's result (``report.report_build``)."""
    generated = result.get("generated_at")
    display = ReportDisplay(
        synthetic=bool(result.get("synthetic")),
        patients=int(result.get("patients") or 0),
        generated_at=datetime.fromisoformat(generated) if isinstance(generated, str) else None,
        filters=filters_in_words(Filters.from_dict(result.get("filters") or {})),
    )
    labels = {
        code: (str(label), str(unit), places) for code, label, unit, places in report.MEASURES
    }
    display.measures = [_measure(item, labels) for item in result.get("measures") or []]
    answered = result.get("answered_odi") or {}
    display.answered = [(time_point_name(code), int(count)) for code, count in answered.items()]
    _survival(display, result.get("survival") or {})
    _complications(display, result.get("complications") or {})
    method = result.get("method") or {}
    display.resamples = int(method.get("bootstrap_resamples") or 2000)
    display.seed = method.get("bootstrap_seed")
    return display
