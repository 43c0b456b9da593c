"""One address may make MILDPATH_PUBLIC_CREATIONS_PER_HOUR bookings an hour, even when it
sends them all at once: the count and the booking are one atomic step (30 at once used
to give 25 bookings against a limit of 10)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import Server

LIMIT = 10
AT_ONCE = 30


def _letters(n: int) -> str:
    return "".join(chr(ord("a") + int(digit)) for digit in str(n))


@pytest.mark.django_db
def test_thirty_bookings_at_once_from_one_address_make_at_most_the_limit(tmp_path):
    server = Server(tmp_path, lock=True)
    server.env["MILDPATH_PUBLIC_CREATIONS_PER_HOUR"] = str(LIMIT)
    try:
        server.start()
        slots: list[dict[str, str]] = []
        for slot in server.slots("pasadena"):
            if all(slot["start"] >= s["end"] or slot["end"] <= s["start"] for s in slots):
                slots.append(slot)
        assert len(slots) >= AT_ONCE

        def book(n: int) -> int:
            status, _ = server.book(
                {
                    "location": "pasadena",
                    "appointment_type": "consultation",
                    "start": slots[n]["start"],
                    "patient": {
                        "given_name": "Flood",
                        "family_name": f"Person-{_letters(n)}",
                        "date_of_birth": "1950-01-01",
                        "phone": f"(626) 555-{3000 + n:04d}",
                    },
                }
            )
            return status

        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            statuses = Counter(pool.map(book, range(AT_ONCE)))
        (booked,) = server.counts("SELECT COUNT(*) FROM scheduling_appointment")
    finally:
        server.stop()
    assert statuses == Counter({201: LIMIT, 429: AT_ONCE - LIMIT}), statuses
    assert booked == LIMIT


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_front_desk_booking_from_the_same_address_does_not_use_up_the_patients_quota(
    demo_practice, make_staff, settings
):
    from mildpath.audit.actor import Actor
    from mildpath.audit.services import record
    from mildpath.core import clock
    from mildpath.scheduling.services.quota import BOOKING, quota_spent

    settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR = 2
    desk = Actor(user=make_staff("front_desk", ("pasadena",)), client_ip="192.0.2.50")
    for _ in range(5):
        record(action="appointment.book", actor=desk, now=clock.now())
    waiting_room = Actor(label="online booking", client_ip="192.0.2.50")
    assert not quota_spent(actor=waiting_room, actions=BOOKING, now=clock.now())
    for _ in range(2):
        record(action="appointment.book", actor=waiting_room, now=clock.now())
    assert quota_spent(actor=waiting_room, actions=BOOKING, now=clock.now())
