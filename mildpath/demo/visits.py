"""Demo visits, so the front desk's home and the calendar have a day to show.

Booked through the booking service like any staff booking, as if a few days ago (so
today's times are not refused for short notice). Fictional people; phone numbers in
the 555-01xx range reserved for fiction; no email, so nothing leaves the machine except
text files under var/sms. Idempotent: a demo patient who already holds a visit that
day keeps it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Location
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import PatientAlreadyBooked, SlotTaken, TimeNotOffered
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.slots import FreeTime

# given, family, born, language
PEOPLE = [
    ("Walter", "Brennan", date(1947, 3, 14), "en"),
    ("Lucía", "Herrera", date(1952, 7, 9), "es"),
    ("Gloria", "Whitfield", date(1944, 11, 2), "en"),
    ("Ernesto", "Salinas", date(1949, 5, 21), "es"),
    ("Dorothy", "Okafor", date(1955, 1, 17), "en"),
    ("Frank", "Castellano", date(1950, 8, 30), "en"),
    ("Carmen", "Villanueva", date(1946, 12, 5), "es"),
    ("Raymond", "Fischer", date(1953, 6, 11), "en"),
    ("Beatriz", "Ochoa", date(1957, 2, 24), "es"),
    ("Leonard", "Park", date(1945, 10, 8), "en"),
    ("Irene", "Kowalski", date(1951, 4, 19), "en"),
    ("Manuel", "Ibarra", date(1948, 9, 3), "es"),
]

VISITS_PER_DAY = 4
DAYS = 5


def demo_visits_load(*, now: datetime, seed: int = 7) -> int:
    """A few consultations a day at every location for the next working days. Returns
    how many were booked now."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    booked_as_of = now - timedelta(days=3)
    actor = Actor.system("demo loader")
    people = iter(rng.sample(PEOPLE, len(PEOPLE)) * 50)
    count = 0
    for location in Location.objects.order_by("sort_order"):
        kind = AppointmentType.objects.filter(
            location=location, kind=AppointmentType.Kind.CONSULTATION
        ).first()
        if kind is None:
            continue
        today = now.astimezone(location.tz).date()
        for offset in range(DAYS):
            day = today + timedelta(days=offset)
            midnight = datetime.combine(day, time(0), tzinfo=location.tz)
            if Appointment.objects.filter(
                location=location,
                source="demo",
                start__gte=midnight,
                start__lt=midnight + timedelta(days=1),
            ).exists():
                continue
            free = available_slots(
                appointment_type=kind, first_day=day, last_day=day, now=booked_as_of
            )
            later = [slot for slot in free if slot.start > now] or free
            for slot in sorted(rng.sample(later, min(VISITS_PER_DAY, len(later))), key=_start):
                count += _book(actor, kind, slot.start, next(people), location, booked_as_of)
    return count


def _start(slot: FreeTime) -> datetime:
    return slot.start


def _book(
    actor: Actor,
    kind: AppointmentType,
    start: datetime,
    person: tuple[str, str, date, str],
    location: Location,
    booked_as_of: datetime,
) -> int:
    given, family, born, language = person
    digits = f"{PEOPLE.index(person) + 10:02d}"
    area = location.phone[2:5] if location.phone.startswith("+1") else "310"
    try:
        with transaction.atomic():
            appointment_book(
                actor=actor,
                appointment_type=kind,
                start=start,
                patient=PatientDetails(
                    given_name=given,
                    family_name=family,
                    date_of_birth=born,
                    phone=f"+1{area}55501{digits}",
                    email="",
                    preferred_language=language,
                ),
                now=booked_as_of,
                source="demo",
                reason="Demo visit: back and leg pain when walking",
            )
    except (SlotTaken, PatientAlreadyBooked, TimeNotOffered):
        return 0
    return 1
