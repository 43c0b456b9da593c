"""What several test modules share: the suite's reference moment, a live server of the
app on a database of its own (a copy of a template made once per process), a free port,
the actor tests act as, one way to run the outbox worker's round, and the admin pages
every URL check walks.

Importing this module needs no Django set-up (tests/pgcluster.py, which bench/ uses
before Django starts, takes its free port from here): what needs the app registry is
imported where it is used.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dj_database_url
from django.db import connection

if TYPE_CHECKING:
    from mildpath.audit.actor import Actor
    from mildpath.care.models import ProcedureRecord
    from mildpath.patients.models import Patient
    from mildpath.questionnaires.models import TimePoint
    from mildpath.scheduling.models import Appointment

ROOT = Path(__file__).resolve().parents[1]

# The least a production start needs (settings refuse to start without each).
PRODUCTION_ENV = {
    "MILDPATH_PROFILE": "production",
    "SECRET_KEY": "p" * 20 + "-a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "clinic.example.org",
    "DATABASE_URL": "sqlite:////tmp/mildpath-settings-test.sqlite3",
}

# The suite's reference moment: Tuesday 24 November 2026, 9 a.m. in Los Angeles. Tests
# that are not about the real clock run with time stopped here (the ``frozen`` fixture in
# tests/conftest.py), so the calendar days they name (the Wednesday after is 2 December)
# never pass. Tests that need another moment move relative to this one. Tests against a
# server or worker in another process, which runs on the real clock, count their days
# from today instead (Server.slots below).
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

# Who a test's service calls act as, when the test is not about who acts.
TEST_ACTOR: Actor  # made on first use (see __getattr__): it needs the app registry


def __getattr__(name: str) -> Actor:
    if name == "TEST_ACTOR":
        from mildpath.audit.actor import Actor

        globals()["TEST_ACTOR"] = actor = Actor.system("test")
        return actor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def send_due(now: datetime) -> dict[int, str]:
    """One round of the outbox worker at ``now``: every due message claimed and sent;
    how each went, by message id."""
    from mildpath.scheduling.services.outbox import outbox_claim, outbox_send

    return {
        message_id: outbox_send(message_id=message_id, now=now)
        for message_id in outbox_claim(now=now, limit=10_000)
    }


def patient_at(given: str, family: str, slug: str, *, language: str = "en") -> Patient:
    """A patient seen at the location ``slug`` (the demo practice's), born 2 April 1951,
    with a phone number of their own."""
    from mildpath.patients.models import Patient
    from mildpath.practice.models import Location

    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1951, 4, 2),
        phone=f"+1626555{Patient.objects.count():04d}",
        preferred_language=language,
        created_at=NOW,
    )
    patient.locations.add(Location.objects.get(slug=slug))
    return patient


def visit_for(
    patient: Patient,
    *,
    start: datetime,
    kind: str = "consultation",
    slug: str = "santa-monica",
    doctor: str = "elena-marquez",
    minutes: int = 60,
    status: str = "booked",
) -> Appointment:
    """An appointment of ``kind`` for the patient at ``slug`` with ``doctor``, written
    directly (past visits and states no booking would make), from the demo schedule."""
    from mildpath.practice.models import Practitioner
    from mildpath.scheduling.models import Appointment, AppointmentType

    appointment_type = AppointmentType.objects.get(location__slug=slug, kind=kind)
    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        location=appointment_type.location,
        practitioner=Practitioner.objects.get(slug=doctor),
        patient=patient,
        appointment_type=appointment_type,
        start=start,
        end=end,
        busy_start=start,
        busy_end=end,
        status=status,
        created_at=min(start, NOW) - timedelta(days=7),
    )


def shipped_criteria() -> dict[str, Any]:
    """The candidacy criteria as shipped (``criteria-1.json``), a fresh copy to change."""
    from importlib.resources import files

    text = files("mildpath.care.criteria").joinpath("criteria-1.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def procedure_for(
    patient: Patient,
    *,
    performed_on: date,
    levels: tuple[str, ...] = ("L4-L5",),
    side: str = "both",
    signed: bool = False,
    now: datetime = NOW,
    actor: Actor | None = None,
) -> ProcedureRecord:
    """A mild procedure at Santa Monica by Dr. Marquez, under local anaesthesia, for
    M48.062: a draft, or signed."""
    from mildpath.care import services
    from mildpath.practice.models import Location, Practitioner

    actor = actor or __getattr__("TEST_ACTOR")
    record = services.procedure_draft_save(
        actor=actor,
        patient=patient,
        fields={
            "performed_on": performed_on,
            "location": Location.objects.get(slug="santa-monica"),
            "operator": Practitioner.objects.get(slug="elena-marquez"),
            "anaesthesia": "local",
            "levels": list(levels),
            "side": side,
            "diagnosis": "M48.062",
        },
        now=now,
    )
    if signed:
        record = services.procedure_sign(actor=actor, procedure=record, now=now)
    return record


def baseline_open(patient: Patient, slug: str, *, hours: float = 5) -> TimePoint:
    """The patient's follow-up plan, from a first consultation at ``slug`` ``hours`` from
    NOW (today, in the suite's frozen time): its baseline is open and due by the visit."""
    from mildpath.core import clock
    from mildpath.practice.models import Location
    from mildpath.questionnaires.services import follow_up_plan_start

    location = Location.objects.get(slug=slug)
    visit = NOW + timedelta(hours=hours)
    return follow_up_plan_start(
        actor=__getattr__("TEST_ACTOR"),
        patient=patient,
        location=location,
        anchor_date=visit.astimezone(location.tz).date(),
        due_at=visit,
        now=clock.now(),
    )


def questionnaire_start(point: TimePoint) -> str:
    """The start page of a questionnaire link for ``point``, as the patient's message
    carries it."""
    from django.urls import reverse

    from mildpath.core import clock
    from mildpath.patients.models import PatientLink
    from mildpath.patients.services import patient_link_issue

    issued = patient_link_issue(
        actor=__getattr__("TEST_ACTOR"),
        patient=point.patient,
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        target_id=point.pk,
        now=clock.now(),
    )
    return reverse("questionnaires:start", args=[issued.token])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Template databases, one pair per process (each xdist worker has its own): migrated,
# and migrated with the demo loaded. Each is made once by the real commands, run as
# subprocesses as a server's own database once was, and every Server then gets a copy,
# which takes a fraction of a second instead of the 6 s of CPU that migrate and
# load_demo cost. What makes a copy as good as loading afresh:
# - migrate and load_demo write nothing outside the database under the test profile (its
#   SECRET_KEY is fixed, not a file under MILDPATH_VAR_DIR; the demo writes no files);
# - neither the migrations nor load_demo read the settings a test changes (the booking
#   lock, timeouts, the flood guard, where mail goes), so one template serves every test;
# - load_demo without --visits books nothing relative to today: only the demo patients'
#   created_at comes from the real clock, when the template is made, which is this
#   session. Loading visits into a template would date them from the session's start;
# - a PostgreSQL copy (CREATE DATABASE ... TEMPLATE) carries the sequences; a SQLite one
#   is the whole file, through the backup API (safe in WAL mode).
_TEMPLATES: dict[tuple[str, bool], str] = {}  # (vendor, demo) -> SQLite file or database
_TEMPLATE_DIR: list[Path] = []  # made on first use, removed when the process exits


def _template_dir() -> Path:
    if not _TEMPLATE_DIR:
        folder = Path(tempfile.mkdtemp(prefix="mildpath-templates-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _TEMPLATE_DIR.append(folder)
    return _TEMPLATE_DIR[0]


def _test_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of a ``manage.py`` or gunicorn process of the app under test."""
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "MILDPATH_PROFILE": "test",
        "DATABASE_URL": database_url,
        "MILDPATH_VAR_DIR": str(var_dir),
    }


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=180,
    )  # fmt: skip


def _postgres_url(name: str) -> str:
    """The URL of database ``name`` on the suite's PostgreSQL cluster."""
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"


def _postgres_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)  # our own names, quoted


def _database_copy(vendor: str, template: str, target: str) -> None:
    """A copy of ``template`` as ``target`` (PostgreSQL: database names; SQLite: files).
    The PostgreSQL template must have no connection open: it has none, since the
    processes that made it have exited and it refuses new ones."""
    if vendor == "postgresql":
        _postgres_admin(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
        return
    with (
        closing(sqlite3.connect(template)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)


def _template(vendor: str, demo: bool) -> str:
    """This process's template: migrated, and with ``demo`` the demo loaded too; made on
    first use (the demo one from a copy of the migrated one)."""
    key = (vendor, demo)
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    kind = "demo" if demo else "migrated"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    folder = _template_dir()
    if vendor == "postgresql":
        # Per worker, so two workers never make the same one; the cluster, and with it
        # every template, is thrown away at the end of the session.
        template = f"template_{worker}_{kind}_{uuid.uuid4().hex[:8]}"
        url = _postgres_url(template)
    else:
        template = str(folder / f"{kind}.sqlite3")
        url = f"sqlite:///{template}"
    if demo:
        _database_copy(vendor, _template(vendor, demo=False), template)
        _manage(_test_env(url, folder), "load_demo")
    else:
        if vendor == "postgresql":
            _postgres_admin(f'CREATE DATABASE "{template}"')
        _manage(_test_env(url, folder), "migrate", "--noinput")
    if vendor == "postgresql":
        # Nothing may connect to a template while it is copied.
        _postgres_admin(f'ALTER DATABASE "{template}" WITH ALLOW_CONNECTIONS false')
    _TEMPLATES[key] = template
    return template


class Server:
    """The app in other processes (gunicorn, ``manage.py`` commands) on a database of its
    own: a file under ``tmp_path`` on SQLite, a fresh database on the suite's PostgreSQL
    cluster. The database exists once ``prepare`` (or ``start``, which calls it) ran."""

    def __init__(self, tmp_path: Path, lock: bool) -> None:
        self.port = free_port()
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.database = f"race_{uuid.uuid4().hex[:10]}"
            self.database_url = _postgres_url(self.database)
        else:
            self.database = str(tmp_path / "race.sqlite3")
            self.database_url = f"sqlite:///{self.database}"
        self.env = {
            **_test_env(self.database_url, tmp_path),
            "MILDPATH_TEST_BOOKING_LOCK": "on" if lock else "off",
            # Every attempt comes from 127.0.0.1: lift the public flood guard.
            "MILDPATH_PUBLIC_CREATIONS_PER_HOUR": "1000000",
            # A race test sends 200 bookings at once into 32 threads on two cores; on
            # SQLite they queue for its one write lock, and under faketime (the suite a
            # year ahead) the last can wait past the default 20 s and answer 503 busy.
            "MILDPATH_SQLITE_TIMEOUT": "60",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.prepared = False

    def prepare(self, demo: bool = True) -> None:
        """Give the server its database, migrated and with ``demo`` the demo practice
        loaded: a copy of this process's template, as ``manage.py migrate`` and
        ``load_demo`` would have left it."""
        _database_copy(self.vendor, _template(self.vendor, demo), self.database)
        self.prepared = True

    def manage(self, *args: str) -> None:
        _manage(self.env, *args)

    def start(self) -> None:
        if not self.prepared:
            self.prepare()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "mildpath.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "16", "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/livez"), timeout=10).close()  # noqa: S310
                return
            except OSError:  # not listening yet, or a first answer slow on a busy machine
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def counts(self, *queries: str) -> list[int]:
        """Each query's single number, read straight from the server's database."""
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.database_url) as pg:
                return [int(pg.execute(q).fetchall()[0][0]) for q in queries]
        path = dj_database_url.parse(self.database_url)["NAME"]
        with sqlite3.connect(str(path)) as lite:
            return [int(lite.execute(q).fetchall()[0][0]) for q in queries]

    def slots(self, slug: str) -> list[dict[str, str]]:
        """Free consultation slots at one location over the next four weeks, from the
        API. The server runs on the real clock, so the days are counted from today."""
        first = date.today() + timedelta(days=2)  # noqa: DTZ011 - the server's real clock
        query = (
            f"location={slug}&appointment_type=consultation"
            f"&date_from={first.isoformat()}&date_to={(first + timedelta(days=27)).isoformat()}"
        )
        with urllib.request.urlopen(self.url(f"/api/v1/slots?{query}")) as response:  # noqa: S310
            return list(json.load(response)["slots"])

    def book(self, body: dict[str, object]) -> tuple[int, dict[str, str]]:
        """POST a booking; the status and the JSON answer (empty if it is not JSON)."""
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url("/api/v1/appointments"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            try:
                return error.code, json.loads(error.read())
            except ValueError:
                return error.code, {}


def routed_names() -> set[str]:
    """Every URL name the project routes, with its namespaces ("admin:index", ...)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                names |= walk(pattern.url_patterns, inner)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")
            else:
                names.add(f"{namespace}<unnamed {pattern.pattern}>")
        return names

    return walk(get_resolver().url_patterns)


def admin_urls() -> list[str]:
    """The admin home, every app index and every model list. Object pages sit behind the
    same admin_view guard; add pages may be refused by the model even to administrators."""
    from django.urls import reverse

    names = sorted(n for n in routed_names() if n == "admin:index" or n.endswith("_changelist"))
    return [reverse(name) for name in names]
