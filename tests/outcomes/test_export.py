"""The de-identified export holds none of HIPAA Safe Harbor's 18 identifiers (45 CFR
164.514(b)(2)(i)): every identifying value the record holds about these patients is
looked for in the file, and the quasi-identifiers it keeps are generalised as the rule
says (ZIP to 3 digits, "000" for the small areas; ages over 89 as "90+"; no date but
the year)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from mildpath.care.models import ProcedureRecord
from mildpath.outcomes.deid import RESTRICTED_ZIP3, age_text, zip3
from mildpath.outcomes.export import EXPORT_COLUMNS, csv_to_parquet, export_csv
from mildpath.outcomes.registry import registry_read
from mildpath.patients.models import Patient
from tests.helpers import NOW
from tests.registry_data import PROCEDURE_DAY, Build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

# What the export may hold, and nothing else.
ALLOWED_COLUMNS = {
    "research_id",
    "age",
    "age_band",
    "zip3",
    "procedure_year",
    "clinic",
    "operator",
    "levels",
    "level_count",
    "side",
    "payer",
    "measure",
    "time_point",
    "day",
    "value",
    "capped",
    "repeat_procedure_day",
    "later_surgery_day",
    "worst_complication",
    "complication_day",
    "last_follow_up_day",
    "synthetic",
}
FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


@pytest.fixture
def exported(tmp_path: Path) -> tuple[list[Patient], str, list[dict[str, str]]]:
    build = Build()
    patients = [
        build.patient(
            born=date(1931, 2, 3), postal_code="03609-1234", kit_lots="LOT-7731-XK"
        ),  # 94; a small area
        build.patient(born=date(1960, 7, 8), postal_code="90401"),
        build.patient(born=date(1948, 11, 30), postal_code="89301"),  # a small area
    ]
    for i, patient in enumerate(patients):
        patient.email = f"person{i}@example.org"
        patient.save()
        build.answer(patient, "odi", PROCEDURE_DAY, {"odi": 40.0 + i})
        build.answer(
            patient, "walking", PROCEDURE_DAY, {"walking_feet": 300, "walking_capped": False}
        )
    path = tmp_path / "export.csv"
    export_csv(registry_read(now=NOW), path)
    text = path.read_text(encoding="utf-8")
    with path.open(newline="", encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    return patients, text, rows


def test_it_holds_only_the_allowed_columns(exported):
    _, _, rows = exported
    assert set(rows[0]) == ALLOWED_COLUMNS
    assert list(rows[0]) == list(EXPORT_COLUMNS)


def test_no_direct_identifier_of_any_patient_is_in_it(exported):
    patients, text, _ = exported
    for patient in patients:
        procedure = ProcedureRecord.objects.get(patient=patient)
        identifiers = {
            "1 name": [patient.given_name, patient.family_name],
            "2 address smaller than a state": [patient.postal_code, patient.postal_code[:5]],
            "3 dates but the year": [
                patient.date_of_birth.isoformat(),
                procedure.performed_on.isoformat(),
                patient.date_of_birth.strftime("%m/%d/%Y"),
            ],
            "4/5 telephone and fax": [patient.phone, patient.phone[-10:], patient.phone[-7:]],
            "6 email": [patient.email],
            "8 record numbers": [f"patient {patient.pk}", f"/patients/{patient.pk}/"],
            "13 device serial numbers": [procedure.kit_lots] if procedure.kit_lots else [],
            "14/15 web addresses and IP addresses": ["http", "127.0.0.1"],
        }
        for identifier, values in identifiers.items():
            for value in values:
                assert value not in text, f"identifier {identifier}: {value!r} is in the export"
    # 7, 9-12, 16, 17: social security, health plan, account, licence and vehicle
    # numbers, biometrics and photographs are not in the record; the columns above
    # are all there is. 18, any other unique code: the research id (below).
    assert not FULL_DATE.search(text)


def test_record_numbers_do_not_become_research_ids(exported, tmp_path):
    patients, _, rows = exported
    ids = {row["research_id"] for row in rows}
    assert len(ids) == len(patients)
    assert all(re.fullmatch(r"R\d{7}", research_id) for research_id in ids)
    # Made up for each export: two exports of the same patients do not share a key
    # that could link them (with 3 patients, 1 in 6 orders repeat: try a few times).
    again = set()
    for attempt in range(6):
        path = tmp_path / f"again-{attempt}.csv"
        export_csv(registry_read(now=NOW), path)
        with path.open(newline="") as table:
            again.add(tuple(row["research_id"] for row in csv.DictReader(table)))
    assert len(again) > 1


def test_quasi_identifiers_are_generalised(exported):
    _, _, rows = exported
    by_age = {row["age"] for row in rows}
    assert "90+" in by_age  # born 1931: 94 at the procedure
    assert not any(age.isdigit() and int(age) > 89 for age in by_age)
    assert {row["zip3"] for row in rows} == {"000", "904"}
    assert {row["procedure_year"] for row in rows} == {"2026"}


def test_parquet_holds_the_same_rows_typed(exported, tmp_path):
    import duckdb

    _, _, rows = exported
    source = tmp_path / "export.csv"
    export_csv(registry_read(now=NOW), source)
    target = tmp_path / "export.parquet"

    csv_to_parquet(source, target)

    described = duckdb.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(target)]).fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["value"] == "DOUBLE"
    assert types["capped"] == "BOOLEAN"
    assert types["zip3"] == "VARCHAR"  # "000" stays three characters
    count = duckdb.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE zip3 = '000'", [str(target)]
    ).fetchall()
    assert count == [(sum(row["zip3"] == "000" for row in rows),)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("90401", "904"),
        ("90401-1234", "904"),
        (" 02139 ", "021"),
        ("03601", "000"),
        ("", ""),
        ("9040", ""),
        ("ABCDE", ""),
    ],
)
def test_zip_codes_keep_three_digits_or_none(code, expected):
    assert zip3(code) == expected


def test_every_restricted_prefix_becomes_000():
    assert {zip3(prefix + "01") for prefix in RESTRICTED_ZIP3} == {"000"}
    assert len(RESTRICTED_ZIP3) == 17


@pytest.mark.parametrize(
    ("age", "text"), [(0, "0"), (65, "65"), (89, "89"), (90, "90+"), (104, "90+")]
)
def test_ages_over_89_are_one_group(age, text):
    assert age_text(age) == text
