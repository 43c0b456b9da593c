"""/healthz checks the database and the worker's heartbeat; /livez only that the process
answers; the worker keeps going through failed rounds, waiting longer after each."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection

from mildpath.scheduling import tasks
from mildpath.scheduling.models import WorkerHeartbeat
from mildpath.scheduling.tasks import backoff_seconds, run_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture(autouse=True)
def _connection_kept(monkeypatch):
    """The worker closes the database connection between rounds; here every round runs
    inside the test's transaction, which must stay open."""
    monkeypatch.setattr(tasks, "close_old_connections", lambda: None)


class RecordedWaits(threading.Event):
    """A stop event that records each wait instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(float(timeout or 0))
        return self.is_set()


def _round_fails(times: int, error: Exception | None = None):
    """worker_round failing ``times`` times in a row, then working."""
    calls = {"n": 0}

    def round_(*, now):
        calls["n"] += 1
        if calls["n"] <= times:
            raise error or OperationalError("database is locked")
        return {}

    return mock.patch.object(tasks, "worker_round", round_)


def test_healthz_fails_when_no_worker_has_ever_run(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain"
    assert "worker: no heartbeat" in response.text


def test_healthz_is_ok_after_a_worker_round_and_fails_once_the_heartbeat_is_stale(
    client, frozen, settings
):
    settings.MILDPATH_WORKER_STALE_SECONDS = 120
    run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")

    frozen.shift(timedelta(seconds=119))
    assert client.get("/healthz").status_code == 200
    frozen.shift(timedelta(seconds=2))
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.text == "worker: no successful round for 121 s\n"


def test_a_failing_round_is_recorded_and_healthz_names_only_the_error_class(client, frozen):
    run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    frozen.shift(timedelta(minutes=5))
    leaky = OperationalError("duplicate key (email)=(rosa@example.com)\nDETAIL: more")
    with _round_fails(2, leaky):
        run_worker(interval=1, stop=RecordedWaits(), rounds=2)
    beat = WorkerHeartbeat.objects.get()
    assert beat.failures_in_a_row == 2
    assert beat.last_error == "OperationalError: duplicate key (email)=(rosa@example.com)"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.text == (
        "worker: no successful round for 300 s (last error: OperationalError)\n"
    )
    assert "rosa" not in response.text  # whoever asks sees no data


def test_a_worker_that_never_succeeded_is_unhealthy(client):
    with _round_fails(1):
        run_worker(interval=1, stop=RecordedWaits(), rounds=1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "worker: no successful round yet (last error: OperationalError)" in response.text


def test_the_newest_success_of_any_worker_counts(client, frozen):
    run_worker(interval=0, stop=RecordedWaits(), rounds=1)  # a worker since gone
    frozen.shift(timedelta(minutes=10))
    with mock.patch.object(tasks, "worker_name", return_value="other-host:42"):
        run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    assert WorkerHeartbeat.objects.count() == 2
    assert client.get("/healthz").status_code == 200


def test_heartbeats_of_workers_gone_for_a_day_are_cleared(frozen):
    run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    frozen.shift(timedelta(days=1, minutes=1))
    with mock.patch.object(tasks, "worker_name", return_value="other-host:42"):
        run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["other-host:42"]


def test_healthz_fails_when_the_database_is_unreachable(client):
    run_worker(interval=0, stop=RecordedWaits(), rounds=1)
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.text == "database: unreachable (OperationalError)\n"


def test_livez_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert (response.status_code, response.text) == (200, "ok")


def test_health_answers_are_never_cached(client):
    assert client.get("/healthz")["Cache-Control"] == "no-store"
    assert client.get("/livez")["Cache-Control"] == "no-store"


# --- back-off -----------------------------------------------------------------------------


def test_backoff_doubles_the_interval_per_failure_up_to_the_cap():
    waits = [backoff_seconds(interval=5, failures=n, cap=60) for n in range(7)]
    assert waits == [5, 10, 20, 40, 60, 60, 60]
    assert backoff_seconds(interval=90, failures=3, cap=60) == 90  # never below the interval
    assert backoff_seconds(interval=5, failures=10_000, cap=60) == 60  # no overflow


def test_the_worker_keeps_going_through_failures_waiting_longer_each_time(settings):
    settings.MILDPATH_WORKER_BACKOFF_MAX = 30
    stop = RecordedWaits()
    with _round_fails(5):
        run_worker(interval=5, stop=stop, rounds=8)
    # Five failures (10, 20, 30, 30, 30 s after them), then rounds at the interval again.
    assert stop.waits == [10, 20, 30, 30, 30, 5, 5]
    beat = WorkerHeartbeat.objects.get()
    assert beat.failures_in_a_row == 0
    assert beat.last_success_at is not None


def test_a_worker_whose_heartbeat_cannot_be_written_keeps_going():
    stop = RecordedWaits()
    with mock.patch.object(
        tasks, "worker_heartbeat_record", side_effect=OperationalError("database is locked")
    ):
        run_worker(interval=1, stop=stop, rounds=3)
    assert stop.waits == [1, 1]
    assert not WorkerHeartbeat.objects.exists()
