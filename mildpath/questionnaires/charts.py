"""One outcome measure of one patient over time, as an accessible inline SVG. Pure: no Django.

Drawn with matplotlib's object API (``Figure``, never pyplot). The rcParams it needs are
process-global, so rendering holds a module lock. The SVG is made safe for inlining under
the site's Content-Security-Policy (no inline style): matplotlib's ``style`` attributes
become presentation attributes, its ``<style>`` and metadata go, ids get a per-chart
prefix, and the root gets role="img", a <title> and a <desc>. Same input, same bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import textwrap
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - parses only matplotlib's own output
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

TEXT, AXIS, GRID = "#1f2937", "#4b5563", "#e5e7eb"
YOU, REFERENCE, BAND, BAND_EDGE = "#1d4ed8", "#92400e", "#dcfce7", "#15803d"
FONT_SIZE = 12.0
AXES_WIDTH_PT = 220.0  # rough plot width inside the 4.4 in figure, for label crowding
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
CHART_RC: dict[RcKeyType, str | float] = {
    "svg.hashsalt": "mildpath-charts",
    "svg.fonttype": "none",
    "text.parse_math": False,  # a "$" in a translated label is a dollar sign, not TeX
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": AXIS,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
}
CHART_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartPoint:
    x: float  # months since the anchor: baseline 0, 1 week 0.23, 6 weeks 1.38, ...
    label: str  # x tick label, already translated
    value: float | None  # None: no answer then (a gap in the line; the tick stays)
    capped: bool = False  # stopped at the test's limit: "at least" this good


@dataclass(frozen=True)
class Reference:
    x: float
    value: float
    label: str  # one legend entry per distinct label


@dataclass(frozen=True)
class ProgressChart:
    title: str
    y_label: str
    y_min: float
    y_max: float | None  # None: from the data, with headroom
    lower_is_better: bool
    points: Sequence[ChartPoint]
    band: tuple[float, float] | None = None  # minimal-important-change band, shaded
    band_label: str = ""
    references: Sequence[Reference] = ()
    description: str = ""
    your_label: str = "You"
    capped_label: str = "Stopped at the test's limit"
    better_label: str = "Better"
    decimal_separator: str = "."  # the reader's: "2,5" in Spanish, as the tables write it


def _forward(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The x scale: square root of the months, so the first weeks get room."""
    a = np.asarray(x, dtype=np.float64)
    return np.sign(a) * np.sqrt(np.abs(a))


def _inverse(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    return np.sign(a) * a * a


def _tick_rows(ticks: list[tuple[float, str]], span: float) -> list[int]:
    """0 for the first row of x labels, 1 for the second where neighbours would overlap."""
    rows: list[int] = []
    last: list[tuple[float, float] | None] = [None, None]  # per row: (position, half width)
    for x, label in ticks:
        pos, half = float(_forward(x)) / span * AXES_WIDTH_PT, len(label) * 0.31 * FONT_SIZE
        free = [r for r in (0, 1) if (p := last[r]) is None or pos - p[0] > p[1] + half + 6]
        row = free[0] if free else 1
        rows.append(row)
        last[row] = (pos, half)
    return rows


def _draw(chart: ProgressChart) -> Figure:
    from matplotlib.figure import Figure  # loaded on first use (``progress_svg``)

    # Narrow enough to read on a 390 px phone without scrolling (scaled to about 0.8,
    # the 12 pt text stays near 13 px), wide enough for a desk screen.
    fig = Figure(figsize=(4.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    # No drawn title: the page's heading names the chart, and <title> names it for
    # screen readers; on a phone the drawn one would only crowd the plot.
    ax.set_ylabel(chart.y_label)
    separator = chart.decimal_separator
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:g}".replace(".", separator))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=1)
    ax.set_axisbelow(True)
    ax.set_xscale("function", functions=(_forward, _inverse))

    values = [math.nan if p.value is None else p.value for p in chart.points]
    plain = [i for i, p in enumerate(chart.points) if p.value is not None and not p.capped]
    xs = [p.x for p in chart.points]
    ax.plot(
        xs,
        values,
        color=YOU,
        linewidth=2.5,
        marker="o",
        markersize=7,
        markevery=plain,
        label=chart.your_label if any(not math.isnan(v) for v in values) else "_nolegend_",
        zorder=3,
    )
    capped = [(p.x, p.value) for p in chart.points if p.capped and p.value is not None]
    if capped:
        ax.plot(
            *zip(*capped, strict=True),
            linestyle="none",
            marker="v" if chart.lower_is_better else "^",
            markersize=10,
            color=YOU,
            markeredgecolor="white",
            label=chart.capped_label,
            zorder=4,
        )
    for label in dict.fromkeys(r.label for r in chart.references):
        mine = [r for r in chart.references if r.label == label]
        ax.plot(
            [r.x for r in mine],
            [r.value for r in mine],
            linestyle="none",
            marker="D",
            markersize=7,
            markerfacecolor="white",
            markeredgecolor=REFERENCE,
            markeredgewidth=2,
            label=label,
            zorder=3,
        )
    if chart.band is not None:
        ax.axhspan(
            *chart.band,
            facecolor=BAND,
            edgecolor=BAND_EDGE,
            linewidth=1,
            zorder=0,
            label=chart.band_label or "_nolegend_",
        )

    all_x = xs + [r.x for r in chart.references]
    low, high = (float(_forward(min(all_x))), float(_forward(max(all_x)))) if all_x else (0, 1)
    pad = (high - low) * 0.05 or 0.5
    ax.set_xlim(float(_inverse(low - pad)), float(_inverse(high + pad)))
    ticks = sorted(dict(reversed([(p.x, p.label) for p in chart.points])).items())
    rows = _tick_rows(ticks, (high - low + 2 * pad) or 1.0)
    for row in (0, 1):
        chosen = [t for t, r in zip(ticks, rows, strict=True) if r == row]
        ax.set_xticks([x for x, _ in chosen], [s for _, s in chosen], minor=row == 1)
    ax.tick_params(axis="x", which="minor", length=3.5, pad=3.5 + FONT_SIZE * 1.35)

    top = chart.y_max
    if top is None:
        seen = [v for v in values if not math.isnan(v)] + [r.value for r in chart.references]
        seen += list(chart.band or ())
        peak = max(seen, default=chart.y_min)
        top = peak + (peak - chart.y_min) * 0.1 if peak > chart.y_min else chart.y_min + 1
    ax.set_ylim(chart.y_min, top)

    tail, head = (0.8, 0.2) if chart.lower_is_better else (0.2, 0.8)
    ax.annotate(
        "",
        xy=(1.03, head),
        xytext=(1.03, tail),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>", "color": TEXT, "linewidth": 2},
    )
    ax.text(
        1.06, 0.5, chart.better_label, transform=ax.transAxes, rotation=270, va="center", ha="left"
    )
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        wrapped = [textwrap.fill(label, 40) for label in labels]
        fig.legend(
            handles,
            wrapped,
            loc="outside lower center",
            ncols=1,
            frameon=False,
            columnspacing=1,
            fontsize=FONT_SIZE,
        )
    return fig


def inline_svg(svg: str, *, title: str, description: str, chart_id: str) -> str:
    """matplotlib's SVG made fit to inline in a page: no <style> (the CSP allows none),
    ids unique to the chart, role img with ``title`` and ``description``."""
    # matplotlib's own output, not user input: no entity tricks to defuse.
    root = ET.fromstring(svg)  # noqa: S314  # nosec B314
    for unwanted in ("metadata", "style", "defs"):  # <defs> once it only held the <style>
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == SVG + unwanted and (unwanted != "defs" or not len(child)):
                    parent.remove(child)
    used = {
        value.removeprefix("url(#").removeprefix("#").removesuffix(")")
        for el in root.iter()
        for name, value in el.attrib.items()
        if name == XLINK_HREF or value.startswith("url(#")
    }
    for el in root.iter():  # keep only the ids something points at, made unique per chart
        el.tag = el.tag.removeprefix(SVG)
        if (own := el.attrib.pop("id", None)) in used:
            el.set("id", f"{chart_id}-{own}")
        if (href := el.attrib.pop(XLINK_HREF, None)) is not None:
            el.set("href", f"#{chart_id}-{href[1:]}")
        for name, value in list(el.attrib.items()):
            if value.startswith("url(#"):
                el.set(name, f"url(#{chart_id}-{value[5:]}")
        for declaration in el.attrib.pop("style", "").split(";"):
            if declaration.strip():
                name, value = (part.strip() for part in declaration.split(":", 1))
                el.set(name, (value + ", sans-serif") if name == "font-family" else value)
    view_box = root.get("viewBox", "")
    root.attrib.clear()
    root.attrib.update(
        {
            "xmlns": SVG[1:-1],
            "width": "100%",
            "viewBox": view_box,
            "role": "img",
            "aria-labelledby": f"{chart_id}-title",
            "stroke-linejoin": "round",
            "stroke-linecap": "butt",
        }
    )
    if description:
        root.set("aria-describedby", f"{chart_id}-desc")
    for position, (tag, text) in enumerate((("title", title), ("desc", description))):
        element = ET.Element(tag, {"id": f"{chart_id}-{tag}"})
        element.text = text  # ElementTree escapes it, as xml.sax.saxutils.escape would
        root.insert(position, element)
    return ET.tostring(root, encoding="unicode")


def progress_svg(chart: ProgressChart) -> str:
    """The chart as an SVG element to inline in HTML: scales to its container's width."""
    chart_id = "chart-" + hashlib.sha256(repr(chart).encode()).hexdigest()[:8]
    buffer = io.StringIO()
    # matplotlib takes most of a second to load: loaded by the first chart drawn, not by
    # every process that reads the URLconf (the worker, each command, each server).
    import matplotlib

    with CHART_LOCK, matplotlib.rc_context(CHART_RC):
        _draw(chart).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(
        buffer.getvalue(), title=chart.title, description=chart.description, chart_id=chart_id
    )
