"""The de-identified export (HIPAA Safe Harbor) and the report's CSV.

The export is one long table: a row per patient, measure and time point answered, with
the patient's de-identified facts repeated on each row (what R, Stata and pandas read
without a join). Only what Safe Harbor lets through is ever written: a research id made
up for this export (random, not derived from any record number, different in every
export), age in years with everyone over 89 as "90+", the ZIP code's first three digits
("000" for the low-population prefixes), the procedure's year, every other date as days
from the procedure, and the clinic and operator as codes. Names, contact details,
record numbers, full dates and free text never leave. Only patients who agreed to
registry use are in the registry at all (``registry.cohort_read``).

Parquet is written by DuckDB from the CSV with every column's type given, so the two
files hold the same rows.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from mildpath.outcomes.deid import age_band, age_text, zip3
from mildpath.outcomes.registry import MEASURES, Registry

Progress = Callable[[int, str], None]

# Column -> its Parquet (DuckDB) type. Also the CSV header, in this order.
EXPORT_COLUMNS: dict[str, str] = {
    "research_id": "VARCHAR",
    "age": "VARCHAR",
    "age_band": "VARCHAR",
    "zip3": "VARCHAR",
    "procedure_year": "INTEGER",
    "clinic": "VARCHAR",
    "operator": "VARCHAR",
    "levels": "VARCHAR",
    "level_count": "INTEGER",
    "side": "VARCHAR",
    "payer": "VARCHAR",
    "measure": "VARCHAR",
    "time_point": "VARCHAR",
    "day": "INTEGER",
    "value": "DOUBLE",
    "capped": "BOOLEAN",
    "repeat_procedure_day": "INTEGER",
    "later_surgery_day": "INTEGER",
    "worst_complication": "VARCHAR",
    "complication_day": "INTEGER",
    "last_follow_up_day": "INTEGER",
    "synthetic": "BOOLEAN",
}
GRADE_ORDER = ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V")


def _codes(ids: NDArray[np.int64], prefix: str) -> dict[int, str]:
    return {int(i): f"{prefix}{n}" for n, i in enumerate(sorted(set(ids.tolist())), start=1)}


def _day(value: float) -> str:
    return "" if np.isnan(value) else str(int(value))


def export_rows(registry: Registry, *, progress: Progress | None = None) -> Iterator[list[Any]]:
    """The export's rows, in EXPORT_COLUMNS order."""
    cohort = registry.cohort
    n = len(cohort)
    # A research id per patient, in a random order: nothing in it points back.
    numbers = list(range(1, n + 1))
    secrets.SystemRandom().shuffle(numbers)
    research = [f"R{number:07d}" for number in numbers]
    clinics, operators = _codes(cohort.location, "C"), _codes(cohort.operator, "P")
    years = (cohort.procedure_day.astype("datetime64[D]")).astype("datetime64[Y]").astype(
        int
    ) + 1970
    worst: dict[int, tuple[str, int]] = {}
    for i, grade, _phase, day in registry.complications:
        if i not in worst or GRADE_ORDER.index(grade) > GRADE_ORDER.index(worst[i][0]):
            worst[i] = (grade, day)
    facts: list[list[Any]] = []
    events: list[list[str]] = []
    for i in range(n):
        grade, day = worst.get(i, ("", -1))
        facts.append(
            [
                research[i],
                age_text(int(cohort.age[i])),
                age_band(int(cohort.age[i])),
                zip3(cohort.postal_code[i]),
                int(years[i]),
                clinics[int(cohort.location[i])],
                operators[int(cohort.operator[i])],
                ";".join(cohort.levels[i]),
                int(cohort.level_count[i]),
                cohort.side[i],
                "medicare" if cohort.medicare[i] else "other",
            ]
        )
        events.append(
            [
                _day(cohort.repeat_day[i]),
                _day(cohort.surgery_day[i]),
                grade,
                "" if i not in worst else str(day),
                _day(registry.last_contact_day[i]),
                "true" if registry.made_up[i] else "false",
            ]
        )
    measures = [m for m in MEASURES if m in registry.readings]
    for number, measure in enumerate(measures):
        readings = registry.readings[measure]
        for code in registry.codes:
            if code not in readings.patient:
                continue
            who, values = readings.patient[code], readings.value[code]
            capped, days = readings.capped[code], readings.day[code]
            for j in range(len(who)):
                i = int(who[j])
                yield [
                    *facts[i],
                    measure,
                    code,
                    int(days[j]),
                    float(values[j]),
                    bool(capped[j]),
                    *events[i],
                ]
        if progress is not None:
            progress(20 + 60 * (number + 1) // len(measures), "writing the rows")


def export_csv(registry: Registry, path: Path, *, progress: Progress | None = None) -> int:
    """Write the export as CSV; returns the number of rows."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for row in export_rows(registry, progress=progress):
            writer.writerow(row)
            count += 1
    return count


def csv_to_parquet(csv_path: Path, parquet_path: Path) -> None:
    """The same table as Parquet, every column typed as EXPORT_COLUMNS says."""
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in EXPORT_COLUMNS.items())
    with duckdb.connect() as db:
        db.execute(
            f"COPY (SELECT * FROM read_csv(?, header = true, columns = {{{columns}}})) "  # noqa: S608  # nosec B608: constants only
            "TO ? (FORMAT parquet, COMPRESSION zstd)",
            [str(csv_path), str(parquet_path)],
        )
