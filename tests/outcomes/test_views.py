"""The registry's staff pages: a clinician asks for a report and follows its progress to
the results (numbers, intervals, citations, the synthetic warning), downloads its files;
a researcher asks for a de-identified export; bad filters get a message naming the
field; nobody sees anyone else's jobs. And the report as a PDF."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from django.utils import translation
from pypdf import PdfReader

from mildpath.audit.models import AuditEvent
from mildpath.outcomes import presentation
from mildpath.outcomes.models import RegistryJob
from mildpath.outcomes.pdf import report_pdf
from mildpath.outcomes.report import report_build
from mildpath.practice.models import Location
from tests.helpers import NOW
from tests.registry_data import Build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

DASHBOARD = "/staff/registry/"
EXPORT = "/staff/registry/export/"


@pytest.fixture(autouse=True)
def _registry_dir(settings, tmp_path):
    settings.MILDPATH_REGISTRY_DIR = tmp_path / "registry"
    settings.MILDPATH_REGISTRY_DIR.mkdir()


@pytest.fixture
def researcher(make_staff, sign_in):
    user = make_staff("researcher")
    sign_in(user)
    return user


@pytest.fixture
def result():
    """A real report over twelve treated patients, a year after their procedure."""
    Build().treated(12)
    return report_build(now=NOW)


def _job(user, *, kind="report", status="done", result=None, files=None, **fields):
    return RegistryJob.objects.create(
        kind=kind,
        filters=fields.pop("filters", {**_no_filters()}),
        status=status,
        requested_by=user,
        requested_at=NOW - timedelta(minutes=5),
        finished_at=NOW if status in ("done", "failed") else None,
        result=result or {},
        files=files or {},
        **fields,
    )


def _no_filters():
    from mildpath.outcomes.registry import Filters

    return Filters().as_dict()


def _stored(settings, name: str, content: bytes) -> str:
    (settings.MILDPATH_REGISTRY_DIR / name).write_bytes(content)
    return name


def _text(response) -> str:
    """The page's visible text, tags stripped and spaces collapsed."""
    page = re.sub(r"<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- asking for a report --------------------------------------------------------------------


def test_a_clinician_asks_for_a_report_once_however_often_they_press(client, clinician, audit_log):
    with audit_log.exactly_one(action="registry.report", actor=clinician):
        response = client.post(DASHBOARD)
    job = RegistryJob.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/staff/registry/reports/{job.pk}/"
    assert job.kind == "report" and job.status == "queued"

    again = client.post(DASHBOARD)
    assert again.status_code == 303 and again["Location"] == response["Location"]
    assert RegistryJob.objects.count() == 1


def test_the_report_is_asked_for_with_the_filters_shown(client, clinician):
    pasadena = Location.objects.get(slug="pasadena")
    client.post(f"{DASHBOARD}?location={pasadena.pk}&levels=1&since=2026-01-01&payer=medicare")
    filters = RegistryJob.objects.get().filters
    assert filters["location"] == pasadena.pk
    assert (filters["levels"], filters["since"], filters["payer"]) == (
        "1",
        "2026-01-01",
        "medicare",
    )


def test_the_dashboard_offers_to_build_a_report_no_one_has_built(client, clinician):
    text = _text(client.get(DASHBOARD))
    assert "No report has been built for these patients yet." in text
    assert "Build the report" in text


def test_the_dashboard_shows_the_newest_report_for_the_filters_chosen(
    client, clinician, result, settings
):
    _job(clinician, result=result, files={"pdf": _stored(settings, "r.pdf", b"%PDF-1.7")})
    text = _text(client.get(DASHBOARD))
    assert "Built" in text and "from the data then" in text
    assert "Build again with today's data" in text
    assert "12 patients in the registry" in text
    assert "The report as a PDF" in text

    other = _text(client.get(f"{DASHBOARD}?levels=2"))
    assert "12 patients" not in other and "Build the report" in other


def test_with_a_report_to_read_the_filters_fold_into_a_line_naming_the_patients(
    client, clinician, result
):
    empty = client.get(DASHBOARD).content.decode()
    assert '<details class="registry-choice" open>' in empty  # nothing to read: choose
    _job(clinician, result=result, filters={**_no_filters(), "levels": "2"})
    page = client.get(f"{DASHBOARD}?levels=2").content.decode()
    assert '<details class="registry-choice">' in page
    choice = page.split('<details class="registry-choice">')[1]
    summary = choice.split("<summary>")[1].split("</summary>")[0]
    assert "Which patients" in summary and "two or more levels treated" in summary
    assert 'name="levels"' in page  # the same form, a click away


# --- the job's page ---------------------------------------------------------------------------


def test_the_job_page_shows_the_progress_while_the_report_is_built(client, clinician):
    job = _job(clinician, status="running", progress=40, stage="computing the statistics")
    response = client.get(f"/staff/registry/reports/{job.pk}/")
    html = response.content.decode()
    assert "Building the report: 40% — computing the statistics" in _text(response)
    assert re.search(r'<progress max="100" value="40"', html)
    assert 'aria-live="polite"' in html
    assert "Check again" in html and "js/registry-progress.js" in html

    status = client.get(f"/staff/registry/reports/{job.pk}/status/").json()
    assert status == {
        "status": "running",
        "progress": 40,
        "text": "Building the report: 40% — computing the statistics",
        "finished": False,
    }


def test_a_queued_job_says_it_waits_and_its_status_has_no_percentage_yet(client, clinician):
    job = _job(clinician, status="queued")
    assert "Waiting to start" in _text(client.get(f"/staff/registry/reports/{job.pk}/"))
    assert client.get(f"/staff/registry/reports/{job.pk}/status/").json()["progress"] is None


def test_the_job_page_shows_the_report_with_its_numbers_when_done(client, clinician, result):
    job = _job(clinician, result=result)
    response = client.get(f"/staff/registry/reports/{job.pk}/")
    text = _text(response)
    assert "js/registry-progress.js" not in response.content.decode()
    assert "12 patients in the registry" in text
    odi = next(m for m in result["measures"] if m["measure"] == "odi")
    month_12 = next(row for row in odi["rows"] if row["time_point"] == "month_12")
    low, high = month_12["change_ci"]
    assert f"{low:.1f} to {high:.1f}" in text  # the bootstrap CI, with ODI's one decimal
    assert "Staats PS et al. Reg Anesth Pain Med 2018 (PMID 30199512)" in text
    assert "Methods" in text and "2000 resamples" in text
    assert "Synthetic data" not in text
    # Each chart is an image named by its title, its table a caption away.
    assert response.content.decode().count('role="img"') == len(result["measures"]) + 1
    assert 'id="t-odi"' in response.content.decode()


def test_a_synthetic_report_says_so_before_any_number(client, clinician, result):
    job = _job(clinician, result={**result, "synthetic": True})
    text = _text(client.get(f"/staff/registry/reports/{job.pk}/"))
    banner = "Synthetic data: made-up patients for the demonstration; these are not real results."
    assert banner in text
    assert text.index(banner) < text.index("12 patients in the registry")


def test_small_cells_are_flagged_as_unstable(client, clinician):
    Build().treated(4)
    job = _job(clinician, result=report_build(now=NOW))
    text = _text(client.get(f"/staff/registry/reports/{job.pk}/"))
    assert "(fewer than 10 patients: unstable)" in text
    assert "the numbers are unstable" in text


def test_an_empty_registry_still_makes_a_readable_report(client, clinician):
    job = _job(clinician, result=report_build(now=NOW))
    response = client.get(f"/staff/registry/reports/{job.pk}/")
    assert response.status_code == 200
    assert "0 patients in the registry" in _text(response)


def test_a_failed_job_says_what_went_wrong_and_offers_to_try_again(client, clinician):
    job = _job(
        clinician,
        status="failed",
        error="the worker stopped while building it, three times",
        filters={**_no_filters(), "levels": "1"},
    )
    response = client.get(f"/staff/registry/reports/{job.pk}/")
    text = _text(response)
    assert "The report could not be built" in text
    assert "the worker stopped while building it, three times" in text
    assert re.search(r'action="/staff/registry/\?levels=1"', response.content.decode())
    assert "Try again" in text


def test_nobody_sees_or_downloads_another_persons_job(client, clinician, make_staff, settings):
    colleague = make_staff("clinician", ("santa-monica",))
    job = _job(colleague, files={"pdf": _stored(settings, "theirs.pdf", b"%PDF-1.7")})
    for url in (
        f"/staff/registry/reports/{job.pk}/",
        f"/staff/registry/reports/{job.pk}/status/",
        f"/staff/registry/reports/{job.pk}/download/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(action="registry.download").exists()


# --- downloads --------------------------------------------------------------------------------


def test_a_download_waits_for_the_job_then_comes_as_an_attachment_never_cached(
    client, clinician, settings, audit_log
):
    name = _stored(settings, "report-1.pdf", b"%PDF-1.7 the report")
    job = _job(clinician, status="running", files={"pdf": name})
    url = f"/staff/registry/reports/{job.pk}/download/pdf/"
    assert client.get(url).status_code == 404

    RegistryJob.objects.filter(pk=job.pk).update(status="done", finished_at=NOW)
    with audit_log.exactly_one(action="registry.download", actor=clinician):
        response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 the report"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_pdf_comes_in_the_language_of_the_page_it_is_downloaded_from(
    client, clinician, settings, audit_log
):
    job = _job(
        clinician,
        files={
            "pdf-en": _stored(settings, "en.pdf", b"%PDF-1.7 english"),
            "pdf-es": _stored(settings, "es.pdf", b"%PDF-1.7 spanish"),
        },
    )
    english = client.get(f"/staff/registry/reports/{job.pk}/download/pdf/")
    assert b"".join(english.streaming_content) == b"%PDF-1.7 english"
    with audit_log.exactly_one(action="registry.download", actor=clinician) as found:
        spanish = client.get(f"/es/staff/registry/reports/{job.pk}/download/pdf/")
    assert b"".join(spanish.streaming_content) == b"%PDF-1.7 spanish"
    assert found["event"].detail == {"file": "pdf", "kind": "report", "language": "es"}
    # The page's link leads there too.
    page = client.get(f"/es/staff/registry/reports/{job.pk}/")
    assert f"/es/staff/registry/reports/{job.pk}/download/pdf/" in page.content.decode()


def test_a_report_built_with_one_pdf_downloads_it_whatever_the_language(
    client, clinician, settings, audit_log
):
    job = _job(clinician, files={"pdf": _stored(settings, "old.pdf", b"%PDF-1.7 old")})
    with audit_log.exactly_one(action="registry.download", actor=clinician) as found:
        spanish = client.get(f"/es/staff/registry/reports/{job.pk}/download/pdf/")
    assert b"".join(spanish.streaming_content) == b"%PDF-1.7 old"
    assert found["event"].detail == {"file": "pdf", "kind": "report"}  # its language unknown


def test_only_a_kinds_own_files_download(client, clinician, settings):
    job = _job(clinician, files={"parquet": _stored(settings, "odd.parquet", b"PAR1")})
    assert client.get(f"/staff/registry/reports/{job.pk}/download/parquet/").status_code == 404
    assert client.get(f"/staff/registry/reports/{job.pk}/download/csv/").status_code == 404


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-06-01&until=2026-01-01", "Procedures until: This date is"),
        ("location=999999", "Location: Choose one of the practice's locations."),
        ("location=abc", "Location: Choose one of the practice's locations."),
        ("location=" + "9" * 5000, "Location: Choose one of the practice's locations."),
        ("practitioner=" + "x" * 5000, "Doctor who treated: Choose one of the practice's doctors."),
        ("since=" + "2" * 5000, "Procedures from: Enter the date as"),
        ("until=1850-01-01", "Procedures until: Enter a date from 2000"),
        ("level=" + "L" * 5000, "Including the level: Choose a lumbar level from the list."),
        ("age_band=old", "Age at the procedure: Choose an age band from the list."),
        ("payer=%00", "Payer: Choose Medicare, other payers or any payer."),
    ],
)
def test_bad_filters_get_a_message_naming_the_field_and_build_nothing(
    client, clinician, query, message
):
    response = client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    assert message in _text(response)
    assert client.post(f"{DASHBOARD}?{query}").status_code == 400
    assert not RegistryJob.objects.exists()


# --- the de-identified export -----------------------------------------------------------------


def test_the_export_page_says_what_is_left_out(client, researcher):
    text = _text(client.get(EXPORT))
    for rule in ("HIPAA Safe Harbor", "No full dates", "first 3 digits", "90+", "agreed"):
        assert rule in text
    assert "You have not asked for an export yet." in text


def test_a_researcher_asks_for_an_export_and_follows_it_to_its_files(
    client, researcher, settings, audit_log
):
    with audit_log.exactly_one(action="registry.export", actor=researcher):
        response = client.post(EXPORT, {"format": "parquet", "levels": "2"})
    job = RegistryJob.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/staff/registry/exports/{job.pk}/"
    assert (job.kind, job.filters["format"], job.filters["levels"]) == ("export", "parquet", "2")
    assert "Waiting to start: the export is next in the queue." in _text(
        client.get(response["Location"])
    )

    RegistryJob.objects.filter(pk=job.pk).update(
        status="done",
        finished_at=NOW,
        files={
            "csv": _stored(settings, "e.csv", b"a,b\n"),
            "parquet": _stored(settings, "e.pq", b"PAR1"),
        },
    )
    page = _text(client.get(EXPORT))
    assert "CSV file" in page and "Parquet file" in page
    download = client.get(f"/staff/registry/exports/{job.pk}/download/parquet/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]


def test_an_export_without_a_format_is_refused_with_the_reason(client, researcher):
    response = client.post(EXPORT, {"levels": "1"})
    assert response.status_code == 400
    assert "File format: Choose the file format: CSV or Parquet." in _text(response)
    assert not RegistryJob.objects.exists()


def test_each_role_finds_its_way_to_the_registry_from_the_staff_pages(client, make_staff, sign_in):
    sign_in(make_staff("researcher"))
    home = client.get("/staff/").content.decode()
    assert 'href="/staff/registry/export/"' in home
    assert 'href="/staff/registry/"' not in home
    assert client.get(DASHBOARD).status_code == 403

    sign_in(make_staff("clinician", ("santa-monica",)))
    home = client.get("/staff/").content.decode()
    assert 'href="/staff/registry/"' in home
    assert 'href="/staff/registry/export/"' not in home


# --- formatting and the PDF -------------------------------------------------------------------


def test_numbers_are_written_as_a_statistician_expects():
    assert presentation.p_value(0.00002, 40) == "< 0.001"
    assert presentation.p_value(0.04213, 40) == "0.042"
    assert presentation.p_value(None, 1) == "n too small"
    assert presentation.p_value(None, 40) == "—"
    assert presentation.number(-0.04, 1) == "0.0"
    assert presentation.interval([-20.345, -15.9], 1) == "-20.3 to -15.9"
    assert presentation.interval(None, 1) == "—"
    share = {"k": 9, "n": 12, "share": 0.75, "ci": [0.4677, 0.9111]}
    assert presentation.proportion(share) == "9 of 12: 75.0% (46.8 to 91.1)"
    with translation.override("es"):
        assert presentation.number(45.3, 1) == "45,3"


def test_the_pdf_holds_the_report(result):
    pdf = report_pdf(result)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "12 patients in the registry" in text
    assert "PMID 30199512" in text


def test_the_report_reads_in_spanish_with_spanish_decimals(client, clinician, result):
    job = _job(clinician, result=result)
    response = client.get(f"/es/staff/registry/reports/{job.pk}/")
    assert response.status_code == 200
    odi = next(m for m in result["measures"] if m["measure"] == "odi")
    low, high = next(row for row in odi["rows"] if row["time_point"] == "month_12")["change_ci"]
    assert f"{low:.1f}".replace(".", ",") in _text(response)
