"""Treatment plans: a clinician records the options chosen with the patient (mild with
its levels and sides), the shared decision and the patient's summary in English and
Spanish; the summary prints as a page and downloads as a PDF in either language, and
drawing it never fetches anything from outside our own static files."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mildpath.audit.models import AuditEvent
from mildpath.care import services
from mildpath.care.models import Evaluation, TreatmentPlan
from mildpath.core import clock
from mildpath.core.pdf import StaticOnlyFetcher
from mildpath.patients.models import Patient
from tests.helpers import NOW, TEST_ACTOR, patient_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

SUMMARY_EN = "We agreed on the mild procedure at two levels. You can walk farther afterwards."
SUMMARY_ES = (
    "Acordamos el procedimiento mild en dos niveles. Mañana la llamarán para la cita; "
    "después podrá caminar más."
)


@pytest.fixture
def rosa() -> Patient:
    return patient_at("Rosa", "Delgado", "santa-monica", language="es")


def _plan(patient: Patient, **changes: object) -> TreatmentPlan:
    fields: dict[str, object] = {
        "evaluation": None,
        "diagnosis": "M48.062",
        "options": ["conservative", "mild"],
        "mild_levels": ["L3-L4", "L4-L5"],
        "mild_side": "both",
        "other": "",
        "discussion": "Options, benefits and risks discussed; she chose mild.",
        "summary_en": SUMMARY_EN,
        "summary_es": SUMMARY_ES,
        **changes,
    }
    return services.plan_record(actor=TEST_ACTOR, patient=patient, **fields, now=clock.now())  # type: ignore[arg-type]


def _evaluation(patient: Patient) -> Evaluation:
    return Evaluation.objects.create(
        patient=patient,
        criteria_version="1",
        findings={},
        decision=Evaluation.Decision.CANDIDATE,
        reasons="Meets the criteria.",
        created_at=NOW,
    )


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "diagnosis": "M48.062",
        "options": ["conservative", "mild"],
        "mild_levels": ["L4-L5", "L3-L4"],
        "mild_side": "both",
        "other": "",
        "evaluation": "",
        "discussion": "Options, benefits and risks discussed; she chose mild.",
        "summary_en": SUMMARY_EN,
        "summary_es": SUMMARY_ES,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _url(name: str, patient: Patient, *args: object) -> str:
    return reverse(f"care:{name}", args=[patient.pk, *args])


# --- writing a plan -----------------------------------------------------------------


def test_it_stores_the_plan_with_its_options_levels_and_sides(client, clinician, rosa, audit_log):
    evaluation = _evaluation(rosa)
    with audit_log.exactly_one(action="care.plan", patient_id=rosa.pk):
        response = client.post(_url("plan_new", rosa), _form(evaluation=str(evaluation.pk)))
    plan = TreatmentPlan.objects.get(patient=rosa)
    assert response.status_code == 302
    assert response["Location"] == _url("plan", rosa, plan.pk)
    assert plan.diagnosis == "M48.062"
    assert plan.options == ["conservative", "mild"]
    assert plan.mild_levels == ["L3-L4", "L4-L5"]  # in the spine's order, as ticked in any
    assert plan.mild_side == "both"
    assert plan.evaluation == evaluation
    assert plan.summary_es == SUMMARY_ES
    assert plan.created_by == clinician


def test_it_stores_an_other_option_with_its_text(client, clinician, rosa):
    response = client.post(
        _url("plan_new", rosa),
        _form(
            options=["other"],
            other="Weight loss programme",
            mild_levels=None,
            mild_side=None,
        ),
    )
    assert response.status_code == 302
    plan = TreatmentPlan.objects.get(patient=rosa)
    assert (plan.options, plan.other, plan.mild_levels, plan.mild_side) == (
        ["other"],
        "Weight loss programme",
        [],
        "",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"diagnosis": None}, "diagnosis", "Choose the diagnosis."),
        ({"diagnosis": "M48.06"}, "diagnosis", "Choose one of the two diagnoses listed."),
        ({"mild_levels": None}, "mild_levels", "Choose at least one level for mild."),
        ({"mild_side": None}, "mild_side", "Choose the side or sides for mild."),
        (
            {"options": ["epidural"]},
            "mild_levels",
            "Levels are only for mild: choose mild too, or clear the levels.",
        ),
        (
            {"options": ["epidural"], "mild_levels": None},
            "mild_side",
            "Sides are only for mild: choose mild too, or clear the side.",
        ),
        ({"options": ["mild", "other"]}, "other", "Say what the other option is."),
        (
            {"other": "Acupuncture"},
            "other",
            "This is only for “Other”: choose “Other” too, or clear this text.",
        ),
        (
            {"options": None, "mild_levels": None, "mild_side": None},
            "options",
            "Choose at least one option.",
        ),
        ({"options": ["laser"]}, "options", "Choose from the options listed."),
        ({"mild_levels": ["L6-L7"]}, "mild_levels", "Choose from the levels listed."),
        ({"summary_en": "  "}, "summary_en", "Write the patient's summary in English."),
        ({"summary_es": None}, "summary_es", "Write the patient's summary in Spanish."),
        ({"discussion": ""}, "discussion", "Write down what was discussed and decided."),
        ({"evaluation": "999999"}, "evaluation", "Choose one of this patient's evaluations."),
        ({"evaluation": "9" * 25}, "evaluation", "Choose one of this patient's evaluations."),
        ({"evaluation": "one"}, "evaluation", "Choose one of this patient's evaluations."),
        ({"summary_es": "Hola\x00"}, "summary_es", "Null characters are not allowed."),
        (
            {"summary_en": "x" * 5001},
            "summary_en",
            "Keep this to 5000 characters or fewer (now 5001).",
        ),
    ],
)
def test_it_refuses_a_plan_that_breaks_a_rule_naming_the_field_and_stores_nothing(
    client, clinician, rosa, changes, field, message
):
    response = client.post(_url("plan_new", rosa), _form(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert b"Please check your answers" in response.content
    assert not TreatmentPlan.objects.exists()
    assert not AuditEvent.objects.filter(action="care.plan").exists()


def test_it_refuses_another_patients_evaluation(client, clinician, rosa):
    other = patient_at("Ana", "Ruiz", "santa-monica", language="es")
    response = client.post(_url("plan_new", rosa), _form(evaluation=str(_evaluation(other).pk)))
    assert response.context["form"].errors["evaluation"] == [
        "Choose one of this patient's evaluations."
    ]
    assert not TreatmentPlan.objects.exists()


def test_the_new_plan_form_offers_the_latest_evaluation_and_drafts_from_the_options_asked(
    client, clinician, rosa
):
    _evaluation(rosa)
    latest = _evaluation(rosa)
    response = client.get(_url("plan_new", rosa) + "?options=mild&options=surgery&options=nope")
    form = response.context["form"]
    assert form.initial["evaluation"] == latest
    assert form.initial["options"] == ["mild", "surgery"]
    assert "The mild procedure; Referral to a spine surgeon" in form.initial["summary_en"]
    assert form.initial["summary_es"]  # a draft to edit, in Spanish once translated
    page = response.content.decode()
    assert 'lang="es"' in page  # the Spanish box is marked as Spanish
    assert not TreatmentPlan.objects.exists()


def test_drafting_the_summaries_replaces_them_keeps_the_rest_and_stores_nothing(
    client, clinician, rosa
):
    response = client.post(
        _url("plan_new", rosa),
        _form(summary_en="old text", summary_es="texto viejo", draft="1"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound  # no errors shown for a draft
    assert "The mild procedure (L3-L4, L4-L5; both sides)" in form.initial["summary_en"]
    assert "old text" not in response.content.decode()
    assert form.initial["discussion"] == _form()["discussion"]
    assert not TreatmentPlan.objects.exists()


# --- reading a plan -------------------------------------------------------------------


def test_the_plan_page_shows_the_plan_and_links_its_summary_in_each_language(
    client, clinician, rosa, audit_log
):
    plan = _plan(rosa, evaluation=_evaluation(rosa))
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as entry:
        response = client.get(_url("plan", rosa, plan.pk))
    assert entry["event"].detail == {"section": "plan"}
    page = response.content.decode()
    assert "M48.062: lumbar stenosis with neurogenic claudication" in page
    assert "The mild procedure" in page
    assert "L3-L4, L4-L5" in page
    assert "Both sides" in page
    assert SUMMARY_ES.replace("'", "&#x27;") in page
    for language in ("en", "es"):
        assert _url("plan_summary", rosa, plan.pk, language) in page
        assert _url("plan_pdf", rosa, plan.pk, language) in page


@pytest.mark.parametrize("name", ["plan", "plan_summary", "plan_pdf"])
def test_another_patients_plan_is_not_found(client, clinician, rosa, name):
    other = patient_at("Ana", "Ruiz", "santa-monica", language="es")
    plan = _plan(other)
    args: list[object] = [plan.pk] if name == "plan" else [plan.pk, "en"]
    assert client.get(_url(name, rosa, *args)).status_code == 404


# --- the patient's summary ----------------------------------------------------------------


def test_the_summary_page_is_in_the_language_asked_whatever_the_interface(
    client, clinician, rosa, audit_log
):
    plan = _plan(rosa, evaluation=_evaluation(rosa))
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as entry:
        spanish = client.get(_url("plan_summary", rosa, plan.pk, "es")).content.decode()
    assert entry["event"].detail == {"section": "summary"}
    assert '<html lang="es">' in spanish
    assert SUMMARY_ES in spanish
    assert SUMMARY_EN not in spanish
    assert "Rosa Delgado" in spanish
    assert "L3-L4, L4-L5" in spanish

    english = client.get(_url("plan_summary", rosa, plan.pk, "en")).content.decode()
    assert '<html lang="en">' in english
    for text in (
        SUMMARY_EN,
        "Your treatment plan",
        "The mild procedure",
        "April 2, 1951",  # date of birth
        "For the referring physician",
        "CPT 0275T",
        "We will call you to book the mild procedure",
    ):
        assert text in english, text
    assert SUMMARY_ES not in english
    # The staff's own links stay in the interface's language, the plan's in English.
    assert 'href="/staff/patients/' in english


def test_the_english_summary_from_the_spanish_interface_is_marked_english(client, clinician, rosa):
    plan = _plan(rosa)
    response = client.get(f"/es{_url('plan_summary', rosa, plan.pk, 'en')}")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert SUMMARY_EN in page
    assert 'lang="es"' in page  # the staff links, in the interface's language
    assert 'href="/es/staff/patients/' in page


@pytest.mark.parametrize("name", ["plan_summary", "plan_pdf"])
def test_a_summary_in_a_language_we_do_not_write_is_not_found(client, clinician, rosa, name):
    plan = _plan(rosa)
    assert client.get(_url(name, rosa, plan.pk, "fr")).status_code == 404


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(("language", "text"), [("en", SUMMARY_EN), ("es", SUMMARY_ES)])
def test_the_patient_summary_pdf_renders_in_both_languages(
    client, clinician, rosa, audit_log, language, text
):
    plan = _plan(rosa)
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as entry:
        response = client.get(_url("plan_pdf", rosa, plan.pk, language))
    assert entry["event"].detail == {"section": "summary"}
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="treatment-plan-{language}.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    extracted = " ".join(_pdf_text(response.content).split())
    assert "Rosa Delgado" in extracted
    assert text in extracted
    if language == "es":
        assert "Mañana" in extracted and "después podrá" in extracted


# --- nothing fetched from outside -------------------------------------------------------------

HOSTILE = 'Hola <img src="http://example.com/x.png"> <link rel="stylesheet" href="http://example.com/x.css">'


def test_markup_in_a_summary_is_shown_as_text_and_never_fetched(
    client, clinician, rosa, monkeypatch
):
    plan = _plan(rosa, summary_es=HOSTILE)
    page = client.get(_url("plan_summary", rosa, plan.pk, "es")).content.decode()
    assert '<img src="http://example.com' not in page
    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in page

    asked: list[str] = []
    real_fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    response = client.get(_url("plan_pdf", rosa, plan.pk, "es"))
    assert response.status_code == 200
    assert asked  # the stylesheet and the logo, from our own static files
    assert all(url.startswith("http://testserver/static/") for url in asked), asked
    assert 'src="http://example.com/x.png">' in _pdf_text(response.content)  # as text


def test_the_pdf_fetcher_serves_our_static_files_from_disk():
    fetcher = StaticOnlyFetcher("http://testserver/")
    response = fetcher.fetch("http://testserver/static/css/summary.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/summary.css",  # our path on another host
        "http://testserver/staff/patients/1/chart/",  # our pages are not static files
        "http://testserver/static/../mildpath/settings.py",
        "http://testserver/static/%2e%2e/%2e%2e/etc/passwd",
        "http://testserver/static//etc/passwd",
        "http://testserver/static/css/missing.css",
        "http://testserver/static/",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://testserver/static/css/summary.css",
    ],
)
def test_the_pdf_fetcher_refuses_every_other_url(url):
    fetcher = StaticOnlyFetcher("http://testserver/")
    assert fetcher.static_file(url) is None
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)


# --- who may see it ------------------------------------------------------------------------


def _all_urls(patient: Patient, plan: TreatmentPlan) -> list[str]:
    return [
        _url("plan_new", patient),
        _url("plan", patient, plan.pk),
        _url("plan_summary", patient, plan.pk, "en"),
        _url("plan_pdf", patient, plan.pk, "es"),
    ]


@pytest.mark.parametrize("role", ["front_desk", "manager", "researcher"])
def test_staff_without_clinical_access_are_refused(client, make_staff, sign_in, rosa, role):
    plan = _plan(rosa)
    sign_in(make_staff(role, ("santa-monica",)))
    for url in _all_urls(rosa, plan):
        assert client.get(url).status_code == 403, url
    assert client.post(_url("plan_new", rosa), _form()).status_code == 403
    assert TreatmentPlan.objects.count() == 1
    assert not AuditEvent.objects.filter(action="chart.read").exists()


def test_a_clinician_at_another_location_finds_nothing(client, make_staff, sign_in, rosa):
    plan = _plan(rosa)
    sign_in(make_staff("clinician", ("pasadena",)))
    for url in _all_urls(rosa, plan):
        assert client.get(url).status_code == 404, url
    assert client.post(_url("plan_new", rosa), _form()).status_code == 404
    assert TreatmentPlan.objects.count() == 1
