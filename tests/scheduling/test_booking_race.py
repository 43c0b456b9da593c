"""200 people try to book 10 slots at once, through gunicorn, on the suite's database.

With the booking lock: exactly 10 booked, 190 clean 409s, no 5xx, no overlap in SQL,
and the database backstop never needed. With the lock switched off (a test-only
setting), the race shows: the backstop has to catch double bookings, or SQLite
refuses concurrent writers. Either way no overlap ever reaches the table. So that the
race shows on every run, not only on an unlucky one, the test itself (never the
service) holds the gap between check and insert open on PostgreSQL: a trigger it
installs pauses each appointment insert for 50 ms.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import Server

ATTEMPTS = 200
SLOTS = 10

OVERLAPS_SQL = """
SELECT COUNT(*) FROM scheduling_appointment a JOIN scheduling_appointment b
  ON a.id < b.id AND a.practitioner_id = b.practitioner_id
 AND a.status IN ('booked', 'arrived', 'fulfilled', 'noshow')
 AND b.status IN ('booked', 'arrived', 'fulfilled', 'noshow')
 AND a.busy_start < b.busy_end AND b.busy_start < a.busy_end
"""


def _letters(n: int) -> str:
    """A number written in letters (12 -> "bc"): names may not hold digits."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(n))


def _attempt(server: Server, slot: dict[str, str], n: int) -> tuple[int, str]:
    status, answer = server.book(
        {
            "location": "pasadena",
            "appointment_type": "consultation",
            "start": slot["start"],
            "practitioner": slot["practitioner"],
            "patient": {
                "given_name": "Racer",
                "family_name": f"Racer-{_letters(n)}",
                "date_of_birth": "1950-01-01",
                "phone": f"(626) 555-{1000 + n:04d}",
            },
        }
    )
    return status, "" if status == 201 else answer.get("reason", "")


PAUSE_EACH_INSERT = """
CREATE FUNCTION race_pause() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$;
CREATE TRIGGER race_pause BEFORE INSERT ON scheduling_appointment
  FOR EACH ROW EXECUTE FUNCTION race_pause();
"""


def _widen_the_race_window(server: Server) -> None:
    if server.vendor == "postgresql":
        import psycopg

        with psycopg.connect(server.database_url, autocommit=True) as pg:
            pg.execute(PAUSE_EACH_INSERT)


def _race(tmp_path: Path, lock: bool) -> tuple[Counter[tuple[int, str]], int, int]:
    server = Server(tmp_path, lock)
    try:
        server.start()
        if not lock:
            _widen_the_race_window(server)
        offered = server.slots("pasadena")
        # Ten slots that do not overlap one another, so ten bookings can all succeed.
        slots: list[dict[str, str]] = []
        for slot in offered:
            if all(slot["start"] >= s["end"] or slot["end"] <= s["start"] for s in slots):
                slots.append(slot)
        slots = slots[:SLOTS]
        assert len(slots) == SLOTS
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:  # all 200 at once
            results = Counter(
                pool.map(lambda n: _attempt(server, slots[n % SLOTS], n), range(ATTEMPTS))
            )
        overlaps, booked = server.counts(
            OVERLAPS_SQL, "SELECT COUNT(*) FROM scheduling_appointment"
        )
        return results, overlaps, booked
    finally:
        server.stop()


@pytest.mark.django_db
def test_with_the_lock_exactly_ten_of_two_hundred_book_and_the_rest_get_clean_409s(tmp_path):
    results, overlaps, booked = _race(tmp_path, lock=True)
    assert results[(201, "")] == SLOTS, results
    assert results[(409, "taken")] == ATTEMPTS - SLOTS, results
    assert not any(status >= 500 for status, _ in results), results
    assert overlaps == 0
    assert booked == SLOTS


@pytest.mark.django_db
def test_without_the_lock_the_race_is_real(tmp_path):
    results, overlaps, booked = _race(tmp_path, lock=False)
    raced = results[(409, "constraint")] + sum(n for (s, _), n in results.items() if s >= 500)
    assert raced > 0, f"no race observed: {results}"
    assert overlaps == 0  # the database backstop held
    assert booked <= SLOTS


PEOPLE = 10


def _book_person(server: Server, slug: str, start: str, person: int) -> tuple[int, str]:
    status, answer = server.book(
        {
            "location": slug,
            "appointment_type": "consultation",
            "start": start,
            "patient": {
                "given_name": "Twice",
                "family_name": f"Person-{_letters(person)}",
                "date_of_birth": "1950-01-01",
                "phone": f"(626) 555-{7000 + person:04d}",
            },
        }
    )
    return status, "" if status == 201 else answer.get("error", "")


@pytest.mark.django_db
def test_one_person_booking_two_clinics_at_once_leaves_the_front_desk_a_match_to_check(
    tmp_path,
):
    """Ten new patients each send two bookings at once, for the same hour at two
    clinics (two doctors, so the per-doctor lock does not meet). Online answers never
    depend on whether the person is known, so both are booked; but the person lock
    makes the second see the first, so every person's second record waits as a match
    for the front desk (without the lock, two records would miss each other)."""
    server = Server(tmp_path, lock=True)
    try:
        server.start()
        common = sorted(
            {slot["start"] for slot in server.slots("pasadena")}
            & {slot["start"] for slot in server.slots("santa-monica")}
        )
        # One start per person, an hour apart, so different people never meet.
        chosen: list[str] = []
        for start in common:
            if not chosen or start[:13] != chosen[-1][:13]:
                chosen.append(start)
        chosen = chosen[:PEOPLE]
        assert len(chosen) == PEOPLE
        attempts = [(slug, start, n) for n, start in enumerate(chosen) for slug in
                    ("pasadena", "santa-monica")]  # fmt: skip
        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            results = list(pool.map(lambda a: _book_person(server, *a), attempts))
        assert results == [(201, "")] * len(attempts)
        records, matches = server.counts(
            "SELECT COUNT(*) FROM patients_patient WHERE given_name = 'Twice'",
            "SELECT COUNT(*) FROM patients_patientmatch WHERE status = 'pending'",
        )
        assert (records, matches) == (2 * PEOPLE, PEOPLE)
    finally:
        server.stop()
