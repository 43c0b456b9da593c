"""Documents on the chart: a file is what its bytes say (PDF, JPEG or PNG), never what
its name or the browser claims; it is kept outside the web root under a name of our
own, opened only through an audited view as a download with a safe name, and never
from another patient's chart."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.care import services
from mildpath.care.models import Document
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/staff/')</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run"
MB = 1024 * 1024


@pytest.fixture
def folder(settings, tmp_path) -> Path:
    settings.MILDPATH_DOCUMENTS_DIR = tmp_path / "documents"
    return tmp_path / "documents"


@pytest.fixture
def rosa(demo_practice, folder):
    """Rosa Delgado, seen at Santa Monica."""
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


@pytest.fixture
def harold(rosa):
    """Harold Jenkins, seen at Pasadena."""
    return Patient.objects.get(family_name="Jenkins")


def _upload_url(patient: Patient) -> str:
    return reverse("care:document_upload", args=[patient.pk])


def _download_url(patient: Patient, document: Document) -> str:
    return reverse("care:document", args=[patient.pk, document.pk])


def _post(
    client, patient: Patient, content: bytes | None, *, name="report.pdf", claimed=None, **data
):
    fields = {"kind": "imaging", "title": "MRI report", **data}
    if content is not None:
        fields["file"] = SimpleUploadedFile(
            name, content, content_type=claimed or "application/pdf"
        )
    return client.post(_upload_url(patient), fields)


def _stored(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def _document(patient: Patient, content: bytes = PDF, *, title="MRI report", kind="imaging"):
    return services.document_store(
        actor=TEST_ACTOR,
        patient=patient,
        kind=kind,
        title=title,
        upload=services.Upload(content=content, content_type="application/pdf"),
        now=clock.now(),
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _main(page) -> str:
    text = page.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def _refusal(page) -> str:
    """The error summary of the upload form, on the chart shown again."""
    main = _main(page)
    documents = main[main.index('id="documents"') :]
    return documents[documents.index('class="error-summary"') : documents.index("</div>")]


# --- uploading ---------------------------------------------------------------------


def test_a_pdf_uploaded_is_kept_outside_the_web_root_under_our_own_name_and_audited(
    client, rosa, clinician, folder, audit_log
):
    with audit_log.exactly_one(
        action="document.upload", patient_id=rosa.pk, actor=clinician
    ) as found:
        saved = _post(client, rosa, PDF, name="Rosa Delgado MRI.pdf", title=" MRI report ")
    assert saved.status_code == 302
    assert saved.headers["Location"] == reverse("care:chart", args=[rosa.pk]) + "#documents"
    document = Document.objects.get(patient=rosa)
    assert document.title == "MRI report" and document.kind == "imaging"
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.uploaded_by == clinician and document.uploaded_at == NOW
    assert found["event"].detail == {"kind": "imaging", "type": "application/pdf", "size": len(PDF)}
    # Under our own name, never the uploader's file name or the title.
    assert _stored(folder) == [folder / document.stored_as]
    assert re.fullmatch(r"[0-9a-f]{32}\.bin", document.stored_as)
    assert (folder / document.stored_as).read_bytes() == PDF
    chart = client.get(saved.headers["Location"])
    assert "Document added: MRI report." in chart.text


@pytest.mark.parametrize(
    ("content", "name", "claimed", "stored_as"),
    [
        (PNG, "scan.pdf", "application/pdf", "image/png"),  # a PNG renamed .pdf
        (JPEG, "photo.png", "image/png", "image/jpeg"),
        (PDF, "letter.jpg", "text/html", "application/pdf"),
        (PDF, "no-extension", "application/octet-stream", "application/pdf"),
    ],
)
def test_the_type_stored_is_read_from_the_content_never_the_name_or_the_browser(
    client, rosa, clinician, content, name, claimed, stored_as
):
    assert _post(client, rosa, content, name=name, claimed=claimed).status_code == 302
    document = Document.objects.get(patient=rosa)
    assert document.content_type == stored_as
    opened = client.get(_download_url(rosa, document))
    assert opened["Content-Type"] == stored_as
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[stored_as]
    assert opened["Content-Disposition"] == f'attachment; filename="MRI report.{extension}"'


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (HTML, "report.pdf"),
        (HTML, "report.html"),
        (SVG, "scan.png"),
        (SVG, "scan.svg"),
        (EXE, "report.pdf"),
        (b"   %PDF-1.7 after some spaces", "report.pdf"),
        (b"<html>" + PDF, "polyglot.pdf"),  # a PDF signature that is not where it counts
        (b"GIF89a\x01\x00\x01\x00", "image.gif"),
    ],
)
def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_whatever_its_name(
    client, rosa, clinician, folder, content, name
):
    refused = _post(client, rosa, content, name=name)
    assert refused.status_code == 400
    summary = _refusal(refused)
    assert 'href="#id_file"' in summary
    assert "File: The file is not a PDF, JPEG or PNG, whatever its name says" in summary
    assert not Document.objects.exists() and _stored(folder) == []
    assert not AuditEvent.objects.filter(action="document.upload").exists()


def test_an_empty_file_is_refused(client, rosa, clinician, folder):
    refused = _post(client, rosa, b"")
    assert refused.status_code == 400
    assert "File: The file is empty: choose the file again." in _refusal(refused)
    assert not Document.objects.exists() and _stored(folder) == []


def test_no_file_at_all_is_refused(client, rosa, clinician, folder):
    refused = _post(client, rosa, None)
    assert refused.status_code == 400
    assert "File: Choose a file to upload." in _refusal(refused)
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit_named_and_one_at_it_is_kept(
    client, rosa, clinician, folder, settings
):
    settings.MILDPATH_DOCUMENT_MAX_BYTES = MB
    page = client.get(reverse("care:chart", args=[rosa.pk]))
    assert "A PDF, JPEG or PNG file, up to 1 MB." in page.text
    too_big = PDF + b"\0" * (MB - len(PDF) + 1)
    refused = _post(client, rosa, too_big)
    assert refused.status_code == 400
    assert "File: The file is larger than the limit of 1 MB" in _refusal(refused)
    assert not Document.objects.exists() and _stored(folder) == []
    just_fits = PDF + b"\0" * (MB - len(PDF))
    assert _post(client, rosa, just_fits).status_code == 302
    assert Document.objects.get(patient=rosa).size == MB


def test_the_limit_is_named_in_megabytes_as_set(client, rosa, clinician, settings):
    settings.MILDPATH_DOCUMENT_MAX_BYTES = 5 * MB // 2
    refused = _post(client, rosa, PDF + b"\0" * (5 * MB // 2))
    assert "limit of 2.5 MB" in _refusal(refused)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "Title: Enter a title for the document."),
        ({"title": "   "}, "title", "Title: Enter a title for the document."),
        (
            {"title": "x" * 201},
            "title",
            "Title: Shorten the title to 200 characters or fewer (it has 201).",
        ),
        ({"kind": ""}, "kind_0", "Kind of document: Choose what kind of document this is."),
        ({"kind": "x-ray"}, "kind_0", "Kind of document: Choose one of the kinds listed."),
    ],
)
def test_a_missing_title_or_kind_is_refused_naming_the_field(
    client, rosa, clinician, folder, data, field, message
):
    refused = _post(client, rosa, PDF, **data)
    assert refused.status_code == 400
    summary = _refusal(refused)
    assert f'href="#id_{field}"' in summary and message in summary
    assert not Document.objects.exists() and _stored(folder) == []


def test_a_refused_upload_keeps_what_was_typed(client, rosa, clinician):
    refused = _post(client, rosa, HTML, title="Referral letter", kind="referral")
    form = _main(refused)[_main(refused).index('id="document-add"') :]
    assert 'value="Referral letter"' in form
    assert re.search(r'value="referral"[^>]*checked', form)


def test_a_title_with_path_traversal_is_stored_as_text_and_downloads_with_a_safe_name(
    client, rosa, clinician, folder, tmp_path
):
    assert _post(client, rosa, PDF, name="../../passwd.pdf", title="../../etc/passwd").status_code
    document = Document.objects.get(patient=rosa)
    assert document.title == "../../etc/passwd"  # harmless as text on the chart
    assert _stored(tmp_path) == [folder / document.stored_as]  # nothing written elsewhere
    opened = client.get(_download_url(rosa, document))
    assert opened.status_code == 200
    assert opened["Content-Disposition"] == 'attachment; filename="etc passwd.pdf"'
    assert _body(opened) == PDF


@pytest.mark.parametrize(
    ("title", "filename"),
    [
        ('Report "final"\r\nX-Evil: 1', "Report final X-Evil 1.pdf"),
        ("Resonancia magnética, L4–L5", "Resonancia magnetica L4 L5.pdf"),
        ("..\\..\\windows\\win.ini", "windows win ini.pdf"),
        ("....", "document.pdf"),
        ("血液検査", "document.pdf"),
        ("a" * 200, "a" * 80 + ".pdf"),
    ],
)
def test_the_download_name_is_made_from_the_title_safely(client, rosa, clinician, title, filename):
    document = _document(rosa, title=title)
    opened = client.get(_download_url(rosa, document))
    assert opened["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_the_uploaders_file_name_is_never_used(client, rosa, clinician, folder):
    _post(client, rosa, PDF, name="Delgado-Rosa-DOB-1951-04-02.pdf", title="Referral")
    document = Document.objects.get(patient=rosa)
    opened = client.get(_download_url(rosa, document))
    assert "Delgado" not in opened["Content-Disposition"]
    assert all("Delgado" not in path.name for path in _stored(folder))


def test_two_identical_uploads_keep_two_rows_and_two_files(client, rosa, clinician, folder):
    # The same title and bytes, in the same instant: neither overwrites the other.
    assert _post(client, rosa, PDF).status_code == 302
    assert _post(client, rosa, PDF).status_code == 302
    documents = list(Document.objects.filter(patient=rosa))
    assert len(documents) == 2
    assert documents[0].stored_as != documents[1].stored_as
    assert _stored(folder) == sorted(folder / document.stored_as for document in documents)
    for document in documents:
        assert _body(client.get(_download_url(rosa, document))) == PDF


def test_an_uploaded_file_is_not_reachable_as_a_static_file(client, rosa, clinician):
    _post(client, rosa, PDF)
    document = Document.objects.get(patient=rosa)
    for url in (f"/static/{document.stored_as}", f"/static/documents/{document.stored_as}"):
        assert client.get(url).status_code == 404


def test_documents_are_kept_outside_every_static_and_template_folder():
    # The settings as configured, not a test's temporary folder.
    documents = Path(django_settings.MILDPATH_DOCUMENTS_DIR).resolve()
    public = [
        Path(django_settings.STATIC_ROOT).resolve(),
        *(Path(folder).resolve() for folder in django_settings.STATICFILES_DIRS),
        (Path(django_settings.BASE_DIR) / "mildpath").resolve(),
    ]
    if getattr(django_settings, "MEDIA_ROOT", ""):
        public.append(Path(django_settings.MEDIA_ROOT).resolve())
    for folder in public:
        assert not documents.is_relative_to(folder), folder
        assert not folder.is_relative_to(documents), folder


# --- who may upload -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "locations"), [("front_desk", ("santa-monica",)), ("manager", ())]
)
def test_staff_who_are_not_clinicians_may_neither_upload_nor_open_documents(
    client, rosa, make_staff, sign_in, folder, role, locations
):
    document = _document(rosa)
    sign_in(make_staff(role, locations))
    assert _post(client, rosa, PDF).status_code == 403
    assert client.get(_download_url(rosa, document)).status_code == 403
    assert Document.objects.count() == 1 and len(_stored(folder)) == 1
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_a_clinician_elsewhere_may_not_upload_to_the_chart(
    client, rosa, make_staff, sign_in, folder, audit_log
):
    sign_in(make_staff("clinician", ("pasadena",)))
    with audit_log.exactly_one(action="access.refused", patient_id=rosa.pk):
        assert _post(client, rosa, PDF).status_code == 404
    assert not Document.objects.exists() and _stored(folder) == []


def test_an_upload_is_a_post(client, rosa, clinician):
    assert client.get(_upload_url(rosa)).status_code == 405


# --- opening --------------------------------------------------------------------------


def test_a_document_opens_as_a_download_with_its_stored_type_never_cached_and_audited(
    client, rosa, clinician, audit_log
):
    document = _document(rosa, title="Referral letter")
    with audit_log.exactly_one(
        action="document.read", patient_id=rosa.pk, actor=clinician, object_id=str(document.pk)
    ):
        opened = client.get(_download_url(rosa, document))
    assert opened.status_code == 200
    assert opened["Content-Type"] == "application/pdf"
    assert opened["Content-Disposition"] == 'attachment; filename="Referral letter.pdf"'
    assert opened["X-Content-Type-Options"] == "nosniff"
    assert opened["Cache-Control"] == "no-store"
    assert _body(opened) == PDF


def test_another_patients_document_is_not_found_on_this_chart_and_the_attempt_recorded(
    client, rosa, clinician, demo_practice, audit_log
):
    # Both patients at the clinician's location: the chart scope alone would allow each.
    other = Patient.objects.create(
        given_name="Ana",
        family_name="Other",
        date_of_birth=rosa.date_of_birth,
        phone="+13105550199",
        created_at=NOW,
    )
    other.locations.add(Location.objects.get(slug="santa-monica"))
    theirs = _document(other, title="Other's MRI")
    with audit_log.exactly_one(action="access.refused", patient_id=other.pk):
        opened = client.get(_download_url(rosa, theirs))
    assert opened.status_code == 404
    assert not AuditEvent.objects.filter(action="document.read").exists()
    # Their own chart's link works.
    assert client.get(_download_url(other, theirs)).status_code == 200


def test_a_document_of_a_patient_elsewhere_is_not_found_either_way(client, rosa, harold, clinician):
    theirs = _document(harold)
    assert client.get(_download_url(harold, theirs)).status_code == 404
    assert client.get(_download_url(rosa, theirs)).status_code == 404
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_a_document_that_does_not_exist_is_not_found(client, rosa, clinician):
    assert client.get(reverse("care:document", args=[rosa.pk, 999_999])).status_code == 404


def test_a_document_whose_file_is_gone_is_not_found_and_not_recorded_as_read(
    client, rosa, clinician, folder
):
    document = _document(rosa)
    (folder / document.stored_as).unlink()
    assert client.get(_download_url(rosa, document)).status_code == 404
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_a_stored_name_that_points_outside_the_folder_is_never_served(
    client, rosa, clinician, folder, tmp_path
):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"%PDF- not a document of the chart")
    document = _document(rosa)
    Document.objects.filter(pk=document.pk).update(stored_as="../secret.txt")
    assert client.get(_download_url(rosa, document)).status_code == 404
