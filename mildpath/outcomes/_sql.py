"""The registry's hand-written reads: every complete score of one questionnaire, as a
few long comma-separated columns the database builds in one aggregate pass, and the
signed procedures of the patients who agreed to registry use, with dates as numbers.

Why not the ORM: the registry reads millions of scores (100,000 patients x 7 time
points x 5 questionnaires in the benchmark). Fetched as model values, each becomes a
Python object (a date parsed, a JSON document decoded), and the report took about
twice as long (bench/README.md has the figures); as one string per column, numpy
parses them in C. The JSON keys come from ``NUMBER_KEYS`` (our own constants, never
input), and every value the caller gives is a bound parameter. Tested on SQLite and
PostgreSQL (tests/outcomes/test_registry.py runs in both passes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from mildpath.care.models import CareConsent, ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.questionnaires.models import Response

# Keys of a complete response's scores, per questionnaire, as the registry reads them;
# the flags say "the test stopped at its limit" (a right-censored value).
NUMBER_KEYS: dict[str, tuple[str, ...]] = {
    "odi": ("odi",),
    "zcq": ("zcq_symptom", "zcq_function", "zcq_satisfaction"),
    "nrs": ("nrs_back", "nrs_leg"),
    "standing": ("standing_minutes",),
    "walking": ("walking_feet",),
}
FLAG_KEYS: dict[str, tuple[str, ...]] = {
    "standing": ("standing_capped",),
    "walking": ("walking_capped",),
}


@dataclass(frozen=True)
class Scores:
    """One questionnaire's complete responses: who, when (days since 1970-01-01 UTC, with
    the time of day as the fraction) and each score key's values (NaN: not computable)."""

    patient: NDArray[np.int64]
    day: NDArray[np.float64]
    values: dict[str, NDArray[np.float64]]

    def __len__(self) -> int:
        return len(self.patient)


def _number(key: str) -> str:
    """One score as text ("nan" when not computable); the floor reads it."""
    if connection.vendor == "postgresql":
        return f"COALESCE((scores->>'{key}'), 'nan')"
    return f"COALESCE(json_extract(scores, '$.{key}'), 'nan')"


def _minute() -> str:
    """The answer's instant in whole minutes since 1970-01-01 UTC (short to send, exact
    enough to place it on a calendar day)."""
    if connection.vendor == "postgresql":
        return "CAST(ROUND(EXTRACT(EPOCH FROM completed_at) / 60) AS bigint)"
    # Django stores SQLite datetimes as UTC text; julianday() reads them.
    return "CAST(ROUND((julianday(completed_at) - 2440587.5) * 1440) AS INTEGER)"


def _who_and_when() -> str:
    """A response's patient and minute, "patient,minute": whole numbers, quick to read."""
    if connection.vendor == "postgresql":
        return f"concat_ws(',', patient_id, {_minute()})"
    return f"patient_id || ',' || {_minute()}"


def _scores(keys: tuple[str, ...]) -> str:
    """A response's scores, "a,b,..." or "[a,b]", "null" where not computable: every
    score from one reading of the JSON document (SQLite's json_extract with several
    paths gives them as one array)."""
    if connection.vendor == "postgresql":
        return (
            "concat_ws(',', "
            + ", ".join(f"COALESCE(scores->>'{key}', 'null')" for key in keys)
            + ")"
        )
    if len(keys) == 1:
        return f"COALESCE(json_extract(scores, '$.{keys[0]}'), 'null')"
    return "json_extract(scores, " + ", ".join(f"'$.{key}'" for key in keys) + ")"


def _joined(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg({expression}, ',')"
    return f"group_concat({expression}, ',')"


# JSON words as numbers: null -> NaN, true -> 1, false -> 0; array brackets go.
_BRACKETS = str.maketrans({"[": None, "]": None})


def complete_scores(instrument: str) -> Scores:
    """Every complete response to ``instrument`` (one of NUMBER_KEYS), in one pass."""
    keys = NUMBER_KEYS[instrument] + FLAG_KEYS.get(instrument, ())
    table = Response._meta.db_table
    sql = (
        f"SELECT {_joined(_who_and_when())}, {_joined(_scores(keys))} FROM {table} "  # noqa: S608  # nosec B608: constants only
        "WHERE instrument = %s AND status = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [instrument, Response.Status.COMPLETE])
        who_and_when, scores = cursor.fetchone()
    if not who_and_when:
        empty = np.empty(0)
        return Scores(np.empty(0, np.int64), empty, {key: empty for key in keys})
    pairs = np.fromstring(who_and_when, sep=",", dtype=np.int64).reshape(-1, 2)
    text = scores.translate(_BRACKETS)
    text = text.replace("null", "nan").replace("true", "1").replace("false", "0")
    values = np.fromstring(text, sep=",")
    if len(values) != len(pairs) * len(keys):
        raise RuntimeError(
            f"registry read of {instrument}: {len(values)} scores, {len(pairs)} rows"
        )
    values = values.reshape(-1, len(keys))
    return Scores(
        patient=pairs[:, 0],
        day=pairs[:, 1] / 1440.0,
        values={key: np.ascontiguousarray(values[:, i]) for i, key in enumerate(keys)},
    )


def _days_since_1970(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def signed_procedures() -> list[tuple[Any, ...]]:
    """Every version of every signed procedure of a patient who agreed to registry use,
    by procedure and version: (procedure, patient, day performed, location, operator,
    levels as JSON text, side, Medicare CED, the consent's Medicare flag, day of birth,
    ZIP code, the location's time zone). Days count from 1970-01-01."""
    sql = (
        f"SELECT p.chain, p.patient_id, {_days_since_1970('p.performed_on')}, "  # noqa: S608  # nosec B608: constants only
        "p.location_id, p.operator_id, p.levels, p.side, p.medicare_ced, c.medicare, "
        f"{_days_since_1970('pt.date_of_birth')}, pt.postal_code, l.time_zone "
        f"FROM {ProcedureRecord._meta.db_table} p "
        f"JOIN {CareConsent._meta.db_table} c ON c.patient_id = p.patient_id "
        f"JOIN {Patient._meta.db_table} pt ON pt.id = p.patient_id "
        f"JOIN {Location._meta.db_table} l ON l.id = p.location_id "
        "WHERE p.signed_at IS NOT NULL AND c.registry = %s "
        "ORDER BY p.chain, p.version"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True])
        return list(cursor.fetchall())


def floor_scan() -> list[tuple[object, ...]]:
    """The benchmark's floor: one aggregate scan over the same rows (per questionnaire,
    the count of complete responses and the mean of its first score), the least any
    report over them can cost."""
    table = Response._meta.db_table
    cast = "double precision" if connection.vendor == "postgresql" else "REAL"
    first_score = " ".join(
        f"WHEN '{instrument}' THEN CAST(NULLIF({_number(keys[0])}, 'nan') AS {cast})"
        for instrument, keys in NUMBER_KEYS.items()
    )
    sql = (
        f"SELECT instrument, COUNT(*), AVG(CASE instrument {first_score} END) "  # noqa: S608  # nosec B608: constants only
        f"FROM {table} WHERE status = %s GROUP BY instrument"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Response.Status.COMPLETE])
        return list(cursor.fetchall())
