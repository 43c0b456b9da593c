"""The outcomes report's charts, as accessible inline SVG. Pure: no Django.

Drawn like the patient's progress chart (``questionnaires.charts``): matplotlib's object
API, real text, no inline style (the site's Content-Security-Policy holds), a <title>
and a <desc>, ids prefixed per chart, the same input giving the same bytes, and sized
to read on a 390 px phone. The rcParams and the lock are that module's: matplotlib's
settings are process-global, so every chart of the process draws under one lock.

Every label arrives already translated; nothing here is English on its own.
"""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from mildpath.questionnaires.charts import (
    AXES_WIDTH_PT,
    CHART_LOCK,
    CHART_RC,
    FONT_SIZE,
    GRID,
    TEXT,
    inline_svg,
)

MEAN, BAND, BAND_EDGE = "#1d4ed8", "#dbeafe", "#1d4ed8"
# Published studies: colours with 3:1 or more against white, and each its own marker, so
# they tell apart without colour too.
STUDY_STYLES = (("#92400e", "D"), ("#6d28d9", "s"), ("#0f766e", "^"), ("#be185d", "v"))
# Below this many patients a mean is drawn hollow: it moves with one patient.
SMALL_N = 10

# (time point label, mean, 95% CI low, 95% CI high, n)
MeanPoint = tuple[str, float | None, float | None, float | None, int]
# (time point label, value, legend label of the study)
Published = tuple[str, float, str]
# (day, survival, band low, band high)
SurvivalPoint = tuple[float, float | None, float | None, float | None]


def _svg(fig: Figure, *, title: str, description: str, key: str) -> str:
    """The figure as SVG to inline in HTML, with its title and description."""
    chart_id = "chart-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buffer.getvalue(), title=title, description=description, chart_id=chart_id)


def _legend(fig: Figure, ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            [textwrap.fill(label, 42) for label in labels],
            loc="outside lower center",
            ncols=1,
            frameon=False,
            fontsize=FONT_SIZE,
        )


def _better_arrow(ax: Axes, *, lower_is_better: bool, label: str) -> None:
    tail, head = (0.8, 0.2) if lower_is_better else (0.2, 0.8)
    ax.annotate(
        "",
        xy=(1.03, head),
        xytext=(1.03, tail),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>", "color": TEXT, "linewidth": 2},
    )
    ax.text(1.06, 0.5, label, transform=ax.transAxes, rotation=270, va="center", ha="left")


def _ticks(ax: Axes, ticks: Sequence[tuple[float, str]], low: float, high: float) -> None:
    """Tick labels at their places; a label that would touch its neighbour goes on a
    second row below the first (rotated text is harder to read)."""
    rows: list[int] = []
    last: list[tuple[float, float] | None] = [None, None]  # per row: (position, half width)
    for x, label in ticks:
        pos = (x - low) / ((high - low) or 1.0) * AXES_WIDTH_PT
        half = len(label) * 0.31 * FONT_SIZE
        free = [r for r in (0, 1) if (p := last[r]) is None or pos - p[0] > p[1] + half + 6]
        row = free[0] if free else 1
        rows.append(row)
        last[row] = (pos, half)
    for row in (0, 1):
        chosen = [tick for tick, r in zip(ticks, rows, strict=True) if r == row]
        ax.set_xticks([x for x, _ in chosen], [label for _, label in chosen], minor=row == 1)
    ax.tick_params(axis="x", which="minor", length=3.5, pad=3.5 + FONT_SIZE * 1.35)


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def measure_chart(
    *,
    title: str,
    unit: str,
    points: Sequence[MeanPoint],
    published: Sequence[Published] = (),
    lower_is_better: bool,
    description: str = "",
    mean_label: str = "Registry mean with its 95% CI",
    small_label: str = "Fewer than 10 patients: unstable",
    better_label: str = "Better",
) -> str:
    """The registry's mean of one measure at each time point (baseline first) with its 95%
    confidence interval as error bars, and the published studies' figures as markers of
    their own, one legend entry per study. A time point a study reports and the registry
    does not (36 months) gets a tick of its own after the registry's."""
    labels = [point[0] for point in points]
    ours = set(labels)
    for label, _value, _study in published:
        if label not in labels:
            labels.append(label)
    where = {label: i for i, label in enumerate(labels)}
    key = repr((title, unit, list(points), list(published), lower_is_better, description))
    key += repr((mean_label, small_label, better_label))

    import matplotlib  # loaded by the first chart drawn (``questionnaires.charts``)
    from matplotlib.figure import Figure

    with CHART_LOCK, matplotlib.rc_context(CHART_RC):
        # The legend below the plot grows with the studies; the plot keeps its height.
        entries = 2 + len(set(study for _label, _value, study in published))
        fig = Figure(figsize=(4.4, 3.0 + 0.42 * entries), layout="constrained")
        ax = fig.add_subplot()
        ax.set_ylabel(unit)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color=GRID, linewidth=1)
        ax.set_axisbelow(True)

        xs = [float(where[p[0]]) for p in points]
        means = [p[1] if p[1] is not None and math.isfinite(p[1]) else math.nan for p in points]
        seen: list[float] = [m for m in means if not math.isnan(m)]
        if seen:
            ax.plot(xs, means, color=MEAN, linewidth=2, zorder=2)
        for x, (_label, mean, low, high, _n) in zip(xs, points, strict=True):
            if mean is None or low is None or high is None or not _finite(mean, low, high):
                continue
            seen += [low, high]
            ax.errorbar(
                [x],
                [mean],
                yerr=[[max(mean - low, 0.0)], [max(high - mean, 0.0)]],
                fmt="none",
                ecolor=MEAN,
                elinewidth=1.8,
                capsize=5,
                capthick=1.8,
                zorder=3,
            )
        drawn = [
            (x, m, p[4]) for x, m, p in zip(xs, means, points, strict=True) if not math.isnan(m)
        ]
        for filled, label in ((True, mean_label), (False, small_label)):
            mine = [(x, m) for x, m, n in drawn if (n >= SMALL_N) == filled]
            if not mine:
                continue
            ax.plot(
                [x for x, _ in mine],
                [m for _, m in mine],
                linestyle="none",
                marker="o",
                markersize=7,
                markerfacecolor=MEAN if filled else "white",
                markeredgecolor=MEAN,
                markeredgewidth=2,
                label=label,
                zorder=4,
            )

        studies = list(dict.fromkeys(study for _label, _value, study in published))
        for number, study in enumerate(studies):
            colour, marker = STUDY_STYLES[number % len(STUDY_STYLES)]
            # Beside the registry's point, not on top of its error bar.
            offset = 0.16 * (number + 1)
            mine = [
                (where[label] + (offset if label in ours else 0.0), value)
                for label, value, s in published
                if s == study
            ]
            seen += [value for _, value in mine]
            ax.plot(
                [x for x, _ in mine],
                [value for _, value in mine],
                linestyle="none",
                marker=marker,
                markersize=7,
                markerfacecolor="white",
                markeredgecolor=colour,
                markeredgewidth=2,
                label=study,
                zorder=4,
            )

        right = max(len(labels), 1) - 0.5
        ax.set_xlim(-0.5, right)
        _ticks(ax, [(float(i), label) for i, label in enumerate(labels)], -0.5, right)
        low_edge = min(0.0, *seen) if seen else 0.0
        high_edge = max(seen) if seen else 1.0
        span = (high_edge - low_edge) or 1.0
        ax.set_ylim(low_edge, high_edge + span * 0.1)
        _better_arrow(ax, lower_is_better=lower_is_better, label=better_label)
        _legend(fig, ax)
        return _svg(fig, title=title, description=description, key=key)


def survival_chart(
    *,
    title: str,
    points: Sequence[SurvivalPoint],
    description: str = "",
    x_label: str = "Days since the procedure",
    y_label: str = "Free of the event (%)",
    x_ticks: Sequence[tuple[float, str]] = (),
    curve_label: str = "Kaplan-Meier estimate",
    band_label: str = "95% confidence band",
) -> str:
    """A Kaplan-Meier curve read at a few days, as a step curve from 100% at day 0 with
    its confidence band shaded; the points read are marked."""
    known = [p for p in points if _finite(p[1])]
    key = repr((title, list(points), description, x_label, y_label, list(x_ticks)))
    key += repr((curve_label, band_label))

    import matplotlib  # loaded by the first chart drawn (``questionnaires.charts``)
    from matplotlib.figure import Figure

    with CHART_LOCK, matplotlib.rc_context(CHART_RC):
        fig = Figure(figsize=(4.4, 3.8), layout="constrained")
        ax = fig.add_subplot()
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color=GRID, linewidth=1)
        ax.set_axisbelow(True)

        days = [0.0] + [float(p[0]) for p in known]
        survival = [100.0] + [100 * float(p[1] or 0) for p in known]
        banded = all(_finite(p[2], p[3]) for p in known)
        if known and banded:
            ax.fill_between(
                days,
                [100.0] + [100 * float(p[2] or 0) for p in known],
                [100.0] + [100 * float(p[3] or 0) for p in known],
                step="post",
                facecolor=BAND,
                edgecolor=BAND_EDGE,
                linewidth=0.8,
                label=band_label,
                zorder=1,
            )
        if known:
            ax.step(days, survival, where="post", color=MEAN, linewidth=2.2, zorder=3)
            ax.plot(
                days[1:],
                survival[1:],
                linestyle="none",
                marker="o",
                markersize=6,
                color=MEAN,
                label=curve_label,
                zorder=4,
            )
        last = (max([*days, *(x for x, _ in x_ticks)], default=1.0) or 1.0) * 1.04
        ax.set_xlim(0, last)
        if x_ticks:
            _ticks(ax, x_ticks, 0, last)
        ax.set_ylim(0, 102)
        ax.set_yticks([0, 25, 50, 75, 100])
        _legend(fig, ax)
        return _svg(fig, title=title, description=description, key=key)
