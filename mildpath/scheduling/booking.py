"""Booking: the one service the booking pages, the staff calendar and the API share.
(Changes to a booked appointment, such as cancel, move, undo and marks, are in
``changes``.)

Locking rule: what another booking cannot change (hours, notice, eligibility) is
checked first; then the re-check of busy time and the insert happen in one
transaction that first locks the candidate practitioners' rows (``SELECT ... FOR
UPDATE`` in id order, so two bookings never wait on each other in a circle). On SQLite
the transaction is IMMEDIATE (settings), which takes the database's single write lock
at BEGIN. Behind the lock, the database refuses overlapping appointments itself
(migration 0003); if that backstop ever fires, the booking is reported as taken,
never as an error.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest

from mildpath.audit.services import record
from mildpath.core.db import insert
from mildpath.patients.models import Patient
from mildpath.practice.models import Practitioner
from mildpath.scheduling import sql
from mildpath.scheduling.availability import (
    practitioners_working_at,
    rules_for,
)
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.notifications import booking_messages_queue

RACE_WINDOW_SECONDS = 0.05


class SlotTaken(Exception):
    """The time was just taken (``reason`` says how we found out)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PatientAlreadyBooked(Exception):
    """The patient already holds an appointment at an overlapping time."""


@dataclass(frozen=True)
class PatientDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str
    email: str
    preferred_language: str


def _patient_known(details: PatientDetails) -> Patient | None:
    """The patient these details name, if we know them: phone and date of birth narrow
    it through an index, names compare case-blind."""
    for candidate in sql.patients_by_phone(details.phone, details.date_of_birth):
        if (
            candidate.given_name.casefold() == details.given_name.casefold()
            and candidate.family_name.casefold() == details.family_name.casefold()
        ):
            return candidate
    return None


def schedules_lock(practitioner_ids: tuple[int, ...]) -> None:
    """Hold the practitioners' rows until commit, in id order so that two bookings never
    wait on each other in a circle. SQLite needs nothing more: its IMMEDIATE transaction
    took the database's one write lock at BEGIN."""
    if connection.features.has_select_for_update:
        list(
            Practitioner.objects.select_for_update()
            .filter(pk__in=practitioner_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def person_lock(phone: str, date_of_birth: date) -> None:
    """Hold, until commit, everyone's bookings for one person (same phone and date of
    birth), so that two at once cannot each find the other's time free, nor each create
    the patient. Taken after ``schedules_lock``, never before, so no two bookings wait
    on each other in a circle. On PostgreSQL a transaction-scoped advisory lock on a
    64-bit digest of the two; SQLite's IMMEDIATE transaction already holds all writers."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"{phone}|{date_of_birth.isoformat()}".encode(), digest_size=8)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)",
            [int.from_bytes(digest.digest(), "big", signed=True)],
        )


def appointment_book(
    *,
    request: HttpRequest | None,
    appointment_type: AppointmentType,
    start: datetime,
    patient: PatientDetails,
    now: datetime,
    practitioner_id: int | None = None,
    reason: str = "",
    referring_physician: str = "",
    source: str = "online",
    email_ok: bool = False,
    sms_ok: bool = False,
) -> Appointment:
    """Book ``start`` for the patient, with the named practitioner or anyone eligible.

    Raises SlotTaken when the time is no longer free and PatientAlreadyBooked when the
    patient holds an overlapping appointment. Nothing is written in either case.
    """
    rules = rules_for(appointment_type)
    end = start + rules.duration
    held_from, held_to = start - rules.buffer_before, end + rules.buffer_after
    working = practitioners_working_at(
        appointment_type=appointment_type, start=start, now=now, practitioner_id=practitioner_id
    )
    if not working:
        raise SlotTaken("taken")
    with transaction.atomic():
        if settings.MILDPATH_BOOKING_LOCK:
            schedules_lock(working)
            person_lock(patient.phone, patient.date_of_birth)
        known = _patient_known(patient)
        taken, patient_busy = sql.clashes(
            practitioner_ids=working,
            held_from=held_from,
            held_to=held_to,
            patient_id=known.pk if known is not None else None,
            start=start,
            end=end,
        )
        free = [pk for pk in working if pk not in taken]
        if not free:
            raise SlotTaken("taken")
        if patient_busy:
            raise PatientAlreadyBooked
        if not settings.MILDPATH_BOOKING_LOCK:
            # Test profile only, to prove the lock matters: hold the gap between check and
            # insert open long enough that concurrent bookings fall into it every time.
            time.sleep(RACE_WINDOW_SECONDS)
        booked_patient = known or insert(
            Patient(
                given_name=patient.given_name,
                family_name=patient.family_name,
                date_of_birth=patient.date_of_birth,
                phone=patient.phone,
                email=patient.email,
                preferred_language=patient.preferred_language,
                created_at=now,
            )
        )
        sql.patient_seen_at(booked_patient.pk, appointment_type.location_id)
        try:
            appointment = insert(
                Appointment(
                    location=appointment_type.location,
                    practitioner_id=free[0],
                    patient=booked_patient,
                    appointment_type=appointment_type,
                    start=start,
                    end=end,
                    busy_start=held_from,
                    busy_end=held_to,
                    reason=reason,
                    referring_physician=referring_physician,
                    source=source,
                    remind_by_email=email_ok and bool(patient.email),
                    remind_by_sms=sms_ok,
                    created_at=now,
                )
            )
        except IntegrityError as exc:
            # The database's no-overlap guard caught what the check above missed; leaving
            # the block with this exception rolls the whole booking back.
            raise SlotTaken("constraint") from exc
        record(
            action="create",
            request=request,
            obj=appointment,
            patient_id=booked_patient.pk,
            detail={"source": source},
        )
        booking_messages_queue(appointment=appointment, now=now)
    return appointment
