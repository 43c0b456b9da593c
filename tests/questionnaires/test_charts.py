"""The progress chart: an accessible, deterministic SVG to inline in a page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses only our own output
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from mildpath.questionnaires.charts import ChartPoint, ProgressChart, Reference, progress_svg

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

SEVEN = [
    ChartPoint(0, "Baseline", 48),
    ChartPoint(0.23, "1 wk", 30),
    ChartPoint(1.38, "6 wk", None),
    ChartPoint(3, "3 mo", 22),
    ChartPoint(6, "6 mo", 18),
    ChartPoint(12, "12 mo", 16),
    ChartPoint(24, "24 mo", 12),
]
ODI = ProgressChart(
    title="Oswestry Disability Index",
    y_label="Score (0-100)",
    y_min=0,
    y_max=100,
    lower_is_better=True,
    points=SEVEN,
    band=(38, 48),
    band_label="Change smaller than 10 points: may be noise",
    description="Your score went from 48 at baseline to 12 at 24 months.",
)


def chart(**changes: Any) -> ProgressChart:
    return replace(ODI, **changes)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(svg: str) -> list[str]:
    return [el.text or "" for el in parse(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_the_svg_is_an_accessible_image_that_scales_to_its_container():
    svg = progress_svg(ODI)
    root = parse(svg)
    assert svg.startswith("<svg")
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox", ""))
    title, desc = list(root)[:2]
    assert title.tag.endswith("title") and title.text == "Oswestry Disability Index"
    assert desc.tag.endswith("desc") and desc.text == ODI.description
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert re.fullmatch(r"chart-[0-9a-f]{8}-title", title.get("id", ""))


def test_it_has_no_prolog_doctype_or_inline_css_so_it_inlines_under_the_csp():
    svg = progress_svg(ODI)
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert "style=" not in svg and "<style" not in svg
    assert "<metadata" not in svg


def test_the_same_chart_gives_the_same_bytes():
    assert progress_svg(ODI) == progress_svg(chart())


def test_the_axis_and_tick_labels_are_real_text_and_the_title_is_not_drawn_twice():
    found = texts(progress_svg(ODI))
    assert "Oswestry Disability Index" not in found  # the page's heading names it
    assert {"Baseline", "1 wk", "6 wk", "3 mo", "24 mo", "Score (0-100)", "Better"} <= set(found)


def test_a_hostile_title_is_escaped():
    svg = progress_svg(chart(title="<script>alert(1)</script>&", description="<b>&"))
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in svg
    assert parse(svg)[0].text == "<script>alert(1)</script>&"


def test_dollar_signs_are_text_not_tex():
    svg = progress_svg(chart(y_label="Costs $5 $\\frac{", better_label="$ per $"))
    assert {"Costs $5 $\\frac{", "$ per $"} <= set(texts(svg))


def test_capped_points_and_references_add_their_legend_text():
    plain = texts(progress_svg(ODI))
    assert "Stopped at the test's limit" not in plain
    points = [*SEVEN[:-1], ChartPoint(24, "24 mo", 12, capped=True)]
    references = [
        Reference(0, 43, "MiDAS ENCORE, 2 years (mean)"),
        Reference(24, 22, "MiDAS ENCORE, 2 years (mean)"),
    ]
    found = texts(progress_svg(chart(points=points, references=references)))
    assert "Stopped at the test's limit" in found
    assert found.count("MiDAS ENCORE, 2 years (mean)") == 1


def test_the_band_label_is_in_the_legend_wrapped_onto_lines():
    assert "Change smaller than 10 points: may be noise" in " ".join(texts(progress_svg(ODI)))


def test_a_chart_with_no_answers_yet_still_renders():
    empty = [ChartPoint(p.x, p.label, None) for p in SEVEN]
    found = texts(progress_svg(chart(points=empty, band=None, y_max=None)))
    assert "Baseline" in found
    assert "You" not in found  # no line to explain yet


def test_a_chart_with_no_points_or_one_point_renders():
    assert parse(progress_svg(chart(points=[], band=None, y_max=None)))
    one = progress_svg(chart(points=[ChartPoint(0, "Baseline", 40)], y_max=None))
    assert "Baseline" in texts(one)


def test_a_chart_whose_only_values_are_capped_renders():
    svg = progress_svg(chart(points=[ChartPoint(0, "Baseline", 6, capped=True)], y_max=None))
    assert "Stopped at the test's limit" in texts(svg)


def test_higher_is_better_charts_render_with_their_own_label():
    svg = progress_svg(chart(lower_is_better=False, better_label="Mejor"))
    assert "Mejor" in texts(svg)


def test_two_different_charts_get_different_ids():
    first = parse(progress_svg(ODI))
    second = parse(progress_svg(chart(title="PROMIS Physical Function")))
    first_ids = {el.get("id") for el in first.iter() if el.get("id")}
    second_ids = {el.get("id") for el in second.iter() if el.get("id")}
    assert first[0].get("id") != second[0].get("id")
    assert not first_ids & second_ids


def test_every_internal_reference_points_at_an_id_in_the_same_chart():
    root = parse(progress_svg(ODI))
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    pointed = {el.get("href", "")[1:] for el in root.iter() if el.get("href")}
    pointed |= {
        value[5:-1] for el in root.iter() for value in el.attrib.values() if "url(#" in value
    }
    assert pointed and pointed <= ids


def test_seven_points_make_a_small_svg():
    assert len(progress_svg(ODI).encode()) < 60_000


def test_threads_rendering_at_once_get_the_same_bytes_as_one_at_a_time():
    charts = [chart(title=f"Chart {n}", lower_is_better=n % 2 == 0) for n in range(6)]
    alone = [progress_svg(c) for c in charts]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(progress_svg, charts)) == alone


def test_the_ticks_write_decimals_as_the_reader_does():
    """Spanish tables write "3,5": so does the chart's scale beside them."""
    zcq = chart(y_min=1, y_max=2, points=[ChartPoint(0, "Inicio", 1.5)])
    assert "1.2" in texts(progress_svg(zcq))
    spanish = texts(progress_svg(replace(zcq, decimal_separator=",")))
    assert "1,2" in spanish and "1.2" not in spanish
