"""Hand-written SQL for the small statements every booking makes (and the hours every
slot search reads).

Building a query through the ORM costs about 0.5 ms here, ten times running it, and
a booking makes half a dozen; written out once, in SQL that SQLite and PostgreSQL both
take, they are a large part of why a booking went from 83 to over 500 a second
(bench/booking.py). Whole rows come and go through ``mildpath.core.db``. The suite
runs these on both databases; a column renamed in a model without a change here fails
it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from mildpath.core.db import columns, database, instance
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.scheduling.models import Appointment, AppointmentType


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with database().cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _time(value: time | str) -> time:
    # SQLite hands back text; PostgreSQL, a time.
    return value if isinstance(value, time) else time.fromisoformat(value)


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _moment(value: datetime) -> Any:
    return database().ops.adapt_datetimefield_value(value)


def _day(value: date) -> Any:
    return database().ops.adapt_datefield_value(value)


def appointment_type_at(location_slug: str, kind: str) -> AppointmentType | None:
    """The active appointment type of this kind at the active location with this slug,
    its location attached: one query where the ORM would build a join (every booking
    asks)."""
    rows = _rows(
        # Only column lists derived from the models are formatted in.
        f"SELECT {columns(AppointmentType)}, {columns(Location)} FROM scheduling_appointmenttype"  # noqa: S608
        " JOIN practice_location ON practice_location.id = scheduling_appointmenttype.location_id"
        " WHERE practice_location.slug = %s AND practice_location.is_active"
        " AND scheduling_appointmenttype.kind = %s AND scheduling_appointmenttype.is_active",
        [location_slug, kind],
    )
    if not rows:
        return None
    width = len(AppointmentType._meta.concrete_fields)
    found = instance(AppointmentType, rows[0][:width])
    found.location = instance(Location, rows[0][width:])
    return found


def _eligible_hours(
    table: str,
    picked: str,
    type_ids: Sequence[int],
    practitioner_id: int | None,
    where: str = "",
    params: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """A SELECT of an hours table's rows (``h``) with the appointment type each serves:
    its practitioner is active and eligible for the type, at the type's location."""
    only = " AND h.practitioner_id = %s" if practitioner_id is not None else ""
    return (
        # Only fixed table names and placeholders are formatted in: S608 does not apply.
        f"SELECT e.appointmenttype_id, h.practitioner_id, {picked} FROM {table} h"  # noqa: S608
        " JOIN scheduling_appointmenttype t ON t.location_id = h.location_id"
        " JOIN scheduling_appointmenttype_practitioners e"
        "   ON e.appointmenttype_id = t.id AND e.practitioner_id = h.practitioner_id"
        " JOIN practice_practitioner p ON p.id = h.practitioner_id"
        f" WHERE t.id IN ({_marks(type_ids)}) AND p.is_active{where}{only}",
        [*type_ids, *params, *([practitioner_id] if practitioner_id is not None else [])],
    )


WeeklyHours = tuple[int, int, int, time, time]
DateChange = tuple[int, int, date, time | None, time | None]


def hours(
    type_ids: Sequence[int], practitioner_id: int | None, first_day: date, last_day: date
) -> tuple[list[WeeklyHours], list[DateChange]]:
    """For every active practitioner eligible for each type, at the type's location:
    their weekly hours, as (appointment type, practitioner, weekday, opens, closes), and
    their date changes from ``first_day`` to ``last_day``, as (appointment type,
    practitioner, date, opens, closes), where no hours means a day off. One statement:
    a booking asks this every time."""
    if not type_ids:
        return [], []
    weekly, weekly_params = _eligible_hours(
        "scheduling_workinghours",
        'h.weekday, NULL, h.start, h."end"',
        type_ids,
        practitioner_id,
    )
    changes, changes_params = _eligible_hours(
        "scheduling_scheduleoverride",
        'NULL, h.date, h.start, h."end"',
        type_ids,
        practitioner_id,
        where=" AND h.date >= %s AND h.date <= %s",
        params=[_day(first_day), _day(last_day)],
    )
    found_weekly: list[WeeklyHours] = []
    found_changes: list[DateChange] = []
    for kind, who, weekday, day, opens, closes in _rows(
        f"{weekly} UNION ALL {changes}", [*weekly_params, *changes_params]
    ):
        if weekday is not None:
            found_weekly.append((kind, who, weekday, _time(opens), _time(closes)))
        else:
            found_changes.append(
                (
                    kind,
                    who,
                    _date(day),
                    None if opens is None else _time(opens),
                    None if closes is None else _time(closes),
                )
            )
    return found_weekly, found_changes


def clashes(
    *,
    practitioner_ids: Sequence[int],
    held_from: datetime,
    held_to: datetime,
    patient_id: int | None,
    start: datetime,
    end: datetime,
) -> tuple[set[int], bool]:
    """Which of the practitioners hold time overlapping [held_from, held_to) (buffers
    included), and whether the patient holds an appointment overlapping [start, end)."""
    holds = list(Appointment.HOLDS_TIME)
    practitioner_clash = (
        f"(practitioner_id IN ({_marks(practitioner_ids)}) AND busy_start < %s AND busy_end > %s)"
    )
    practitioner_params = [*practitioner_ids, _moment(held_to), _moment(held_from)]
    patient_clash = '(patient_id = %s AND start < %s AND "end" > %s)'
    patient_params = [patient_id, _moment(end), _moment(start)]
    rows = _rows(
        f"SELECT practitioner_id, CASE WHEN {practitioner_clash} THEN 1 ELSE 0 END,"  # noqa: S608
        f" CASE WHEN {patient_clash} THEN 1 ELSE 0 END"
        f" FROM scheduling_appointment WHERE status IN ({_marks(holds)})"
        f" AND ({practitioner_clash} OR {patient_clash})",
        [
            *practitioner_params,
            *patient_params,
            *holds,
            *practitioner_params,
            *patient_params,
        ],
    )
    taken = {practitioner_id for practitioner_id, busy, _ in rows if busy}
    return taken, any(mine for _, _, mine in rows)


def patients_by_phone(phone: str, date_of_birth: date) -> list[Patient]:
    """Every patient with this phone and birth date, oldest record first."""
    rows = _rows(
        # Only a column list derived from the model is formatted in.
        f"SELECT {columns(Patient)} FROM patients_patient"  # noqa: S608
        " WHERE phone = %s AND date_of_birth = %s ORDER BY id",
        [phone, _day(date_of_birth)],
    )
    return [instance(Patient, row) for row in rows]


def patient_seen_at(patient_id: int, location_id: int) -> None:
    """Link the patient to the location (their record becomes visible to its staff);
    nothing happens if they are linked already."""
    with database().cursor() as cursor:
        cursor.execute(
            "INSERT INTO patients_patient_locations (patient_id, location_id) VALUES (%s, %s)"
            " ON CONFLICT (patient_id, location_id) DO NOTHING",
            [patient_id, location_id],
        )
