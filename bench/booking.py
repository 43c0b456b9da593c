"""Booking benchmarks on PostgreSQL, each a ratio to a floor measured in the same run.

1. Slot search over 90 days, with 50,000 appointments in the database (10 locations x
   40 practitioners), for one location and for all ten at once, each against its
   floor: the one SQL query that fetches the busy intervals. Target: <= 3x.
2. Booking under load. gunicorn serves ``mildpath.wsgi`` as `make serve` runs it
   (production profile, three sync workers), on the loopback only, and 20 concurrent
   clients send requests back to back: booking POSTs (``/api/v1/appointments``, each
   a new patient in a free slot, each answered 201) in one round, the bare Django view
   ``GET /livez`` in the other (it answers "ok" and touches nothing; /healthz checks
   the database and the worker, so it is no floor). Booking throughput and
   per-request latency (p50, p95) are reported as ratios to the bare view's under the
   same load. Targets: throughput >= 0.12x, p95 latency <= 6x (p50 has no target).

Every ratio is the median over pairs of measurements taken one right after the other
(search then its floor; a bare round then a booking round), because this machine is
shared and its speed comes and goes over seconds: a pair's halves mostly share it.

With 20 clients always waiting on the server, latency is mostly time in its queue: by
Little's law the mean latency is 20 / throughput, so the latency ratios track the
inverse of the throughput ratio, and p95 <= 6x asks for about 1 / 6 of the bare
view's throughput, more than the throughput target's 0.12x. gunicorn's sync workers
close every connection after one answer, so each client reconnects per request.

Run with `make bench` (or `.venv/bin/python bench/booking.py`). Without DATABASE_URL
the bench starts a throwaway PostgreSQL cluster (``tests/pgcluster.py``: the server
binaries must be installed; it runs with fsync and synchronous commit off) and deletes
it at the end. With DATABASE_URL it uses that database, which must be empty: the
bench migrates it and fills it with 50,000 appointments. A missed target prints
"not met"; the exit status is non-zero only when the run itself broke, and so when
more than a handful of requests got an answer other than 201 (booking) or 200 (bare).
"""

from __future__ import annotations

import http.client
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
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
LOCATIONS, PRACTITIONERS_EACH, APPOINTMENTS, DAYS = 10, 40, 50_000, 90
HORIZON_DAYS = DAYS + 30  # how far ahead the bench's appointment types may be booked
# The load: this many clients, each sending its next request as soon as the last one
# is answered, for ROUND_SECONDS a round. PAIRS pairs of rounds (the bare view, then
# booking) are timed after one untimed pair that lets every worker open its database
# connection and import what it imports lazily.
CLIENTS, ROUND_SECONDS, WARM_UP_SECONDS, PAIRS = 20, 3.0, 1.0, 15
# Where the bookings go, in this order: each location's free slots over its whole
# booking horizon, never two overlapping for one practitioner.
BOOKING_LOCATIONS = ("bench-5", "bench-6")
# The floor for booking: a Django view that answers without touching anything else.
BARE_VIEW = "/livez"
# Answers other than 201 (booking) or 200 (bare view) the run may get before it stops
# as broken: a bench that measures error pages measures nothing.
HANDFUL = 5
SEARCH_TARGET, THROUGHPUT_TARGET, P95_TARGET = 3.0, 0.12, 6.0


class BenchBroken(RuntimeError):
    """The run could not measure what it set out to measure."""


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "mildpath.settings"
    os.environ["MILDPATH_PROFILE"] = "test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _refuse_non_empty() -> None:
    """A DATABASE_URL of the caller's own must name an empty database: the bench adds
    50,000 appointments and leaves them there."""
    from django.db import connection

    tables = connection.introspection.table_names()
    if tables:
        raise BenchBroken(
            f"DATABASE_URL names a database that already has {len(tables)} tables; the "
            "bench migrates it and adds 50,000 appointments, so give it an empty database "
            "(or unset DATABASE_URL for a throwaway PostgreSQL cluster)."
        )


def _database_name() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return f"PostgreSQL {version}"


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
            minimum_notice_hours=0, horizon_days=HORIZON_DAYS,
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


def _analyze() -> None:
    """Statistics for PostgreSQL's planner now, as a database in use has them, rather
    than whenever autovacuum gets to the new rows, perhaps in the middle of a measure."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


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


def _letters(n: int) -> str:
    """The ``n``th booking's family name, unlike any other's: names are letters only
    (``core.forms.NAME_RULE``), so ``n`` is written in base 26, "Taaaa", "Taaab", ..."""
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters = chr(ord("a") + digit) + letters
        if n == 0:
            return "T" + letters.rjust(4, "a")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_slots(port: int, first_day: date) -> list[tuple[str, str, int]]:
    """Slots to book, as (location, start, practitioner), from the JSON API: every free
    time over each booking location's horizon, taken in time order whenever its
    practitioner is not booked by an earlier one, so that every booking gets a 201."""
    chosen: list[tuple[str, str, int]] = []
    for location in BOOKING_LOCATIONS:
        free_from: dict[int, datetime] = {}
        # The API answers at most 31 days at a time.
        for first in range(0, HORIZON_DAYS, 31):
            since = first_day + timedelta(days=first)
            until = first_day + timedelta(days=min(first + 30, HORIZON_DAYS - 1))
            query = urllib.parse.urlencode(
                {"location": location, "appointment_type": "consultation",
                 "date_from": since.isoformat(), "date_to": until.isoformat()}
            )  # fmt: skip
            url = f"http://127.0.0.1:{port}/api/v1/slots?{query}"
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
                slots = json.load(response)["slots"]
            # Listed by start, so a slot that starts when its practitioner's last one
            # chosen ends cannot overlap any chosen before it.
            for slot in slots:
                practitioner, start = slot["practitioner"], datetime.fromisoformat(slot["start"])
                if practitioner not in free_from or free_from[practitioner] <= start:
                    free_from[practitioner] = datetime.fromisoformat(slot["end"])
                    chosen.append((location, slot["start"], practitioner))
    return chosen


# What a client sends: method, path, body, headers.
Request = tuple[str, str, bytes | None, dict[str, str]]


@dataclass(frozen=True)
class Round:
    rate: float  # requests answered within the round, per second
    p50: float  # latency of the requests sent within the round, seconds
    p95: float
    statuses: Counter[str]  # every answer's status (or the error that replaced it)
    examples: dict[str, str]  # the start of an answer to show for each status but 2xx


class _Numbers:
    """0, 1, 2, ... to any number of threads, each number once."""

    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            taken = self._next
            self._next += 1
        return taken


def _load_round(port: int, next_request: Callable[[], Request | None], seconds: float) -> Round:
    """CLIENTS threads, each with its own connection, send ``next_request()`` one after
    another for ``seconds``. The rate counts the answers that arrive within the round;
    the latencies are of every request sent within it (each is answered, even after the
    round's end, so the slowest ones are not left out)."""
    window: list[float] = []

    def open_window() -> None:
        started = time.perf_counter()
        window.extend([started, started + seconds])

    barrier = threading.Barrier(CLIENTS, action=open_window)
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    statuses: list[Counter[str]] = [Counter() for _ in range(CLIENTS)]
    in_time = [0] * CLIENTS
    examples: dict[str, str] = {}
    failures: list[BaseException] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, counts = latencies[index], statuses[index]
        try:
            barrier.wait(timeout=60)
            end = window[1]
            while time.perf_counter() < end:
                request = next_request()
                if request is None:
                    counts["no free slot left to book"] += 1
                    break
                method, path, body, headers = request
                sent = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    answer = response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    answer, status = str(exc).encode(), type(exc).__name__
                answered = time.perf_counter()
                mine.append(answered - sent)
                counts[status] += 1
                if not status.startswith("2"):
                    examples.setdefault(status, answer[:300].decode(errors="replace"))
                if answered <= end:
                    in_time[index] += 1
        except BaseException as exc:  # handed to the main thread, which raises it
            failures.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    every = sorted(latency for mine in latencies for latency in mine)
    if len(every) < 2:
        raise BenchBroken(f"only {len(every)} requests answered in a {seconds}s round")
    return Round(
        rate=sum(in_time) / seconds,
        p50=statistics.median(every),
        p95=statistics.quantiles(every, n=20)[-1],
        statuses=sum(statuses, Counter()),
        examples=examples,
    )


def _start_server(database_url: str, var_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    (var_dir / "staticfiles").mkdir(exist_ok=True)
    # The server runs as in production (persistent connections, no debug helpers),
    # over plain HTTP on the loopback.
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
        # the flood guard works as it does for real patients; and its limit is far above
        # what the bench books, so that it never refuses one.
        "MILDPATH_TRUSTED_PROXY_COUNT": "1",
        "MILDPATH_PUBLIC_CREATIONS_PER_HOUR": "1000000",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        # `make serve`'s server: three synchronous workers. (Three workers of four
        # threads each measured worse: 0.055x, the threads queueing on the GIL.)
        [str(gunicorn), "mildpath.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(300):
        if server.poll() is not None:
            raise BenchBroken(f"gunicorn exited with status {server.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE_VIEW}", timeout=1).close()  # noqa: S310
            return server, port
        except OSError:
            time.sleep(0.1)
    _stop_server(server)
    raise BenchBroken(f"gunicorn did not answer {BARE_VIEW} with 200 within 30 seconds")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@dataclass(frozen=True)
class Load:
    """The timed rounds, pair by pair, and every answer the run got."""

    bare: list[Round]
    booking: list[Round]
    bare_answers: Counter[str]
    booking_answers: Counter[str]

    def median(self, rounds: str, measure: str) -> float:
        """The median over ``rounds`` ("bare" or "booking") of ``measure``."""
        return statistics.median(getattr(one, measure) for one in getattr(self, rounds))

    def ratio(self, measure: str) -> float:
        """The median over the pairs of booking's ``measure`` to the bare view's."""
        return statistics.median(
            getattr(booked, measure) / getattr(bare, measure)
            for bare, booked in zip(self.bare, self.booking, strict=True)
        )


def booking_under_load(database_url: str, first_day: date, var_dir: Path) -> Load:
    """PAIRS pairs of timed rounds, the bare view's then booking's, after an untimed
    pair; stops as broken once more than a handful of answers are not 201 or 200."""
    server, port = _start_server(database_url, var_dir)
    try:
        slots = _free_slots(port, first_day)
        bare_numbers, booking_numbers = _Numbers(), _Numbers()

        def bare() -> Request:
            # Through the same proxy as the bookings, so with the same forwarded header
            # for the server to read.
            address = _address(bare_numbers.take())
            return "GET", BARE_VIEW, None, {"X-Forwarded-For": address}

        def book() -> Request | None:
            n = booking_numbers.take()
            if n >= len(slots):
                return None
            location, start, practitioner = slots[n]
            body = {
                "location": location,
                "appointment_type": "consultation",
                "start": start,
                "practitioner": practitioner,
                "patient": {
                    "given_name": "Load",
                    "family_name": _letters(n),
                    "date_of_birth": "1950-01-01",
                    "phone": f"(626) 555-{n % 10000:04d}",
                },
            }
            headers = {"Content-Type": "application/json", "X-Forwarded-For": _address(n)}
            return "POST", "/api/v1/appointments", json.dumps(body).encode(), headers

        answers: dict[str, Counter[str]] = {"bare view": Counter(), "booking": Counter()}
        examples: dict[str, str] = {}

        def measure(what: str, seconds: float) -> Round:
            request, expected = (bare, "200") if what == "bare view" else (book, "201")
            measured = _load_round(port, request, seconds)
            answers[what].update(measured.statuses)
            for status, example in measured.examples.items():
                examples.setdefault(f"{what} {status}", example)
            wrong = sum(n for status, n in answers[what].items() if status != expected)
            if wrong > HANDFUL:
                raise BenchBroken(
                    f"{wrong} {what} answers were not {expected}: {_counts(answers[what])}\n"
                    + "\n".join(f"first {key}: {text}" for key, text in examples.items())
                )
            return measured

        measure("bare view", WARM_UP_SECONDS)
        measure("booking", WARM_UP_SECONDS)
        pairs = [(measure("bare view", ROUND_SECONDS), measure("booking", ROUND_SECONDS))
                 for _ in range(PAIRS)]  # fmt: skip
    finally:
        _stop_server(server)
    return Load(
        bare=[bare_round for bare_round, _ in pairs],
        booking=[booking_round for _, booking_round in pairs],
        bare_answers=answers["bare view"],
        booking_answers=answers["booking"],
    )


def _counts(answers: Counter[str]) -> str:
    return ", ".join(f"{status} x {count:,}" for status, count in answers.most_common())


def _verdict(ratio: float, target: float, *, at_least: bool) -> str:
    return "met" if (ratio >= target if at_least else ratio <= target) else "not met"


Search = tuple[float, float, float, int]  # seconds, floor's seconds, ratio, slots found


def _report(database: str, one: Search, every: Search, load: Load) -> None:
    print(f"\n{CLIENTS} clients, {ROUND_SECONDS:g} s rounds: booking | bare view")
    print(f"{'pair':>4} {'per s':>13} {'ratio':>6} {'p50 ms':>13} {'p95 ms':>13}")
    for n, (bare, booked) in enumerate(zip(load.bare, load.booking, strict=True), 1):
        print(
            f"{n:>4} {booked.rate:>6.0f} {bare.rate:>6.0f} {booked.rate / bare.rate:>6.3f} "
            f"{booked.p50 * 1000:>6.1f} {bare.p50 * 1000:>6.1f} "
            f"{booked.p95 * 1000:>6.1f} {bare.p95 * 1000:>6.1f}"
        )
    print(
        f"answers: booking {_counts(load.booking_answers)}; bare view {_counts(load.bare_answers)}"
    )
    print(f"\n{database}, {os.cpu_count()} cores")
    print(f"{'measure':<46} {'value':>10} {'floor':>10} {'ratio':>7} {'target':>8}")
    for label, (search, floor, ratio, count) in (
        ("slot search, 1 location x 40 x 90 days (s)", one),
        ("slot search, 10 locations x 40 x 90 days (s)", every),
    ):
        print(
            f"{label:<46} {search:>10.4f} {floor:>10.4f} {ratio:>7.3f} "
            f"{f'<= {SEARCH_TARGET:g}':>8}   ({count} free practitioner-slots)"
        )
    for label, measure, scale, target in (
        (f"booking POSTs per second, {CLIENTS} clients", "rate", 1, f">= {THROUGHPUT_TARGET:g}"),
        ("booking latency p50 (ms)", "p50", 1000, ""),
        ("booking latency p95 (ms)", "p95", 1000, f"<= {P95_TARGET:g}"),
    ):
        print(
            f"{label:<46} {load.median('booking', measure) * scale:>10.1f} "
            f"{load.median('bare', measure) * scale:>10.1f} {load.ratio(measure):>7.3f} "
            f"{target:>8}"
        )
    print(
        f"(booking's floor: GET {BARE_VIEW} under the same load; values are medians, ratios "
        f"the median of {PAIRS} pairs' ratios)\n"
    )
    for label, ratio in (("slot search, one location", one[2]), ("slot search, all ten", every[2])):
        verdict = _verdict(ratio, SEARCH_TARGET, at_least=False)
        print(f"{label}: {ratio:.2f}x its floor (target <= {SEARCH_TARGET:g}x): {verdict}")
    throughput, p50, p95 = load.ratio("rate"), load.ratio("p50"), load.ratio("p95")
    verdict = _verdict(throughput, THROUGHPUT_TARGET, at_least=True)
    print(
        f"booking throughput: {throughput:.3f}x the bare view's "
        f"(target >= {THROUGHPUT_TARGET:g}x): {verdict}"
    )
    print(f"booking latency p50: {p50:.2f}x the bare view's (no target)")
    verdict = _verdict(p95, P95_TARGET, at_least=False)
    print(f"booking latency p95: {p95:.2f}x the bare view's (target <= {P95_TARGET:g}x): {verdict}")


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the run as Ctrl+C does, through every clean-up on the way out."""
    raise SystemExit(128 + signum)


def _run(database_url: str, var_dir: Path, *, own_cluster: bool) -> None:
    _setup_django(database_url)
    from django.db import connections

    try:
        if not own_cluster:
            _refuse_non_empty()
        database = _database_name() + (" (throwaway cluster)" if own_cluster else "")
        first_day = datetime.now(tz=ZoneInfo("America/Los_Angeles")).date() + timedelta(days=1)
        started = time.perf_counter()
        _populate(first_day)
        _analyze()
        print(f"populated {APPOINTMENTS} appointments in {time.perf_counter() - started:.1f}s")
        one = slot_search_ratio(first_day, everywhere=False)
        every = slot_search_ratio(first_day, everywhere=True)
        load = booking_under_load(database_url, first_day, var_dir)
    finally:
        connections.close_all()
    _report(database, one, every, load)


def main() -> int:
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _terminate)
    sys.path.insert(0, str(ROOT))
    from tests.pgcluster import Cluster, PostgresUnavailable

    try:
        with tempfile.TemporaryDirectory(prefix="mildpath-bench-") as tmp:
            database_url = os.environ.get("DATABASE_URL")
            if database_url:
                _run(database_url, Path(tmp), own_cluster=False)
            else:
                cluster = Cluster()
                try:
                    _run(cluster.start(), Path(tmp), own_cluster=True)
                finally:
                    cluster.stop()
    except (BenchBroken, PostgresUnavailable) as broken:
        print(f"bench/booking.py broke: {broken}", file=sys.stderr)
        return 1
    print(f"(the whole run took {time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
