"""A freed earlier time is offered to the patient it brings forward, by a link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.patients.services import PatientDetails
from mildpath.scheduling.models import AppointmentType, OutboundMessage, WaitlistEntry
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import appointment_cancel, appointment_move
from mildpath.scheduling.services.waitlist import waitlist_offer_lapse
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# Time stands at tests.helpers.NOW, Tuesday 24 November 2026, 9 a.m. in Los Angeles.
EARLY = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wednesday 9 a.m., Pasadena


@pytest.fixture
def kind(demo_practice):
    demo_schedule_load()
    return AppointmentType.objects.get(location__slug="pasadena", kind="consultation")


def _book(kind, start, n, email="x@example.com"):
    return appointment_book(
        actor=TEST_ACTOR,
        appointment_type=kind,
        start=start,
        patient=PatientDetails(
            f"P{n}", "Waiting", date(1950, 1, n), f"+1626555{3000 + n}", email, "en"
        ),
        now=clock.now(),
    )


def _offer_link(entry: WaitlistEntry) -> str:
    body = OutboundMessage.objects.get(kind="offer", appointment=entry.appointment).body
    url = next(word for word in body.split() if "/p/offer/" in word)
    return url.split("127.0.0.1:8000", 1)[1]


def test_a_cancellation_offers_the_time_and_the_patient_takes_it(kind, client, make_staff, sign_in):
    early = _book(kind, EARLY, 1)
    later = _book(kind, EARLY + timedelta(days=7), 2)
    sign_in(make_staff("front_desk", ("pasadena",)))
    client.post(f"/staff/calendar/appointments/{later.pk}/change/", {"action": "waitlist"})
    entry = WaitlistEntry.objects.get(appointment=later)
    client.post("/staff/sign-out/")

    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=True)
    entry.refresh_from_db()
    assert entry.status == "offered"
    assert entry.offered_start == EARLY

    link = _offer_link(entry)
    page = client.get(link)
    assert "Yes, take the earlier time" in page.text
    taken = client.post(link + "take/", follow=True)
    assert "your appointment is now at the earlier time" in taken.text
    later.refresh_from_db()
    entry.refresh_from_db()
    assert later.start == EARLY and later.status == "booked"
    assert entry.status == "accepted"
    assert later.messages.filter(subject="Your appointment has a new time").exists()
    # Pressing again changes nothing and still says it is done.
    again = client.post(link + "take/", follow=True)
    assert "your appointment is now at the earlier time" in again.text
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "accepted"


def test_taking_a_time_another_doctor_freed_books_it_with_that_doctor(kind, client):
    early = _book(kind, EARLY, 1)
    later = _book(kind, EARLY + timedelta(days=8), 2)  # a Thursday: another doctor's day
    assert later.practitioner_id != early.practitioner_id
    WaitlistEntry.objects.create(appointment=later, created_at=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=True)

    taken = client.post(_offer_link(WaitlistEntry.objects.get()) + "take/", follow=True)
    assert "your appointment is now at the earlier time" in taken.text
    later.refresh_from_db()
    assert (later.start, later.practitioner_id) == (EARLY, early.practitioner_id)


def test_an_offer_no_longer_earlier_than_the_visit_is_gone(kind, client):
    early = _book(kind, EARLY, 1)
    later = _book(kind, EARLY + timedelta(days=14), 2)
    WaitlistEntry.objects.create(appointment=later, created_at=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=True)
    link = _offer_link(WaitlistEntry.objects.get())
    # Meanwhile the patient moved their own visit to before the offered time.
    sooner = EARLY - timedelta(days=2)  # Monday: the same doctor is there
    appointment_move(actor=TEST_ACTOR, appointment=later, start=sooner, now=clock.now())
    answer = client.post(link + "take/", follow=True)
    assert "no longer available" in answer.text
    later.refresh_from_db()
    assert later.start == sooner


def test_only_patients_it_brings_forward_are_offered_the_time(kind):
    early = _book(kind, EARLY, 1)
    earlier = _book(kind, EARLY - timedelta(days=1), 2)
    WaitlistEntry.objects.create(appointment=earlier, created_at=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=False)
    assert WaitlistEntry.objects.get().status == "waiting"
    assert not OutboundMessage.objects.filter(kind="offer").exists()


def test_an_unanswered_offer_passes_to_the_next_in_line(kind, frozen):
    early = _book(kind, EARLY, 1)
    first = WaitlistEntry.objects.create(
        appointment=_book(kind, EARLY + timedelta(days=7), 2), created_at=clock.now()
    )
    second = WaitlistEntry.objects.create(
        appointment=_book(kind, EARLY + timedelta(days=14), 3), created_at=clock.now()
    )
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=False)
    first.refresh_from_db()
    assert first.status == "offered"
    frozen.shift(timedelta(hours=13))
    waitlist_offer_lapse(entry_id=first.pk, now=clock.now())
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "waiting"
    assert second.status == "offered" and second.offered_start == EARLY


def test_a_time_taken_meanwhile_is_gone_and_the_patient_keeps_theirs(kind, client):
    early = _book(kind, EARLY, 1)
    later = _book(kind, EARLY + timedelta(days=7), 2)
    entry = WaitlistEntry.objects.create(appointment=later, created_at=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=False)
    entry.refresh_from_db()
    link = _offer_link(entry)
    _book(kind, EARLY, 4)  # someone books it online first
    response = client.post(link + "take/", follow=True)
    assert "that time is no longer available" in response.text
    later.refresh_from_db()
    assert later.start == EARLY + timedelta(days=7)


def test_the_offer_is_on_the_audit_trail_of_the_patient_it_goes_to(kind):
    from mildpath.audit.models import AuditEvent

    early = _book(kind, EARLY, 1)
    later = _book(kind, EARLY + timedelta(days=7), 2)
    WaitlistEntry.objects.create(appointment=later, created_at=clock.now())
    appointment_cancel(actor=TEST_ACTOR, appointment=early, now=clock.now(), by_patient=False)
    offer = AuditEvent.objects.get(action="waitlist.offer", patient_id=later.patient_id)
    assert offer.actor_label == "waiting list"
