"""Reports and exports built off the request: asked for on a page, claimed by the
worker's round, with their progress, their files, and a worker that dies mid-way."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from pypdf import PdfReader

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent
from mildpath.outcomes import services
from mildpath.outcomes.models import PublicSummary, RegistryJob
from mildpath.outcomes.registry import Filters
from mildpath.outcomes.tasks import outcomes_round, public_summary_refresh
from mildpath.scheduling.tasks import worker_round
from tests.helpers import NOW, ROOT, Server
from tests.registry_data import Build

pytestmark = [pytest.mark.usefixtures("demo_practice")]


@pytest.fixture(autouse=True)
def _registry_dir(settings, tmp_path):
    settings.MILDPATH_REGISTRY_DIR = tmp_path / "registry"


@pytest.fixture
def manager(make_staff):
    return make_staff("manager", ())


def _ask(user, kind="report", export_format="", **filters):
    return services.registry_job_request(
        actor=Actor(user=user, client_ip="127.0.0.1"),
        kind=kind,
        filters=Filters(**filters),
        export_format=export_format,
        now=NOW,
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_report_asked_for_is_built_by_the_worker_round_with_its_files(manager, settings):
    Build().treated(12)
    job = _ask(manager)
    assert job.status == RegistryJob.Status.QUEUED
    assert AuditEvent.objects.filter(action="registry.report", actor=manager).count() == 1

    outcomes = worker_round(now=NOW)

    job.refresh_from_db()
    assert outcomes["registry jobs"] == 1
    assert job.status == RegistryJob.Status.DONE
    assert job.progress == 100
    assert job.result["patients"] == 12
    folder = settings.MILDPATH_REGISTRY_DIR
    # A PDF in each language of the site, for whoever downloads it.
    for language, words in (("en", "patients in the registry"), ("es", "pacientes en el registro")):
        pdf = (folder / job.files[f"pdf-{language}"]).read_bytes()
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert words in re.sub(r"\s+", " ", text), language
    with (folder / job.files["csv"]).open() as table:
        rows = list(csv.DictReader(table))
    odi_12 = next(r for r in rows if (r["measure"], r["time_point"]) == ("odi", "month_12"))
    assert odi_12["n"] == "12"
    assert float(odi_12["change_ci_low"]) < float(odi_12["change_mean"]) < 0


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_asking_twice_while_it_waits_queues_one_job(manager):
    first = _ask(manager)
    second = _ask(manager)
    other_filters = _ask(manager, payer="medicare")

    assert first.pk == second.pk
    assert other_filters.pk != first.pk
    assert RegistryJob.objects.count() == 2


ASK_AT_ONCE = """
import os, time
from django.contrib.auth.models import User
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.outcomes.registry import Filters
from mildpath.outcomes.services import registry_job_request
user = User.objects.get(username="demo.manager")
time.sleep(max(0.0, float(os.environ["ASK_AT"]) - time.time()))
job = registry_job_request(
    actor=Actor(user=user), kind="report", filters=Filters(), now=clock.now()
)
print(job.pk)
"""


@pytest.mark.django_db
def test_parallel_requests_queue_one_job(tmp_path):
    """Four processes ask at the same moment, each on its own connection, as a
    double-click on several gunicorn threads would: one job."""
    server = Server(tmp_path, lock=True)
    server.prepare()
    env = {**server.env, "ASK_AT": str(time.time() + 6)}
    asks = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", ASK_AT_ONCE],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    answers = [ask.communicate(timeout=120) for ask in asks]

    assert all(ask.returncode == 0 for ask in asks), [err[-500:] for _, err in answers]
    assert len({out.strip() for out, _ in answers}) == 1
    assert server.counts("SELECT count(*) FROM outcomes_registryjob") == [1]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_job_whose_worker_died_is_claimed_again_and_given_up_after_three_tries(manager, settings):
    settings.MILDPATH_REGISTRY_JOB_TIMEOUT = 60
    job = _ask(manager)
    claimed = services.registry_job_claim(now=NOW)
    assert claimed is not None and claimed.pk == job.pk
    # The worker was killed: no sign of life. Another round, too soon, leaves it alone.
    assert services.registry_job_claim(now=NOW + timedelta(seconds=30)) is None
    again = services.registry_job_claim(now=NOW + timedelta(seconds=90))
    assert again is not None and again.attempts == 2
    third = services.registry_job_claim(now=NOW + timedelta(seconds=180))
    assert third is not None and third.attempts == 3
    assert services.registry_job_claim(now=NOW + timedelta(seconds=270)) is None

    job.refresh_from_db()
    assert job.status == RegistryJob.Status.FAILED
    assert "stopped" in job.error


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_a_failing_job_is_marked_failed_and_the_round_goes_on(manager, settings):
    job = _ask(manager)
    RegistryJob.objects.filter(pk=job.pk).update(filters={"since": "not a date"})

    outcomes_round(now=NOW)

    job.refresh_from_db()
    assert job.status == RegistryJob.Status.FAILED
    assert job.error.startswith("ValueError")


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_export_is_written_as_csv_and_parquet(manager, settings):
    import duckdb

    Build().treated(5)
    job = _ask(manager, kind="export", export_format="parquet")

    outcomes_round(now=NOW)

    job.refresh_from_db()
    assert job.status == RegistryJob.Status.DONE, job.error
    folder = settings.MILDPATH_REGISTRY_DIR
    with (folder / job.files["csv"]).open() as table:
        rows = list(csv.DictReader(table))
    parquet = duckdb.execute(
        "SELECT count(*), count(DISTINCT research_id) FROM read_parquet(?)",
        [str(folder / job.files["parquet"])],
    ).fetchall()
    assert parquet == [(len(rows), 5)]
    assert job.result == {"patients": 5, "rows": len(rows), "synthetic": False}


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_an_export_needs_a_format_and_a_report_a_known_kind(manager):
    with pytest.raises(ValueError, match="export format"):
        _ask(manager, kind="export", export_format="xlsx")
    with pytest.raises(ValueError, match="kind"):
        _ask(manager, kind="everything")
    assert RegistryJob.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
def test_the_public_summary_is_refreshed_when_it_is_old(frozen, settings):
    settings.MILDPATH_PUBLIC_RESULTS_REFRESH = 3600
    settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 5
    Build().treated(6)

    assert public_summary_refresh(now=NOW) is True
    assert public_summary_refresh(now=NOW + timedelta(minutes=30)) is False
    assert public_summary_refresh(now=NOW + timedelta(minutes=61)) is True

    assert PublicSummary.objects.count() == 1
    data = PublicSummary.objects.get().data
    walking = next(m for m in data["measures"] if m["measure"] == "walking_feet")
    assert walking["n"] == 6
    assert walking["time_point"] == "month_12"
    assert walking["ci"][0] < walking["change"] < walking["ci"][1]
