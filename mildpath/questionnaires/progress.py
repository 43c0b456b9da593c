"""A patient's progress, measure by measure: the table and the chart, with the
minimal-important-change band and the published results at the same time points.
Shared by the staff's page and the patient's own (through their link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mildpath.questionnaires.charts import ChartPoint, ProgressChart, Reference, progress_svg
from mildpath.questionnaires.published import figures_for
from mildpath.questionnaires.queries import Reading
from mildpath.questionnaires.scoring import MINIMAL_IMPORTANT_CHANGE

# Where each time point sits on the chart, in months from the anchor.
MONTHS = {
    "baseline": 0.0,
    "week_1": 0.25,
    "week_6": 1.4,
    "month_3": 3.0,
    "month_6": 6.0,
    "month_12": 12.0,
    "month_24": 24.0,
}
TIME_POINT_NAMES: dict[str, Promise] = {
    "baseline": gettext_lazy("Before treatment"),
    "week_1": gettext_lazy("1 week"),
    "week_6": gettext_lazy("6 weeks"),
    "month_3": gettext_lazy("3 months"),
    "month_6": gettext_lazy("6 months"),
    "month_12": gettext_lazy("12 months"),
    "month_24": gettext_lazy("24 months"),
}
SHORT_NAMES: dict[str, Promise] = {
    "baseline": gettext_lazy("Start"),
    "week_1": gettext_lazy("1 wk"),
    "week_6": gettext_lazy("6 wk"),
    "month_3": gettext_lazy("3 mo"),
    "month_6": gettext_lazy("6 mo"),
    "month_12": gettext_lazy("12 mo"),
    "month_24": gettext_lazy("24 mo"),
}


def time_point_name(code: str) -> str:
    return str(TIME_POINT_NAMES.get(code, code))


@dataclass(frozen=True)
class Measure:
    key: str
    title: Promise
    plain: Promise  # what it means, in the patient's words
    clinical: Promise  # the same for the care team, about the patient
    axis: Promise
    low: float
    high: float | None
    lower_is_better: bool
    # The smallest change that matters: points (and a share of the baseline); a change
    # within it may be day-to-day variation.
    mic_points: float | None = None
    mic_share: float | None = None
    decimals: int = 0

    @property
    def floatformat(self) -> str:
        """The ``floatformat`` argument that writes a score: its decimals, thousands
        grouped as the reader's language groups them ("1,200 feet", "1 200 pies")."""
        return f"{self.decimals}g"


MEASURES: tuple[Measure, ...] = (
    Measure(
        "odi",
        gettext_lazy("Oswestry Disability Index (ODI)"),
        gettext_lazy("How much your back or legs limit everyday life. Lower is better."),
        gettext_lazy(
            "Disability in everyday activities from back or leg symptoms, 0 to 100. "
            "Lower is better."
        ),
        gettext_lazy("Score (0 to 100)"),
        0,
        100,
        True,
        *MINIMAL_IMPORTANT_CHANGE["odi"],
        decimals=1,
    ),
    Measure(
        "nrs_back",
        gettext_lazy("Back pain (0 to 10)"),
        gettext_lazy("Your back pain on average, from 0 (none) to 10 (worst). Lower is better."),
        gettext_lazy("Average back pain, from 0 (none) to 10 (worst). Lower is better."),
        gettext_lazy("Pain (0 to 10)"),
        0,
        10,
        True,
        *MINIMAL_IMPORTANT_CHANGE["nrs"],
    ),
    Measure(
        "nrs_leg",
        gettext_lazy("Leg pain (0 to 10)"),
        gettext_lazy("Your leg pain on average, from 0 (none) to 10 (worst). Lower is better."),
        gettext_lazy("Average leg pain, from 0 (none) to 10 (worst). Lower is better."),
        gettext_lazy("Pain (0 to 10)"),
        0,
        10,
        True,
        *MINIMAL_IMPORTANT_CHANGE["nrs"],
    ),
    Measure(
        "zcq_symptom",
        gettext_lazy("Zurich Claudication Questionnaire: symptoms"),
        gettext_lazy("How strong your symptoms are, from 1 to 5. Lower is better."),
        gettext_lazy("Severity of symptoms, from 1 to 5. Lower is better."),
        gettext_lazy("Score (1 to 5)"),
        1,
        5,
        True,
        0.5,
        decimals=2,
    ),
    Measure(
        "zcq_function",
        gettext_lazy("Zurich Claudication Questionnaire: walking ability"),
        gettext_lazy("How hard walking is for you, from 1 to 4. Lower is better."),
        gettext_lazy("Physical function (walking), from 1 to 4. Lower is better."),
        gettext_lazy("Score (1 to 4)"),
        1,
        4,
        True,
        0.5,
        decimals=2,
    ),
    Measure(
        "standing_minutes",
        gettext_lazy("Standing time"),
        gettext_lazy("How many minutes you can stand before you need to sit. Higher is better."),
        gettext_lazy("Minutes the patient can stand before needing to sit. Higher is better."),
        gettext_lazy("Minutes"),
        0,
        None,
        False,
    ),
    Measure(
        "walking_feet",
        gettext_lazy("Walking distance"),
        gettext_lazy("How far you can walk before you need to stop, in feet. Higher is better."),
        gettext_lazy("Feet the patient can walk before needing to stop. Higher is better."),
        gettext_lazy("Feet"),
        0,
        None,
        False,
    ),
)


@dataclass(frozen=True)
class Row:
    time_point: str
    name: str
    target: date
    value: float | int
    change: float | int | None
    capped: bool


@dataclass(frozen=True)
class MeasureProgress:
    measure: Measure
    description: str  # what the measure means, in the words of whoever reads it
    rows: list[Row]
    svg: str
    references: list[tuple[str, str, float]]  # (time point name, study and citation, value)


def _band(measure: Measure, baseline: float) -> tuple[float, float] | None:
    """The band of changes from baseline too small to matter."""
    if measure.mic_points is None:
        return None
    smallest = measure.mic_points
    if measure.mic_share is not None and baseline > 0:
        smallest = min(smallest, measure.mic_share * baseline)
    return (baseline - smallest, baseline)


def measure_progress(
    measure: Measure, readings: list[Reading], *, for_staff: bool = False
) -> MeasureProgress:
    """One measure's rows, chart and published comparisons, worded for the patient
    ("your answers") or, ``for_staff``, for the care team ("this patient")."""
    baseline = next((reading.value for reading in readings if reading.code == "baseline"), None)
    rows = [
        Row(
            time_point=reading.code,
            name=time_point_name(reading.code),
            target=reading.target,  # type: ignore[arg-type]
            value=reading.value or 0,
            change=(
                round(reading.value - baseline, measure.decimals)
                if baseline is not None and reading.value is not None and reading.code != "baseline"
                else None
            ),
            capped=reading.capped,
        )
        for reading in readings
    ]
    references = []
    chart_references = []
    for figure in figures_for(measure.key):
        if figure.kind == "change" and baseline is None:
            continue
        value = figure.value if figure.kind == "mean" else (baseline or 0) + figure.value
        label = (
            _("%(study)s: average of %(n)d patients") % {"study": figure.study, "n": figure.n}
            if figure.kind == "mean"
            else (
                _("%(study)s: this patient's start plus the average change of %(n)d patients")
                if for_staff
                else _("%(study)s: your start plus the average change of %(n)d patients")
            )
            % {"study": figure.study, "n": figure.n}
        )
        chart_references.append(Reference(x=MONTHS[figure.time_point], value=value, label=label))
        references.append((time_point_name(figure.time_point), figure.citation, round(value, 1)))
    # Ticks at every time point answered and every one a published figure sits at.
    seen = {row.time_point for row in rows} | {f.time_point for f in figures_for(measure.key)}
    codes = [code for code in MONTHS if code in seen or code in ("baseline", "month_12")]
    points = [
        ChartPoint(
            x=MONTHS[code],
            label=str(SHORT_NAMES[code]),
            value=next((float(row.value) for row in rows if row.time_point == code), None),
            capped=any(row.capped for row in rows if row.time_point == code),
        )
        for code in codes
    ]
    band = _band(measure, float(baseline)) if baseline is not None else None
    description = str(measure.clinical if for_staff else measure.plain)
    svg = progress_svg(
        ProgressChart(
            title=str(measure.title),
            y_label=str(measure.axis),
            y_min=measure.low,
            y_max=measure.high,
            lower_is_better=measure.lower_is_better,
            points=points,
            band=band,
            band_label=_("Changes inside this band may be day-to-day variation") if band else "",
            references=chart_references,
            description=description,
            your_label=_("This patient") if for_staff else _("Your answers"),
            capped_label=_("At the test's limit (at least this much)"),
            better_label=_("Better"),
            decimal_separator=str(get_format("DECIMAL_SEPARATOR")),
        )
    )
    return MeasureProgress(
        measure=measure, description=description, rows=rows, svg=svg, references=references
    )


def progress(
    readings: dict[str, list[Reading]], *, for_staff: bool = False
) -> list[MeasureProgress]:
    """Every measure the patient has answered, in the order of ``MEASURES``."""
    return [
        measure_progress(measure, readings[measure.key], for_staff=for_staff)
        for measure in MEASURES
        if readings.get(measure.key)
    ]


@dataclass(frozen=True)
class LatestScore:
    """A measure's latest complete score, with its change from before treatment."""

    measure: Measure
    value: float | int
    time_point: str
    target: date
    change: float | int | None
    capped: bool
    baseline: float | int | None = None
    baseline_capped: bool = False
    baseline_target: date | None = None

    @property
    def at_a_limit(self) -> bool:
        """A value at a test's cap: the true one is higher, so no change can be judged."""
        return self.capped or self.baseline_capped

    @property
    def better(self) -> bool | None:
        """Whether the change from before treatment is for the better; None when there is
        none to judge: no change, a change smaller than the measure's minimal important
        change (day-to-day variation), or a value at a test's cap (the true one is
        higher)."""
        if not self.change or self.at_a_limit:
            return None
        smallest = self.measure.mic_points
        if smallest is not None:
            if self.measure.mic_share is not None and self.baseline:
                smallest = min(smallest, self.measure.mic_share * self.baseline)
            if abs(self.change) < smallest:
                return None
        return (self.change < 0) == self.measure.lower_is_better

    @property
    def unit(self) -> str:
        """What the number counts, unless the measure's name already says its scale."""
        axis = str(self.measure.axis)
        scale = axis[axis.find("(") :] if "(" in axis else ""
        return "" if scale and scale in str(self.measure.title) else axis.lower()


def latest_scores(readings: dict[str, list[Reading]]) -> list[LatestScore]:
    """Each answered measure's latest score, with its change from before treatment:
    the clinician's chart lists them, the patient's progress page opens with them."""
    latest = []
    for measure in MEASURES:
        answered = [r for r in readings.get(measure.key, []) if r.value is not None]
        if not answered:
            continue
        last = answered[-1]
        first = next((r for r in answered if r.code == "baseline"), None)
        baseline = first.value if first is not None else None
        change = None
        if baseline is not None and last.code != "baseline":
            change = round(last.value - baseline, measure.decimals)  # type: ignore[operator]
        latest.append(
            LatestScore(
                measure=measure,
                value=last.value,  # type: ignore[arg-type]
                time_point=time_point_name(last.code),
                target=last.target,  # type: ignore[arg-type]
                change=change,
                capped=last.capped,
                baseline=baseline,
                baseline_capped=first.capped if first is not None else False,
                baseline_target=first.target if first is not None else None,  # type: ignore[arg-type]
            )
        )
    return latest
