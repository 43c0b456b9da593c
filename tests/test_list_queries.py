"""Query-count guards on the staff list pages.

Each page is read once with 10 rows and again with 100: the number of database
queries must not change, so a page that reads something per row (an N+1) fails here.
The rows are made straight with the ORM, in bulk: what is measured is the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mildpath.audit.models import AuditEvent
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires.models import TimePoint
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    ConsultationRequest,
    OutboundMessage,
    ScheduleOverride,
    TextOptOut,
)
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Time stands at the suite's reference moment (tests.helpers.NOW, a Tuesday), so the
# calendar's days are fixed.
DAY = date(2026, 12, 2)  # the Wednesday after
TODAY = date(2026, 11, 24)
WEEK = date(2026, 11, 30)  # the Monday that week starts on
FEW, MANY = 10, 100
# Sessions, the user, the staff profile, the page's own reads and its audit entry.
CEILING = 25


class Rows:
    """Makes numbered rows at Pasadena, in bulk; numbering goes on across calls, so a
    second batch adds rows rather than repeating the first. Each appointment has its
    own patient and its own doctor, so neither no-overlap guard can object."""

    def __init__(self) -> None:
        self.location = Location.objects.get(slug="pasadena")
        self.kind = AppointmentType.objects.get(location=self.location, kind="consultation")
        self.made = 0

    def _numbers(self, count: int) -> range:
        first = self.made
        self.made += count
        return range(first, first + count)

    def patients(self, count: int) -> list[Patient]:
        made = Patient.objects.bulk_create(
            Patient(
                given_name="Row",
                family_name=f"Patient{i:03d}",
                date_of_birth=date(1950, 1, 1) + timedelta(days=i),
                phone=f"+1626555{i:04d}",
                created_at=NOW,
            )
            for i in self._numbers(count)
        )
        Patient.locations.through.objects.bulk_create(
            Patient.locations.through(patient_id=patient.pk, location_id=self.location.pk)
            for patient in made
        )
        return made

    def appointments(self, count: int, *, week: bool = False, day: date = DAY) -> list[Appointment]:
        patients = self.patients(count)
        doctors = Practitioner.objects.bulk_create(
            Practitioner(
                given_name="Row",
                family_name=f"Doctor{patient.family_name[-3:]}",
                credentials="MD",
                board_certification="Pain Medicine",
                slug=f"row-doctor-{patient.pk}",
            )
            for patient in patients
        )
        tz = self.location.tz
        rows = []
        for patient, doctor in zip(patients, doctors, strict=True):
            i = int(patient.family_name[-3:])
            when = WEEK + timedelta(days=i % 7) if week else day
            start = datetime.combine(when, time(6), tzinfo=tz) + timedelta(minutes=6 * (i % 100))
            end = start + timedelta(minutes=45)
            rows.append(
                Appointment(
                    location=self.location,
                    practitioner=doctor,
                    patient=patient,
                    appointment_type=self.kind,
                    start=start,
                    end=end,
                    busy_start=start,
                    busy_end=end,
                    created_at=NOW,
                )
            )
        return Appointment.objects.bulk_create(rows)

    def failed_messages(self, count: int) -> list[OutboundMessage]:
        return OutboundMessage.objects.bulk_create(
            OutboundMessage(
                key=f"row-failed-{appointment.pk}",
                kind="reminder",
                channel=OutboundMessage.Channel.SMS,
                appointment=appointment,
                to=appointment.patient.phone,
                body="Your appointment is on Wednesday.",
                send_after=NOW - timedelta(hours=3),
                status=OutboundMessage.Status.FAILED,
                created_at=NOW - timedelta(days=1),
                attempts=5,
                error="Unreachable number",
            )
            for appointment in self.appointments(count)
        )

    def requests(self, count: int) -> list[ConsultationRequest]:
        # Later numbers are newer; every third asks for any location.
        return ConsultationRequest.objects.bulk_create(
            ConsultationRequest(
                name=f"Caller {i:03d}",
                phone=f"+1626556{i:04d}",
                preferred_location=None if i % 3 == 0 else self.location,
                best_time=ConsultationRequest.BestTime.MORNING,
                consent_to_contact=True,
                created_at=NOW - timedelta(hours=2) + timedelta(seconds=i),
            )
            for i in self._numbers(count)
        )

    def audit_events(self, count: int) -> list[AuditEvent]:
        # Later numbers are newer, though older than anything the test's requests write.
        return AuditEvent.objects.bulk_create(
            AuditEvent(
                at=NOW - timedelta(hours=2) + timedelta(seconds=i),
                actor_label=f"row-user-{i:03d}",
                role="front_desk",
                action="patient.read",
                object_type="patient",
                object_id=str(i),
                patient_id=i + 1,
            )
            for i in self._numbers(count)
        )


@dataclass
class Page:
    url: str
    params: dict[str, str]
    role: str
    # Adds this many rows; returns the texts (names) the page must now show.
    build: Callable[[Rows, int], list[str]]
    # What the page says about how many rows there are, given how many were made.
    caption: Callable[[int], str]
    # Whether the rows of an earlier batch stay on the page (not so on a short list).
    keep: bool = True
    locations: tuple[str, ...] = ("pasadena",)


def _appointments(rows: Rows, count: int) -> list[str]:
    return [str(a.patient) for a in rows.appointments(count)]


def _appointments_in_week(rows: Rows, count: int) -> list[str]:
    return [str(a.patient) for a in rows.appointments(count, week=True)]


def _patients(rows: Rows, count: int) -> list[str]:
    return [f"{p.family_name}, {p.given_name}" for p in rows.patients(count)]


def _requests(rows: Rows, count: int) -> list[str]:
    return [r.name for r in rows.requests(count)]


def _failed(rows: Rows, count: int) -> list[str]:
    return [str(m.appointment.patient) for m in rows.failed_messages(count) if m.appointment]


def _audit(rows: Rows, count: int) -> list[str]:
    # Newest first, 50 a page: the newest row made is on the first page.
    return [rows.audit_events(count)[-1].actor_label]


def _home(rows: Rows, count: int) -> list[str]:
    # The three oldest new requests are listed (the first batch's first is the oldest of
    # all); the failed messages are counted.
    rows.requests(count)
    rows.failed_messages(count)
    return ["Caller 000"]


def _home_today(rows: Rows, count: int) -> list[str]:
    # Every visit today is listed; patients who stopped texts are counted, ten listed.
    made = rows.appointments(count, day=TODAY)
    TextOptOut.objects.bulk_create(
        TextOptOut(phone=a.patient.phone, stopped=True, changed_at=NOW) for a in made
    )
    return [str(a.patient) for a in made]


def _home_week(rows: Rows, count: int) -> list[str]:
    # Booked this week (at NOW) for the next: bookings made, no visits held yet.
    rows.appointments(count, week=True)
    rows.requests(count)
    return ["Pasadena"]


def _day_offs(rows: Rows, count: int) -> list[str]:
    doctor = Practitioner.objects.get(slug="samuel-okafor")
    made = ScheduleOverride.objects.bulk_create(
        ScheduleOverride(
            practitioner=doctor,
            location=rows.location,
            date=DAY + timedelta(days=i % 60),
            note=f"Leave {i:03d}",
        )
        for i in rows._numbers(count)
    )
    return [change.note for change in made]


def _baselines_overdue(rows: Rows, count: int) -> list[str]:
    # Intake questions due by visits that began earlier today, not answered: the longest
    # overdue first, 50 listed (the first batch's first is the oldest of all).
    TimePoint.objects.bulk_create(
        TimePoint(
            patient=patient,
            location=rows.location,
            code="baseline",
            anchor="baseline",
            anchor_date=TODAY,
            target=TODAY,
            opens_at=NOW - timedelta(days=30),
            closes_at=NOW + timedelta(hours=15),
            due_at=NOW - timedelta(hours=2) + timedelta(seconds=int(patient.family_name[-3:])),
            created_at=NOW - timedelta(days=30),
        )
        for patient in rows.patients(count)
    )
    return ["Row Patient000"]


def _audit_caption(total: int) -> str:
    # Every entry counts, those the sign-in and the earlier reads wrote too.
    return f"{AuditEvent.objects.count()} entries"


PAGES = {
    "calendar-day": Page(
        "/staff/calendar/", {"location": "pasadena", "date": DAY.isoformat()}, "front_desk",
        _appointments, lambda total: "Calendar: Pasadena",
    ),
    "calendar-week": Page(
        "/staff/calendar/",
        {"location": "pasadena", "date": WEEK.isoformat(), "view": "week"}, "front_desk",
        _appointments_in_week, lambda total: "Calendar: Pasadena",
    ),
    "patients": Page(
        "/staff/patients/", {}, "front_desk", _patients, lambda total: f"{total} patients"
    ),
    "patient-search": Page(
        "/staff/patients/", {"q": "row"}, "front_desk", _patients,
        lambda total: f"{total} patients match “row”",
    ),
    "call-back-requests": Page(
        "/staff/requests/", {"status": "all"}, "front_desk", _requests,
        lambda total: f"{total} requests",
    ),
    "failed-messages": Page(
        "/staff/calendar/messages/failed/", {}, "front_desk", _failed,
        lambda total: f"{total} messages",
    ),
    "audit": Page(
        "/staff/audit/", {}, "manager", _audit, _audit_caption, keep=False, locations=()
    ),
    "staff-home": Page(
        "/staff/", {}, "front_desk", _home,
        lambda total: f"{total} patient messages could not be sent", keep=False,
    ),
    "staff-home-today": Page(
        "/staff/", {}, "front_desk", _home_today,
        lambda total: f"<strong>{total}</strong> visits today",
    ),
    "staff-home-week": Page(
        "/staff/", {"week": TODAY.isoformat()}, "manager", _home_week,
        lambda total: f"<td>{total}</td><td>0</td><td>0</td>", keep=False, locations=(),
    ),
    "staff-home-overdue": Page(
        "/staff/", {}, "front_desk", _baselines_overdue,
        lambda total: f"{total} patients have not answered questions that are due.", keep=False,
    ),
    "clinician-home-overdue": Page(
        "/staff/", {}, "clinician", _baselines_overdue,
        lambda total: f"{total} patients have not answered questions that are due.", keep=False,
    ),
    "tablet": Page(
        "/staff/tablet/", {}, "front_desk", _baselines_overdue,
        lambda total: "Questions due today", keep=False,
    ),
    "tablet-search": Page(
        "/staff/tablet/", {"q": "row"}, "front_desk", _baselines_overdue,
        lambda total: "Questions waiting for the patients found", keep=False,
    ),
    "block-time": Page(
        "/staff/calendar/block/", {"location": "pasadena"}, "manager", _day_offs,
        lambda total: "Changes already made at Pasadena", locations=(),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_the_page_reads_as_many_queries_for_100_rows_as_for_10(
    name, client, demo_practice, make_staff, sign_in
):
    demo_schedule_load()
    page = PAGES[name]
    rows = Rows()
    sign_in(make_staff(page.role, page.locations))
    client.get(page.url, page.params)  # the first request's one-off reads, out of the way

    counts: dict[int, int] = {}
    shown: list[str] = []
    for total, add in ((FEW, FEW), (MANY, MANY - FEW)):
        made = page.build(rows, add)
        assert len(made) == (add if page.keep else 1)
        shown = [*shown, *made] if page.keep else made
        expected = [page.caption(total), *shown]
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url, page.params)
        assert response.status_code == 200, (name, total)
        text = response.content.decode()
        missing = [each for each in expected if each not in text]
        assert not missing, (name, total, missing[:5])
        counts[total] = len(queries)

    assert counts[MANY] == counts[FEW], (
        f"{name}: {counts[FEW]} queries with {FEW} rows, {counts[MANY]} with {MANY}: "
        "something is read once per row",
        [q["sql"] for q in queries.captured_queries],
    )
    assert counts[FEW] <= CEILING, (name, counts)
