"""The report's charts: accessible, deterministic SVG that inlines under the CSP."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses only our own output

import pytest

from mildpath.outcomes.charts import measure_chart, survival_chart

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

SVG_NS = "{http://www.w3.org/2000/svg}"
ODI_POINTS = [
    ("Start", 45.2, 42.0, 48.4, 120),
    ("6 wk", 33.0, 30.1, 35.9, 100),
    ("12 mo", 27.0, 23.2, 30.8, 60),
    ("24 mo", 25.0, 15.0, 35.0, 8),
]
PUBLISHED = [
    ("24 mo", 22.5, "MiDAS ENCORE: published mean change (n 143)"),
    ("36 mo", 28.3, "MOTION: published mean change (n 48)"),
]


def odi(**changes) -> str:
    arguments = {
        "title": "Disability (Oswestry, ODI)",
        "unit": "points of 100",
        "points": ODI_POINTS,
        "published": PUBLISHED,
        "lower_is_better": True,
        "description": "The registry's mean ODI at each time point.",
    }
    return measure_chart(**{**arguments, **changes})


def survival(**changes) -> str:
    arguments = {
        "title": "Freedom from a repeat procedure or surgery",
        "points": [(91, 0.98, 0.95, 1.0), (182, 0.95, 0.9, 0.99), (365, 0.9, 0.84, 0.96)],
        "x_ticks": [(0, "0"), (91, "3 mo"), (182, "6 mo"), (365, "12 mo")],
    }
    return survival_chart(**{**arguments, **changes})


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return [el.text or "" for el in root.iter(f"{SVG_NS}text")]


def test_a_measure_chart_is_a_titled_image_described_for_screen_readers():
    root = ET.fromstring(odi())  # noqa: S314 - our own output
    title, desc = list(root)[:2]
    assert root.get("role") == "img"
    assert title.tag == f"{SVG_NS}title" and title.text == "Disability (Oswestry, ODI)"
    assert desc.text == "The registry's mean ODI at each time point."
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")


def test_the_charts_carry_no_style_attribute_so_the_csp_holds():
    for svg in (odi(), survival()):
        assert "<title" in svg
        assert "style=" not in svg and "<style" not in svg and "<?xml" not in svg


def test_the_same_numbers_draw_the_same_bytes():
    assert odi() == odi()
    assert survival() == survival()
    assert odi() != odi(points=[*ODI_POINTS[:-1], ("24 mo", 26.0, 15.0, 35.0, 8)])


def test_time_points_units_and_each_study_are_real_text():
    found = texts(odi())
    assert {"Start", "6 wk", "12 mo", "24 mo", "36 mo", "points of 100", "Better"} <= set(found)
    legend = " ".join(found)
    assert "MiDAS ENCORE" in legend and "MOTION" in legend
    assert "Fewer than 10 patients" in legend  # the 24-month cell has 8


def test_the_labels_come_in_translated():
    svg = odi(
        mean_label="Media del registro con su IC del 95 %",
        small_label="Menos de 10 pacientes",
        better_label="Mejor",
    )
    assert {"Mejor"} <= set(texts(svg))
    assert "Media del registro" in " ".join(texts(svg))


def test_a_measure_with_no_answers_yet_still_draws():
    empty = [(label, None, None, None, 0) for label, *_ in ODI_POINTS]
    svg = odi(points=empty, published=[])
    assert "Start" in texts(svg)


def test_a_hostile_label_is_escaped():
    svg = odi(title="<script>alert(1)</script>", unit="<b>&")
    assert "<script" not in svg and "<b>" not in svg


def test_the_survival_chart_draws_its_ticks_and_legend():
    found = texts(survival())
    assert {"3 mo", "6 mo", "12 mo", "Days since the procedure"} <= set(found)
    assert "95% confidence band" in " ".join(found)


def test_a_survival_chart_without_patients_still_draws():
    assert "<title" in survival(points=[], x_ticks=[])
