"""`manage.py load_instrument_text`: the practice's licensed wording of a questionnaire,
one language per file, checked before anything loads and loaded all or nothing."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.questionnaires import queries, services
from mildpath.questionnaires.models import InstrumentText
from mildpath.scheduling.models import AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from tests.helpers import ROOT, TEST_ACTOR, send_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

EXAMPLE = ROOT / "docs" / "instrument-text-example.json"


def _odi_es(**changes: object) -> dict[str, object]:
    """A complete Spanish wording of the ODI, as a practice's licensed file would be."""
    text: dict[str, object] = {
        "instrument": "odi",
        "version": "2.1a",
        "language": "es",
        "title": "Índice de Oswestry (texto con licencia de prueba)",
        "intro": "Introducción con licencia de prueba.",
        "items": {
            f"odi_{n}": {
                "text": f"Sección {n} con licencia de prueba",
                "help": "",
                "options": {
                    str(value): f"Respuesta {value} de la sección {n}" for value in range(6)
                },
            }
            for n in range(1, 11)
        },
    }
    text.update(changes)
    return text


def _write(tmp_path: Path, name: str, content: object) -> str:
    path = tmp_path / name
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
        encoding="utf-8",
    )
    return str(path)


def _load(*paths: str) -> str:
    out = StringIO()
    call_command("load_instrument_text", *paths, stdout=out)
    return out.getvalue()


def _fails(*paths: str) -> str:
    with pytest.raises(CommandError) as raised:
        _load(*paths)
    assert not InstrumentText.objects.exists()
    return str(raised.value)


# --- loading ---------------------------------------------------------------------------


def test_a_wording_file_loads_and_says_what_it_reworded(tmp_path):
    printed = _load(_write(tmp_path, "odi-es.json", _odi_es()))
    assert "odi 2.1a es: 10 items reworded" in printed
    odi = queries.instrument_for("odi", language="es")
    assert odi.title["es"] == "Índice de Oswestry (texto con licencia de prueba)"
    assert odi.item("odi_3").text["es"] == "Sección 3 con licencia de prueba"
    assert odi.item("odi_3").options[5].text["es"] == "Respuesta 5 de la sección 3"
    assert not odi.placeholder_text
    # English keeps the shipped wording until its own file is loaded.
    assert (
        queries.instrument_for("odi", language="en")
        .item("odi_3")
        .text["en"]
        .startswith("[Sample wording]")
    )
    event = AuditEvent.objects.get(action="instrument.text")
    assert event.actor_label == "load_instrument_text"
    assert event.at == clock.now()
    assert event.detail == {"instrument": "odi", "version": "2.1a", "language": "es"}


def test_loading_a_language_again_replaces_it(tmp_path):
    _load(_write(tmp_path, "first.json", _odi_es()))
    second = _odi_es(items={"odi_1": {"text": "Sección 1, segunda edición"}})
    printed = _load(_write(tmp_path, "second.json", second))
    assert "odi 2.1a es: 1 item reworded; 9 keep the placeholder wording" in printed
    assert InstrumentText.objects.count() == 1
    odi = queries.instrument_for("odi", language="es")
    assert odi.item("odi_1").text["es"] == "Sección 1, segunda edición"
    assert odi.item("odi_2").text["es"].startswith("[Texto de ejemplo]")


def test_the_example_file_in_docs_loads(tmp_path):
    printed = _load(str(EXAMPLE))
    assert "odi 2.1a en: 2 items reworded; 8 keep the placeholder wording" in printed
    assert queries.instrument_for("odi", language="en").title["en"].startswith("EXAMPLE FILE")


@pytest.fixture
def spanish_link(demo_practice, settings, tmp_path):
    """A Spanish-speaking patient's intake link, from their booking confirmation."""
    settings.MILDPATH_SMS_FILE_PATH = tmp_path / "sms"
    demo_schedule_load()
    appointment_book(
        actor=TEST_ACTOR,
        appointment_type=AppointmentType.objects.get(
            location__slug="pasadena", kind="consultation"
        ),
        start=datetime(2026, 12, 2, 17, 0, tzinfo=UTC),  # Wednesday, 9 a.m. in Pasadena
        patient=PatientDetails(
            "Lucía", "Herrera", date(1952, 7, 9), "+16265551002", "lucia@example.com", "es"
        ),
        now=clock.now(),
        email_ok=True,
    )
    send_due(clock.now())
    body = str(mail.outbox[0].body)
    found = re.search(r"http://[^\s]+/p/questionnaire/[^\s]+/", body)
    assert found, body
    return urlsplit(found.group(0)).path


def test_the_patient_reads_the_loaded_wording_in_their_language(client, spanish_link, tmp_path):
    assert spanish_link.startswith("/es/")
    before = client.get(spanish_link + "odi/1/").content.decode()
    assert "[Texto de ejemplo]" in before
    _load(_write(tmp_path, "odi-es.json", _odi_es()))
    page = client.get(spanish_link + "odi/1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sección 1 con licencia de prueba" in text
    assert "Respuesta 4 de la sección 1" in text
    assert "[Texto de ejemplo]" not in text
    assert (
        "Índice de Oswestry (texto con licencia de prueba)"
        in client.get(spanish_link).content.decode()
    )


# --- refusals ----------------------------------------------------------------------------


def test_a_missing_or_unreadable_file_is_named(tmp_path):
    missing = str(tmp_path / "nowhere.json")
    assert f"{missing}: no such file" in _fails(missing)
    assert f"{tmp_path}: is a directory" in _fails(str(tmp_path))
    latin = tmp_path / "latin1.json"
    latin.write_bytes(json.dumps(_odi_es(), ensure_ascii=False).encode("latin-1"))
    assert f"{latin}: cannot be read: it is not UTF-8 text" in _fails(str(latin))


def test_invalid_json_is_named_with_where_it_breaks(tmp_path):
    path = _write(tmp_path, "broken.json", '{"instrument": "odi",\n  "version": }')
    message = _fails(path)
    assert f"{path}: not valid JSON" in message
    assert "line 2" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ([1, 2], "must hold one JSON object, not a list"),
        ({"instrument": "odi", "version": "2.1a"}, "needs 'language' as text"),
        (_odi_es(instrument="sf36"), "no instrument 'sf36' version '2.1a' is shipped"),
        (_odi_es(version="9"), "no instrument 'odi' version '9' is shipped (shipped: nrs 1,"),
        (_odi_es(language="fr"), "unsupported language 'fr'"),
    ],
    ids=["not-an-object", "no-language", "unknown-instrument", "unknown-version", "language"],
)
def test_a_file_naming_no_shipped_instrument_is_refused(tmp_path, content, expected):
    path = _write(tmp_path, "wording.json", content)
    message = _fails(path)
    assert f"{path}: " in message
    assert expected in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"items": {"odi_11": {"text": "Una sección más"}}}, "a wording file cannot add items"),
        (
            {"items": {"odi_1": {"options": {"6": "Una respuesta más"}}}},
            "a wording file cannot add options",
        ),
        ({"scoring": "odi_percent"}, "unknown key(s) 'scoring'"),
        ({"items": {"odi_1": {"kind": "number"}}}, "unknown key(s) 'kind'"),
        ({"items": {"odi_1": {"text": ""}}}, "item 'odi_1': text: must not be empty"),
    ],
    ids=["adds-an-item", "adds-an-option", "changes-scoring", "changes-a-kind", "empty-text"],
)
def test_a_file_that_changes_the_structure_is_refused(tmp_path, changes, expected):
    path = _write(tmp_path, "odi-es.json", _odi_es(**changes))
    message = _fails(path)
    assert f"{path}: wording for odi 2.1a" in message
    assert expected in message


# --- all or nothing ----------------------------------------------------------------------


def test_one_bad_file_loads_none_and_every_problem_is_listed(tmp_path):
    earlier = _odi_es(items={"odi_1": {"text": "La carga anterior"}})
    _load(_write(tmp_path, "earlier.json", earlier))
    good = _write(tmp_path, "odi-es.json", _odi_es())
    zcq_en = _write(
        tmp_path,
        "zcq-en.json",
        {
            "instrument": "zcq",
            "version": "1",
            "language": "en",
            "items": {"zcq_sym1": {"text": "Licensed severity question"}},
        },
    )
    adds = _write(tmp_path, "adds.json", _odi_es(language="en", items={"odi_99": {"text": "x"}}))
    broken = _write(tmp_path, "broken.json", "{")
    with pytest.raises(CommandError) as raised:
        _load(good, zcq_en, adds, broken)
    message = str(raised.value)
    assert message.startswith("nothing was loaded")
    assert adds in message and broken in message
    assert good not in message and zcq_en not in message
    # The earlier load stands, unchanged; nothing of the good files was loaded.
    assert InstrumentText.objects.count() == 1
    assert queries.instrument_for("odi", language="es").item("odi_1").text["es"] == (
        "La carga anterior"
    )
    assert AuditEvent.objects.filter(action="instrument.text").count() == 1


def test_two_files_for_the_same_language_are_refused(tmp_path):
    first = _write(tmp_path, "a.json", _odi_es())
    second = _write(tmp_path, "b.json", _odi_es())
    message = _fails(first, second)
    assert f"{second}: words odi 2.1a es again (so does {first})" in message


def test_a_failure_while_loading_rolls_back_the_files_loaded_before_it(tmp_path, monkeypatch):
    zcq = {"instrument": "zcq", "version": "1", "language": "es", "items": {}}
    paths = [_write(tmp_path, "odi.json", _odi_es()), _write(tmp_path, "zcq.json", zcq)]
    real = services.instrument_text_load

    def refuse_the_zcq(*, actor, text, now):
        if text["instrument"] == "zcq":
            raise ValueError("refused on the way in")
        return real(actor=actor, text=text, now=now)

    monkeypatch.setattr(services, "instrument_text_load", refuse_the_zcq)
    message = _fails(*paths)
    assert f"{paths[1]}: refused on the way in" in message
    assert not AuditEvent.objects.filter(action="instrument.text").exists()
