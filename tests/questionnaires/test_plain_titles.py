"""A patient reads each questionnaire under a plain, warm title ("How far you can walk"),
with its official name in small print beneath it; a bar shows how far along the whole
set they are, so it never starts over with the next questionnaire. The staff's pages
keep the official names."""

from __future__ import annotations

import copy
import html
import json
import re
from importlib.resources import files
from typing import Any

import pytest
from django.urls import reverse

from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import TimePoint
from tests.helpers import baseline_open, patient_at, questionnaire_start

# NOW is Tuesday 24 November 2026, 9 a.m. in California.

PLAIN = {
    "en": [
        "Your pain lately",
        "How your back and legs affect daily life",
        "Your symptoms and walking",
        "How long you can stand",
        "How far you can walk",
    ],
    "es": [
        "Su dolor en los últimos días",
        "Cómo afectan la espalda y las piernas a su vida diaria",
        "Sus síntomas y cómo camina",
        "Cuánto tiempo puede estar de pie",
        "Cuánto puede caminar",
    ],
}
OFFICIAL = {
    "en": [
        "Pain rating (0 to 10)",
        "Oswestry Disability Index (ODI)",
        "Zurich Claudication Questionnaire (ZCQ)",
        "Standing time",
        "Walking distance",
    ],
    "es": [
        "Intensidad del dolor (de 0 a 10)",
        "Índice de Discapacidad de Oswestry (ODI)",
        "Cuestionario de Claudicación de Zúrich (ZCQ)",
        "Tiempo que puede estar de pie",
        "Distancia que puede caminar",
    ],
}
# Words that belong to the clinic, not to a worried patient's heading.
JARGON = (
    "disability",
    "claudication",
    "index",
    "questionnaire",
    "discapacidad",
    "claudicación",
    "índice",
    "cuestionario",
    "odi",
    "zcq",
)
# The intake set, screen by screen: 2 + 10 + 12 + 1 + 1 = 26.
BASELINE_SCREENS = [("nrs", 2), ("odi", 10), ("zcq", 12), ("standing", 1), ("walking", 1)]


def _raw(code: str, version: str) -> dict[str, Any]:
    resource = files(instruments.__name__).joinpath(f"{code}-{version}.json")
    return copy.deepcopy(json.loads(resource.read_text(encoding="utf-8")))


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _one(pattern: str, page: str) -> str:
    found = re.findall(pattern, page, flags=re.DOTALL)
    assert len(found) == 1, (pattern, found)
    return _text(found[0])


# --- The instruments carry their plain titles ------------------------------------------------


@pytest.mark.pure
def test_every_shipped_questionnaire_has_a_plain_title_in_both_languages_free_of_jargon():
    for instrument in instruments.load_builtin().values():
        for language in ("en", "es"):
            plain = instrument.plain_title[language]
            assert plain.strip(), (instrument.code, language)
            assert plain != instrument.title[language], (instrument.code, language)
            words = set(re.findall(r"\w+", plain.lower()))
            assert not words & set(JARGON), (instrument.code, language, plain)


@pytest.mark.pure
def test_an_instrument_without_a_plain_title_is_refused_saying_what_is_missing():
    data = _raw("odi", "2.1a")
    del data["plain_title"]
    with pytest.raises(ValueError, match=r"^odi 2\.1a: missing 'plain_title', the plain words"):
        instruments.from_dict(data)


@pytest.mark.pure
def test_a_plain_title_with_no_spanish_is_refused():
    data = _raw("walking", "1")
    del data["plain_title"]["es"]
    with pytest.raises(ValueError, match=r"walking 1: plain_title: missing 'es' text"):
        instruments.from_dict(data)


@pytest.mark.pure
def test_licensed_wording_replaces_the_official_name_but_cannot_touch_the_plain_title():
    odi = instruments.get("odi", "2.1a")
    wording = {"instrument": "odi", "version": "2.1a", "language": "en", "title": "ODI (licensed)"}
    licensed = instruments.with_text(odi, wording)
    assert licensed.title["en"] == "ODI (licensed)"
    assert licensed.plain_title == odi.plain_title
    with pytest.raises(ValueError, match=r"unknown key\(s\) 'plain_title'"):
        instruments.with_text(odi, {**wording, "plain_title": "Something else"})


# --- What the patient reads ------------------------------------------------------------------


@pytest.fixture
def point(frozen, demo_practice) -> TimePoint:
    """Rosa's baseline, open: her first consultation is this afternoon."""
    return baseline_open(patient_at("Rosa", "Delgado", "santa-monica"), "santa-monica")


@pytest.fixture
def start(point: TimePoint) -> str:
    return questionnaire_start(point)


def _listed(page: str) -> list[tuple[str, str]]:
    """(heading, official name) of each questionnaire in a start or send page's list."""
    return [
        (_text(title), _text(official))
        for title, official in re.findall(
            r'<span class="q-part-title">(.*?)</span>\s*<span class="q-official">(.*?)</span>',
            page,
            flags=re.DOTALL,
        )
    ]


@pytest.mark.django_db
def test_the_start_page_lists_each_questionnaire_by_its_plain_title_official_name_beneath(
    client, start
):
    listed = _listed(client.get(start).text)
    assert [title for title, _ in listed] == PLAIN["en"]
    versions = ["1", "2.1a", "1", "1", "1"]
    assert [official for _, official in listed] == [
        f"{name}, version {version}" for name, version in zip(OFFICIAL["en"], versions, strict=True)
    ]


@pytest.mark.django_db
def test_in_spanish_the_start_page_lists_the_spanish_plain_titles(client, start):
    listed = _listed(client.get("/es" + start).text)
    assert [title for title, _ in listed] == PLAIN["es"]
    for (_, official), name in zip(listed, OFFICIAL["es"], strict=True):
        assert official.startswith(name + ","), official


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_each_question_screen_is_headed_by_the_plain_title_with_the_official_name_in_small(
    client, start, language
):
    prefix = "" if language == "en" else "/es"
    for (code, _), plain, official in zip(
        BASELINE_SCREENS, PLAIN[language], OFFICIAL[language], strict=True
    ):
        page = client.get(f"{prefix}{start}{code}/1/").text
        assert _one(r"<h1[^>]*>(.*?)</h1>", page) == plain
        assert _one(r'<p class="q-official">(.*?)</p>', page).startswith(official + ",")
        assert _one(r"<title>(.*?)</title>", page).startswith(plain + ":")


@pytest.mark.django_db
def test_the_oswestry_screen_names_its_version_under_the_heading(client, start):
    page = client.get(f"{start}odi/4/").text
    assert _one(r"<h1[^>]*>(.*?)</h1>", page) == "How your back and legs affect daily life"
    assert (
        _one(r'<p class="q-official">(.*?)</p>', page)
        == "Oswestry Disability Index (ODI), version 2.1a"
    )
    assert "Disability" not in _one(r"<title>(.*?)</title>", page)


@pytest.mark.django_db
def test_the_bar_counts_every_question_of_the_set_and_never_starts_over(client, start):
    seen = []
    for part, (code, screens) in enumerate(BASELINE_SCREENS, start=1):
        for number in range(1, screens + 1):
            page = client.get(f"{start}{code}/{number}/").text
            bar = re.search(r'<progress class="q-bar" max="(\d+)" value="(\d+)"', page)
            assert bar is not None, (code, number)
            assert _one(r'<p class="q-where">(.*?)</p>', page) == f"Questionnaire {part} of 5"
            assert _one(r'<p class="q-count">(.*?)</p>', page) == f"Question {number} of {screens}"
            seen.append((int(bar.group(2)), int(bar.group(1))))
    assert seen == [(position, 26) for position in range(1, 27)]


@pytest.mark.django_db
def test_where_the_patient_is_is_said_once_in_words_and_the_bar_is_hidden_from_screen_readers(
    client, start
):
    page = client.get(f"{start}zcq/1/").text
    bars = re.findall(r"<progress[^>]*>", page)
    assert bars == ['<progress class="q-bar" max="26" value="13" aria-hidden="true">']
    assert "aria-labelledby" not in page.split("<form")[0]
    main = page.split("<main")[1]
    assert main.count("Questionnaire 3 of 5") == 1
    assert main.count("Question 1 of 12") == 1


@pytest.mark.django_db
def test_the_send_page_names_the_questionnaires_plainly_and_says_how_many_may_be_skipped(
    client, start
):
    client.post(start + "nrs/1/", {"nrs_back": "6"})
    client.post(start + "nrs/2/", {"nrs_leg": "7"})
    for n in range(1, 11):
        client.post(f"{start}odi/{n}/", {"skip": "1"} if n in (4, 5, 6) else {f"odi_{n}": "2"})
    page = client.get(start + "send/").text
    assert [title for title, _ in _listed(page)] == PLAIN["en"]

    refused = client.post(start + "send/")
    assert refused.status_code == 400
    gaps = _one(r'<div class="error-summary q-gaps".*?<ul>(.*?)</ul>', refused.text)
    assert "How your back and legs affect daily life: question 4, question 5, question 6" in gaps
    assert "You can skip up to 2 of these 10 questions." in gaps
    assert "Your symptoms and walking: question 1" in gaps
    assert "Oswestry" not in _one(r'(<div class="error-summary q-gaps".*?</div>)', refused.text)


@pytest.mark.django_db
def test_the_staffs_paper_form_keeps_the_official_name(client, point, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    page = client.get(
        reverse("questionnaires:paper", args=[point.patient_id, point.pk, "odi"])
    ).text
    assert "Oswestry Disability Index (ODI)" in page
    assert "How your back and legs affect daily life" not in page
