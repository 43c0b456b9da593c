"""The shipped outcome instruments and their pure loader: no database, no Django."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from mildpath.questionnaires import instruments
from mildpath.questionnaires.instruments import Instrument, from_dict, get, latest, with_text

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure

REPO = Path(__file__).resolve().parents[2]
SHIPPED = [
    ("odi", "2.1a"),
    ("zcq", "1"),
    ("nrs", "1"),
    ("standing", "1"),
    ("walking", "1"),
]
PLACEHOLDER_MARKERS = {"en": "[Sample wording]", "es": "[Texto de ejemplo]"}


def _raw(code: str, version: str) -> dict[str, Any]:
    resource = files(instruments.__name__).joinpath(f"{code}-{version}.json")
    return json.loads(resource.read_text(encoding="utf-8"))


def _all_texts(instrument: Instrument) -> list[tuple[str, dict[str, str], bool]]:
    """(where, texts, may be empty) for every text dict in the instrument."""
    texts = [("title", instrument.title, False), ("intro", instrument.intro, False)]
    for item in instrument.items:
        texts.append((f"{item.code} text", item.text, False))
        texts.append((f"{item.code} help", item.help, True))
        for option in item.options:
            texts.append((f"{item.code} option {option.value}", option.text, False))
    return texts


# --- Shipped instruments ------------------------------------------------------------


def test_every_shipped_instrument_loads_and_validates():
    shipped = instruments.load_builtin()
    assert sorted(shipped) == sorted(SHIPPED)
    for (code, version), instrument in shipped.items():
        assert (instrument.code, instrument.version) == (code, version)
        assert from_dict(_raw(code, version)) == instrument


def test_every_text_has_english_and_spanish_and_nothing_else():
    for instrument in instruments.load_builtin().values():
        for where, texts, may_be_empty in _all_texts(instrument):
            assert set(texts) == {"en", "es"}, (instrument.code, where)
            if not may_be_empty:
                assert all(text.strip() for text in texts.values()), (instrument.code, where)


def test_every_instrument_has_a_licence_note_and_a_known_scoring():
    for instrument in instruments.load_builtin().values():
        assert instrument.licence.strip()
        assert instrument.scoring in instruments.SCORINGS


def test_placeholder_instruments_say_so_in_every_question_in_both_languages():
    placeholders = [i for i in instruments.load_builtin().values() if i.placeholder_text]
    assert {i.code for i in placeholders} == {"odi", "zcq"}
    for instrument in placeholders:
        for item in instrument.items:
            for language, marker in PLACEHOLDER_MARKERS.items():
                assert marker in item.text[language], (item.code, language)


def test_instruments_with_their_own_wording_carry_no_placeholder_marker():
    for instrument in instruments.load_builtin().values():
        if instrument.placeholder_text:
            continue
        for where, texts, _ in _all_texts(instrument):
            for language, marker in PLACEHOLDER_MARKERS.items():
                assert marker not in texts[language], (instrument.code, where)


def test_the_odi_has_ten_optional_sections_scored_zero_to_five_one_per_screen():
    odi = get("odi", "2.1a")
    assert [item.code for item in odi.items] == [f"odi_{n}" for n in range(1, 11)]
    for item in odi.items:
        assert item.kind == "choice"
        assert [option.value for option in item.options] == [0, 1, 2, 3, 4, 5]
        assert item.required is False
    assert odi.screens == tuple((f"odi_{n}",) for n in range(1, 11))
    assert odi.scoring == "odi_percent"
    assert odi.loinc == {"panel": "97908-8", "score": "97909-6"}
    assert "Mapi Research Trust" in odi.licence


def test_the_odi_sex_life_section_says_it_may_be_skipped():
    sex_life = get("odi", "2.1a").item("odi_8")
    assert "Sex life" in sex_life.text["en"]
    assert "skip" in sex_life.help["en"]
    assert "sin contestar" in sex_life.help["es"]


def test_the_zcq_has_seven_symptom_five_function_and_six_satisfaction_items_in_order():
    zcq = get("zcq", "1")
    subscales = [item.subscale for item in zcq.items]
    assert subscales == ["symptom"] * 7 + ["function"] * 5 + ["satisfaction"] * 6
    for item in zcq.items:
        assert item.kind == "choice"
        assert item.required is True
        assert item.after_treatment_only is (item.subscale == "satisfaction")
    assert zcq.screens == tuple((item.code,) for item in zcq.items)
    assert zcq.loinc == {}
    assert "LOINC" in zcq.licence


def test_the_zcq_scales_symptoms_one_to_five_balance_one_three_five_and_the_rest_one_to_four():
    zcq = get("zcq", "1")
    values = [[option.value for option in item.options] for item in zcq.items]
    assert values[:6] == [[1, 2, 3, 4, 5]] * 6
    assert set(values[6]) == {1, 3, 5}
    assert "balance" in zcq.items[6].text["en"]
    assert values[7:] == [[1, 2, 3, 4]] * 11


def test_the_nrs_asks_about_back_and_legs_from_zero_to_ten():
    nrs = get("nrs", "1")
    assert [item.code for item in nrs.items] == ["nrs_back", "nrs_leg"]
    assert nrs.screens == (("nrs_back",), ("nrs_leg",))
    assert nrs.loinc == {"item": "72514-3"}
    for item in nrs.items:
        assert [option.value for option in item.options] == list(range(11))
        assert item.options[0].text == {"en": "0 — No pain", "es": "0 — Sin dolor"}
        assert "Worst pain imaginable" in item.options[10].text["en"]
        assert item.options[5].text == {"en": "5", "es": "5"}


def test_standing_and_walking_are_numbers_with_a_cap_flag_on_one_screen():
    standing = get("standing", "1")
    minutes = standing.item("standing_minutes")
    assert (minutes.kind, minutes.minimum, minutes.maximum, minutes.unit) == (
        "number",
        0,
        30,
        "min",
    )
    assert standing.item("standing_capped").kind == "flag"
    assert standing.screens == (("standing_minutes", "standing_capped"),)

    walking = get("walking", "1")
    feet = walking.item("walking_feet")
    assert (feet.kind, feet.minimum, feet.maximum, feet.unit) == ("number", 0, 10000, "ft")
    assert "pies" in feet.help["es"]
    method = walking.item("walking_method")
    assert [option.value for option in method.options] == [1, 2]
    assert walking.item("walking_capped").kind == "flag"
    assert walking.screens == (("walking_feet", "walking_method", "walking_capped"),)


def test_latest_gives_the_highest_shipped_version():
    assert latest("odi").version == "2.1a"
    assert latest("zcq").version == "1"


def test_unknown_instruments_and_versions_are_key_errors():
    with pytest.raises(KeyError):
        get("odi", "9")
    with pytest.raises(KeyError):
        latest("sf36")


def test_load_builtin_returns_a_fresh_dict_each_time():
    first = instruments.load_builtin()
    first.clear()
    assert instruments.load_builtin()


def test_the_version_order_compares_numbers_as_numbers():
    key = instruments._version_key
    assert key("2.1a") > key("2.1") > key("2.0") > key("1")
    assert key("10") > key("9")


def test_instruments_are_frozen():
    odi = get("odi", "2.1a")
    with pytest.raises(AttributeError):
        odi.version = "3"  # type: ignore[misc]


# --- from_dict refuses malformed instruments -------------------------------------------


def _small() -> dict[str, Any]:
    """A valid instrument to break one rule at a time."""
    return copy.deepcopy(_raw("walking", "1"))


def _break_duplicate_code(data: dict[str, Any]) -> None:
    data["items"][2]["code"] = "walking_feet"


def _break_unknown_screen_item(data: dict[str, Any]) -> None:
    data["screens"][0].append("walking_speed")


def _break_item_on_no_screen(data: dict[str, Any]) -> None:
    data["screens"][0].remove("walking_capped")


def _break_item_on_two_screens(data: dict[str, Any]) -> None:
    data["screens"].append(["walking_capped"])


def _break_choice_without_options(data: dict[str, Any]) -> None:
    data["items"][1]["options"] = []


def _break_number_without_maximum(data: dict[str, Any]) -> None:
    del data["items"][0]["maximum"]


def _break_number_without_minimum(data: dict[str, Any]) -> None:
    del data["items"][0]["minimum"]


def _break_missing_spanish_text(data: dict[str, Any]) -> None:
    del data["items"][2]["text"]["es"]


def _break_missing_english_option_text(data: dict[str, Any]) -> None:
    del data["items"][1]["options"][0]["text"]["en"]


def _break_empty_english_text(data: dict[str, Any]) -> None:
    data["items"][0]["text"]["en"] = "  "


def _break_extra_language(data: dict[str, Any]) -> None:
    data["items"][0]["text"]["fr"] = "Combien de pieds ?"


def _break_unknown_kind(data: dict[str, Any]) -> None:
    data["items"][0]["kind"] = "slider"


def _break_duplicate_option_value(data: dict[str, Any]) -> None:
    data["items"][1]["options"][1]["value"] = 1


def _break_options_on_a_flag(data: dict[str, Any]) -> None:
    data["items"][2]["options"] = data["items"][1]["options"]


def _break_minimum_above_maximum(data: dict[str, Any]) -> None:
    data["items"][0]["minimum"] = 20000


def _break_misspelt_key(data: dict[str, Any]) -> None:
    data["items"][0]["maxmum"] = 10


BROKEN = [
    (_break_duplicate_code, "duplicate item code", "walking_feet"),
    (_break_unknown_screen_item, "unknown item", "walking_speed"),
    (_break_item_on_no_screen, "on no screen", "walking_capped"),
    (_break_item_on_two_screens, "more than one screen", "walking_capped"),
    (_break_choice_without_options, "needs options", "walking_method"),
    (_break_number_without_maximum, "minimum and a maximum", "walking_feet"),
    (_break_number_without_minimum, "minimum and a maximum", "walking_feet"),
    (_break_missing_spanish_text, "missing 'es'", "walking_capped"),
    (_break_missing_english_option_text, "missing 'en'", "walking_method"),
    (_break_empty_english_text, "must not be empty", "walking_feet"),
    (_break_extra_language, "unsupported language", "walking_feet"),
    (_break_unknown_kind, "slider", "walking_feet"),
    (_break_duplicate_option_value, "duplicate option value", "walking_method"),
    (_break_options_on_a_flag, "only a choice item has options", "walking_capped"),
    (_break_minimum_above_maximum, "above maximum", "walking_feet"),
    (_break_misspelt_key, "maxmum", "walking_feet"),
]


@pytest.mark.parametrize(
    ("breaking", "rule", "item"), BROKEN, ids=[breaking.__name__ for breaking, _, _ in BROKEN]
)
def test_from_dict_refuses_a_malformed_instrument_naming_it_the_item_and_the_rule(
    breaking, rule, item
):
    data = _small()
    breaking(data)
    with pytest.raises(ValueError) as error:
        from_dict(data)
    message = str(error.value)
    assert "walking 1" in message
    assert item in message
    assert rule in message


def test_from_dict_refuses_an_instrument_with_no_spanish_title():
    data = _small()
    del data["title"]["es"]
    with pytest.raises(ValueError, match=r"walking 1: title: missing 'es'"):
        from_dict(data)


def test_from_dict_refuses_an_unknown_scoring():
    data = _small()
    data["scoring"] = "miles"
    with pytest.raises(ValueError, match="scoring 'miles'"):
        from_dict(data)


def test_from_dict_refuses_a_boolean_where_a_number_belongs():
    data = _small()
    data["items"][0]["maximum"] = True
    with pytest.raises(ValueError, match="'walking_feet': maximum: must be an integer"):
        from_dict(data)


def test_from_dict_fills_in_defaults_for_optional_fields():
    data = _small()
    del data["items"][1]["help"]
    method = from_dict(data).item("walking_method")
    assert method.help == {"en": "", "es": ""}
    assert method.required is True
    assert method.after_treatment_only is False
    assert method.subscale == ""


# --- with_text applies a practice's licensed wording -----------------------------------


def _spanish_wording() -> dict[str, object]:
    return {
        "instrument": "odi",
        "version": "2.1a",
        "language": "es",
        "title": "Título con licencia",
        "intro": "Introducción con licencia.",
        "items": {
            "odi_3": {
                "text": "Pregunta con licencia 3",
                "help": "",
                "options": {"0": "Opción con licencia 0", "5": "Opción con licencia 5"},
            },
        },
    }


def test_with_text_replaces_one_language_keeps_the_other_and_clears_the_placeholder_flag():
    odi = get("odi", "2.1a")
    licensed = with_text(odi, _spanish_wording())

    assert licensed.placeholder_text is False
    assert licensed.title == {"en": odi.title["en"], "es": "Título con licencia"}
    assert licensed.intro == {"en": odi.intro["en"], "es": "Introducción con licencia."}
    before, after = odi.item("odi_3"), licensed.item("odi_3")
    assert after.text == {"en": before.text["en"], "es": "Pregunta con licencia 3"}
    assert after.help == {"en": before.help["en"], "es": ""}
    assert after.options[0].text == {"en": "0 — No limitation", "es": "Opción con licencia 0"}
    assert after.options[5].text["es"] == "Opción con licencia 5"
    assert after.options[1:5] == before.options[1:5]
    assert licensed.item("odi_4") == odi.item("odi_4")


def test_with_text_keeps_the_structure():
    odi = get("odi", "2.1a")
    licensed = with_text(odi, _spanish_wording())
    assert [item.code for item in licensed.items] == [item.code for item in odi.items]
    assert licensed.screens == odi.screens
    for before, after in zip(odi.items, licensed.items, strict=True):
        assert [o.value for o in before.options] == [o.value for o in after.options]
        assert (before.kind, before.required) == (after.kind, after.required)


def test_with_text_leaves_the_shipped_instrument_untouched():
    with_text(get("odi", "2.1a"), _spanish_wording())
    assert get("odi", "2.1a").placeholder_text is True
    assert "[Texto de ejemplo]" in get("odi", "2.1a").item("odi_3").text["es"]


def test_with_text_refuses_a_file_that_adds_an_item():
    wording = _spanish_wording()
    wording["items"] = {"odi_11": {"text": "Una sección de más"}}
    with pytest.raises(ValueError, match="odi_11.*cannot add items"):
        with_text(get("odi", "2.1a"), wording)


def test_with_text_refuses_a_file_that_adds_an_option_value():
    wording = _spanish_wording()
    wording["items"] = {"odi_3": {"options": {"6": "Una opción de más"}}}
    with pytest.raises(ValueError, match="'odi_3'.*'6'.*cannot add options"):
        with_text(get("odi", "2.1a"), wording)


def test_with_text_refuses_an_unknown_language():
    wording = _spanish_wording()
    wording["language"] = "fr"
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        with_text(get("odi", "2.1a"), wording)


def test_with_text_refuses_a_file_for_another_instrument_or_version():
    wording = _spanish_wording()
    wording["version"] = "2.0"
    with pytest.raises(ValueError, match="for odi 2.0"):
        with_text(get("odi", "2.1a"), wording)


def test_with_text_refuses_a_structural_key_or_an_empty_question():
    wording = _spanish_wording()
    wording["items"] = {"odi_3": {"kind": "number"}}
    with pytest.raises(ValueError, match="'odi_3'.*unknown key.*'kind'"):
        with_text(get("odi", "2.1a"), wording)
    wording["items"] = {"odi_3": {"text": ""}}
    with pytest.raises(ValueError, match="'odi_3': text: must not be empty"):
        with_text(get("odi", "2.1a"), wording)


# --- Purity ----------------------------------------------------------------------------


def test_the_loader_imports_no_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys, mildpath.questionnaires.instruments as i; i.load_builtin(); "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
