"""Booking benchmarks, each a ratio to a floor measured in the same run.

1. Slot search over 90 days, with 50,000 appointments in the database (10 locations x
   40 practitioners), for one location and for all ten at once, each against its
   floor: the one SQL query that fetches the busy intervals. Target: <= 3x.
2. Booking POST throughput through gunicorn against a bare Django view (/healthz) on
   the same server. Target: >= 0.3x.

Run with `make bench` (SQLite in a temporary file; set DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
LOCATIONS, PRACTITIONERS_EACH, APPOINTMENTS, DAYS = 10, 40, 50_000, 90
# Booking POSTs per timed round; the bare view gets more, being faster. Each booking
# round follows a bare round, and the ratio is the median over these pairs: a pair
# runs within about a second, so the shared machine's slowdowns (which come and go
# over seconds) mostly fall on both halves of a pair alike.
REQUESTS, BARE_REQUESTS, ROUNDS, WARM_UP = 250, 1000, 9, 60


def _setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "mildpath.settings"
    os.environ["MILDPATH_PROFILE"] = "test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _populate(first_day: date) -> None:
    from django.core.management import call_command

    from mildpath.patients.models import Patient
    from mildpath.practice.geo import locate_zip
    from mildpath.practice.models import Location, Practitioner
    from mildpath.scheduling.models import Appointment, AppointmentType, WorkingHours
    from mildpath.scheduling.slots import local_moment

    call_command("migrate", verbosity=0)
    point = locate_zip("91101")
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets
    patients = Patient.objects.bulk_create(
        Patient(
            given_name="Bench",
            family_name=f"P{n}",
            date_of_birth=date(1950, 1, 1),
            phone=f"+1626555{n % 10000:04d}",
            created_at=datetime.now(tz=ZoneInfo("America/Los_Angeles")),
        )
        for n in range(APPOINTMENTS)
    )
    patient_iter = iter(patients)
    for index in range(LOCATIONS):
        location = Location.objects.create(
            name=f"Bench {index}", slug=f"bench-{index}", address_line1="1 Bench Way",
            city="Pasadena", state="CA", zip_code="91101", latitude=point.latitude,
            longitude=point.longitude, phone="+16265550100",
        )  # fmt: skip
        kind = AppointmentType.objects.create(
            location=location, kind="consultation", duration_minutes=45, self_bookable=True,
            minimum_notice_hours=0, horizon_days=DAYS + 30,
        )  # fmt: skip
        doctors = Practitioner.objects.bulk_create(
            Practitioner(
                given_name="Doc",
                family_name=f"L{index}N{n}",
                credentials="MD",
                board_certification="Pain Medicine",
                slug=f"doc-{index}-{n}",
            )  # fmt: skip
            for n in range(PRACTITIONERS_EACH)
        )
        kind.practitioners.set(doctors)
        WorkingHours.objects.bulk_create(
            WorkingHours(
                practitioner=doc,
                location=location,
                weekday=w,
                start=clock_time(8),
                end=clock_time(17),
            )
            for doc in doctors
            for w in range(5)
        )
        rows = []
        per_doctor = APPOINTMENTS // (LOCATIONS * PRACTITIONERS_EACH)
        weekdays = [
            first_day + timedelta(days=d)
            for d in range(DAYS)
            if (first_day + timedelta(days=d)).weekday() < 5
        ]
        for doc in doctors:
            taken = rng.sample([(d, s) for d in weekdays for s in range(12)], per_doctor)
            for day, slot in taken:
                opening = local_moment(day, clock_time(8), location.tz)
                assert opening is not None
                start = opening + timedelta(minutes=45 * slot)
                rows.append(
                    Appointment(
                        location=location,
                        practitioner=doc,
                        patient=next(patient_iter),
                        appointment_type=kind,
                        start=start,
                        end=start + timedelta(minutes=45),
                        busy_start=start,
                        busy_end=start + timedelta(minutes=45),
                        created_at=start,
                    )  # fmt: skip
                )
        Appointment.objects.bulk_create(rows, batch_size=2000)


def _seconds(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _paired(floor: Any, work: Any, repeat: int = 9) -> tuple[float, float, float]:
    """Median seconds of ``work`` and of its ``floor``, timed one after the other
    ``repeat`` times, and the median of each pair's ratio."""
    pairs = [(_seconds(work), _seconds(floor)) for _ in range(repeat)]
    return (
        statistics.median(spent for spent, _ in pairs),
        statistics.median(least for _, least in pairs),
        statistics.median(spent / least for spent, least in pairs),
    )


def slot_search_ratio(first_day: date, *, everywhere: bool) -> tuple[float, float, float, int]:
    """One location's 40 practitioners, or all ten locations' 400, over 90 days."""
    from django.utils import timezone

    from mildpath.scheduling.availability import (
        available_slots_by_type,
        busy_intervals,
        busy_span,
    )
    from mildpath.scheduling.models import AppointmentType

    kinds = list(AppointmentType.objects.select_related("location").order_by("pk"))
    if not everywhere:
        kinds = [kind for kind in kinds if kind.location.slug == "bench-3"]
    ids = [pk for kind in kinds for pk in kind.practitioners.values_list("id", flat=True)]
    last_day = first_day + timedelta(days=DAYS - 1)
    now = timezone.now()
    found: dict[int, list[Any]] = {}

    def search() -> None:
        found.update(
            available_slots_by_type(
                appointment_types=kinds, first_day=first_day, last_day=last_day, now=now
            )
        )

    search_time, floor, ratio = _paired(
        lambda: busy_intervals(ids, *busy_span(first_day, last_day)), search
    )
    pairs = sum(len(free.practitioner_ids) for times in found.values() for free in times)
    return search_time, floor, ratio, pairs


def _address(n: int) -> str:
    """The ``n``th client's address, as the practice's proxy would forward it."""
    return f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def throughput_ratio(
    database_url: str, first_day: date, var_dir: Path
) -> tuple[float, float, float]:
    """Bookings per second, bare-view requests per second (medians over rounds), and
    the median of each round pair's ratio of the two."""
    port = _free_port()
    (var_dir / "staticfiles").mkdir(exist_ok=True)
    # The server runs as it would in production (persistent connections, no debug
    # helpers), over plain HTTP on the loopback.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MILDPATH_PROFILE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "MILDPATH_VAR_DIR": str(var_dir),
        # As behind the practice's proxy: each booking comes from its own address, so
        # the flood guard works as it would for real patients.
        "MILDPATH_TRUSTED_PROXY_COUNT": "1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        # `make serve`'s server: three synchronous workers.
        [str(gunicorn), "mildpath.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        query = "location=bench-5&appointment_type=consultation"
        last = first_day + timedelta(days=30)
        with urllib.request.urlopen(  # noqa: S310
            f"{base}/api/v1/slots?{query}&date_from={first_day}&date_to={last}"
        ) as response:
            slots = json.load(response)["slots"]
        chosen: list[dict[str, Any]] = []
        used: set[tuple[Any, str]] = set()
        for slot in slots:
            key = (slot["practitioner"], slot["start"][:13])
            if key not in used and all(
                not (s["practitioner"] == slot["practitioner"] and s["start"] < slot["end"]
                     and slot["start"] < s["end"])
                for s in chosen[-50:]
            ):  # fmt: skip
                used.add(key)
                chosen.append(slot)
            if len(chosen) == WARM_UP + ROUNDS * REQUESTS:
                break
        assert len(chosen) == WARM_UP + ROUNDS * REQUESTS, f"only {len(chosen)} free slots"

        def book(n: int) -> int:
            slot = chosen[n]
            body = json.dumps(
                {
                    "location": "bench-5",
                    "appointment_type": "consultation",
                    "start": slot["start"],
                    "practitioner": slot["practitioner"],
                    "patient": {
                        "given_name": "Load",
                        "family_name": f"T{n}",
                        "date_of_birth": "1950-01-01",
                        "phone": f"(626) 555-{n % 10000:04d}",
                    },
                }  # fmt: skip
            ).encode()
            request = urllib.request.Request(  # noqa: S310
                f"{base}/api/v1/appointments", data=body, method="POST",
                headers={"Content-Type": "application/json",
                         "X-Forwarded-For": _address(n)},
            )  # fmt: skip
            with urllib.request.urlopen(request) as response:  # noqa: S310
                return int(response.status)

        def bare(n: int) -> int:
            # Through the same proxy as the bookings, so with the same forwarded header
            # for the server to read.
            request = urllib.request.Request(  # noqa: S310
                f"{base}/healthz", headers={"X-Forwarded-For": _address(n)}
            )
            with urllib.request.urlopen(request) as response:  # noqa: S310
                return int(response.status)

        def rate(work: Any, first: int, count: int) -> float:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=16) as pool:
                statuses = list(pool.map(work, range(first, first + count)))
            assert all(status in {200, 201} for status in statuses), statuses[:5]
            return count / (time.perf_counter() - started)

        # Warm-up: every worker opens its database connection and imports what it lazily
        # imports before anything is timed.
        rate(bare, 0, WARM_UP)
        rate(book, 0, WARM_UP)
        bare_rates, booking_rates = [], []
        for round_ in range(ROUNDS):
            bare_rates.append(rate(bare, 0, BARE_REQUESTS))
            booking_rates.append(rate(book, WARM_UP + round_ * REQUESTS, REQUESTS))
        ratios = [booked / bare for booked, bare in zip(booking_rates, bare_rates, strict=True)]
        print(
            "rounds, per second (booking / bare view): "
            + ", ".join(
                f"{booked:.0f}/{bare:.0f}"
                for booked, bare in zip(booking_rates, bare_rates, strict=True)
            )
        )
        return (
            statistics.median(booking_rates),
            statistics.median(bare_rates),
            statistics.median(ratios),
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mildpath-bench-") as tmp:
        database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        _setup_django(database_url)
        first_day = datetime.now(tz=ZoneInfo("America/Los_Angeles")).date() + timedelta(days=1)
        started = time.perf_counter()
        _populate(first_day)
        print(f"populated {APPOINTMENTS} appointments in {time.perf_counter() - started:.1f}s")
        one = slot_search_ratio(first_day, everywhere=False)
        every = slot_search_ratio(first_day, everywhere=True)
        booking, bare, booking_ratio = throughput_ratio(database_url, first_day, Path(tmp))
    print(f"{'measure':<44} {'value':>10} {'floor':>10} {'ratio':>7} {'target':>8}")
    for label, (search, floor, ratio, count) in (
        ("slot search, 1 location x 40 x 90 days (s)", one),
        ("slot search, 10 locations x 40 x 90 days (s)", every),
    ):
        print(
            f"{label:<44} {search:>10.4f} {floor:>10.4f} {ratio:>7.3f} {'<= 3':>8}"
            f"   ({count} free practitioner-slots)"
        )
    print(
        f"{'booking POSTs per second':<44} {booking:>10.1f} {bare:>10.1f} "
        f"{booking_ratio:>7.3f} {'>= 0.3':>8}   (median of {ROUNDS} paired rounds)"
    )


if __name__ == "__main__":
    main()
