"""The clinical pathway in Chromium, end to end, as a clinician at the patient's location.

Dr. Marquez signs in with her password and authenticator code and opens Rosa Delgado's
chart (Rosa has her baseline Oswestry score and walking distance on record, and is a
Medicare patient). She types in an MRI from its report, first with an impossible
ligamentum flavum (16 mm: the error names the level and the field), then as reported;
evaluates candidacy (the record judges the imaging and questionnaire criteria, she
answers the rest with the keyboard and the mouse) and decides "candidate"; writes the
plan (mild at L4-L5, both sides) with the summary in English and Spanish, opens the
summary to print and its PDF in each language; records the procedure (today, the steps'
times in order, the levels and sides, M48.062, Medicare coverage with evidence
development with the study's NCT number) and signs it. Editing the signed record is
refused; an amendment with its reason is a new version 2, a draft, with version 1
unchanged; a complication (after the procedure, grade I) is recorded.

axe-core checks every distinct screen at 1280 and 320 px, and none scrolls sideways:
the chart, the imaging form (clean and with its error), the evaluation form and the
stored evaluation, the plan form and page, the summary in both languages, the procedure
form, the record as a draft and signed, the amendment form and the complication form.

The live server runs on the real clock: every date counts from today.
Set CARE_SHOTS=/tmp/care-shots to keep a picture of each screen at 1280 and 390 px."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from fhir.resources.R4B.bundle import Bundle

from mildpath.care import services as care
from mildpath.care.models import Complication, Evaluation, ProcedureRecord, TreatmentPlan
from mildpath.demo.loader import demo_staff_ensure
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.questionnaires import services as questionnaires
from tests.browser import (
    NARROW,
    PASSWORD,
    WIDE,
    assert_accessible,
    assert_reflows,
    tab_to,
    type_password_and_code,
)
from tests.helpers import TEST_ACTOR

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("CARE_SHOTS", "")
NCT = "NCT03610737"


# --- set-up -------------------------------------------------------------------


def _rosa() -> Patient:
    """Rosa Delgado of the demo (Santa Monica), a Medicare patient, with her baseline
    Oswestry score (40) and walking distance (250 feet) entered from paper today."""
    demo_staff_ensure()
    rosa = Patient.objects.get(family_name="Delgado")
    now = timezone.now()
    with transaction.atomic():
        baseline = questionnaires.follow_up_plan_start(
            actor=TEST_ACTOR,
            patient=rosa,
            location=Location.objects.get(slug="santa-monica"),
            anchor_date=timezone.localdate(now),
            due_at=now + timedelta(hours=5),
            now=now,
        )
    for instrument, answers in (
        ("odi", {f"odi_{n}": 2 for n in range(1, 11)}),
        ("walking", {"walking_feet": 250, "walking_method": 1, "walking_capped": False}),
    ):
        questionnaires.paper_response_enter(
            actor=TEST_ACTOR, time_point=baseline, instrument=instrument, answers=answers, now=now
        )
    care.consent_update(
        actor=TEST_ACTOR,
        patient=rosa,
        registry=True,
        medicare=True,
        study_nct="",
        study_enrolled_on=None,
        now=now,
    )
    return rosa


def _dr_marquez() -> User:
    """The demo's clinician (Dr. Elena Marquez, Santa Monica and Pasadena), with the
    suite's password and a confirmed authenticator app."""
    user = User.objects.get(username="demo.clinician")
    user.set_password(PASSWORD)
    user.save()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


# --- what the clinician does ---------------------------------------------------


def _path(page) -> str:
    return urlsplit(page.url).path


def _screen(page, name: str) -> None:
    """axe-core at 1280 and 320 px, no sideways scrolling at either; a picture at 1280
    and 390 px when CARE_SHOTS is set. Leaves the page at 1280 px."""
    for size in (NARROW, WIDE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_reflows(page)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        for size in (WIDE, PHONE):
            page.set_viewport_size(size)
            page.screenshot(path=f"{SHOTS}/{name}-{size['width']}.png", full_page=True)
        page.set_viewport_size(WIDE)


def _follow(page, name: str) -> None:
    """Click the link with this accessible name and wait for its page."""
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).first.click()


def _press(page, name: str) -> None:
    """Click the button with this accessible name and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _record_imaging(page, rosa: Patient, study_day) -> None:
    _follow(page, "Record an imaging study")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/imaging/new/"
    _screen(page, "imaging-form")
    page.get_by_label("MRI", exact=True).check()
    page.get_by_label("Date of the study").fill(study_day.isoformat())
    page.get_by_label("Notes on the study").fill("Central stenosis worst at L4-L5.")
    level = page.locator("#level-L4-L5")
    level.get_by_label("Ligamentum flavum, left (mm)").fill("16")  # a slip of the finger
    level.get_by_label("Ligamentum flavum, right (mm)").fill("3.8")
    level.get_by_label("Canal area (mm²)").fill("72")
    level.get_by_label("Anterior listhesis (mm)").fill("2")
    level.get_by_label("Listhesis grade (Meyerding)").select_option("1")
    _press(page, "Save the imaging findings")

    refusal = "L4-L5, ligamentum flavum, left: enter a value from 0 to 15 mm."
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert refusal in summary.inner_text()
    assert "Nothing was saved." in summary.inner_text()
    assert refusal in level.locator(".field--error").inner_text()
    assert page.title().startswith("Error:")
    # What was typed stays, so only the wrong box needs retyping.
    assert level.get_by_label("Canal area (mm²)").input_value() == "72"
    _screen(page, "imaging-error")

    # The summary's link takes the clinician to the box to correct, ready to type in.
    summary.get_by_role("link").first.click()
    page.wait_for_url("**#id_L4-L5-flavum_left_mm")
    assert page.evaluate("document.activeElement.id") == "id_L4-L5-flavum_left_mm"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("4.1")
    _press(page, "Save the imaging findings")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/"
    assert "MRI of" in _message(page) and "findings at 1 level" in _message(page)
    row = page.locator("table.care-levels tr", has_text="L4-L5")
    assert row.locator("td").all_inner_texts()[:5] == ["4.1", "3.8", "72.0", "2.0", "1"]


def _evaluate(page, rosa: Patient) -> Evaluation:
    _follow(page, "Evaluate candidacy")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/evaluations/new/"
    # The record judges the imaging and questionnaire criteria itself.
    from_record = {
        "flavum_over_2_5": "From the record: 4.1 mm — met",
        "canal_area_100": "From the record: 72 mm² — met",
        "listhesis_5_mm": "From the record: 2 mm — met",
        "odi_over_20": "From the record: ODI 40 — met",
        "walks_10_feet": "From the record: 250 feet — met",
        "listhesis_grade_2": "From the record: grade 1 — not met",
    }
    for code, text in from_record.items():
        assert text in page.locator(f"#criterion-{code}").inner_text(), code
    assert "Needs more information" in page.locator(".care-suggested").inner_text()
    _screen(page, "evaluation-form")

    # The first indication by keyboard: Tab into its answers ("Not known" is picked),
    # the up arrow twice moves to "Yes".
    tab_to(page, "input[name=criterion_claudication_3_months]")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.locator("#id_criterion_claudication_3_months_0").is_checked()
    # The rest with the mouse: the other indication met, no exclusion met.
    page.locator("#id_criterion_conservative_care_failed_0").check()
    asked = page.locator("section[aria-labelledby=criteria-exclusion] input[value=no]")
    for index in range(asked.count()):
        asked.nth(index).check()
    page.get_by_label("Candidate for mild").check()
    page.get_by_label("Reasons for the decision").fill(
        "Claudication for two years despite six months of physical therapy; "
        "flavum 4.1 mm at L4-L5, no exclusion."
    )
    _press(page, "Save the evaluation")
    evaluation = Evaluation.objects.get(patient=rosa)
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/evaluations/{evaluation.pk}/"
    assert "Evaluation saved: Candidate for mild." in _message(page)
    assert evaluation.decision == Evaluation.Decision.CANDIDATE
    assert evaluation.findings["claudication_3_months"]["met"] is True
    assert evaluation.findings["claudication_3_months"]["by"] == "clinician"
    assert evaluation.findings["instability"]["met"] is False
    assert evaluation.findings["flavum_over_2_5"]["by"] == "data"
    odi = page.locator("#criterion-odi_over_20 td").all_inner_texts()
    assert odi[:3] == ["met", "the record", "ODI 40"]
    _screen(page, "evaluation")
    return evaluation


def _plan(page, rosa: Patient, evaluation: Evaluation) -> TreatmentPlan:
    page.goto(f"/staff/patients/{rosa.pk}/chart/#plans")
    _follow(page, "Write a treatment plan")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/plans/new/"
    _screen(page, "plan-form")
    page.get_by_label("M48.062: lumbar stenosis with neurogenic claudication").check()
    page.get_by_label("The mild procedure").check()
    page.locator("#id_mild_levels").get_by_label("L4-L5").check()
    page.get_by_label("Both sides").check()
    page.get_by_label("Shared decision: what was discussed and decided").fill(
        "Went through physical therapy, injections, mild and surgery. Rosa chose mild."
    )
    # A fresh draft of both summaries from the options ticked; then the clinician's own words.
    _press(page, "Replace the summaries with a draft")
    english = page.get_by_label("Summary for the patient, in English")
    spanish = page.get_by_label("Summary for the patient, in Spanish")
    assert "L4-L5" in english.input_value()
    assert page.get_by_label("The mild procedure").is_checked()
    assert page.get_by_label("M48.062: lumbar stenosis with neurogenic claudication").is_checked()
    english.fill(english.input_value() + " Keep walking every day, as far as is comfortable.")
    spanish.fill("Hoy hablamos de su estenosis lumbar. Elegimos juntos el procedimiento mild.")
    _press(page, "Record the plan")
    plan = TreatmentPlan.objects.get(patient=rosa)
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/plans/{plan.pk}/"
    assert "Treatment plan recorded." in _message(page)
    assert (plan.options, plan.mild_levels, plan.mild_side) == (["mild"], ["L4-L5"], "both")
    assert plan.diagnosis == "M48.062"
    assert plan.evaluation_id == evaluation.pk
    assert plan.summary_es.startswith("Hoy hablamos")
    _screen(page, "plan")
    return plan


def _summaries(page, rosa: Patient, plan: TreatmentPlan) -> None:
    plan_page = page.url
    for language, name, text in (
        ("en", "English", "Keep walking every day"),
        ("es", "Spanish", "Elegimos juntos el procedimiento mild"),
    ):
        page.goto(plan_page)
        pdf_url = page.get_by_role("link", name=f"PDF, in {name}").get_attribute("href")
        _follow(page, f"Page to print, in {name}")
        assert _path(page) == f"/staff/patients/{rosa.pk}/chart/plans/{plan.pk}/summary/{language}/"
        assert page.locator("html").get_attribute("lang") == language
        assert text in page.locator("main").inner_text()
        assert "L4-L5" in page.locator("main").inner_text()
        _screen(page, f"summary-{language}")
        assert pdf_url == f"/staff/patients/{rosa.pk}/chart/plans/{plan.pk}/summary/{language}.pdf"
        pdf = page.request.get(pdf_url)  # with the browser's session
        assert pdf.status == 200, language
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF"), language
    page.goto(plan_page)


def _procedure(page, rosa: Patient, today) -> ProcedureRecord:
    page.goto(f"/staff/patients/{rosa.pk}/chart/#procedures")
    _follow(page, "Record a procedure")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/new/"
    # Started from what is known: today, her location, the doctor signed in, the plan.
    assert page.get_by_label("Date of the procedure").input_value() == today.isoformat()
    assert page.get_by_label("Santa Monica").is_checked()
    assert "Elena Marquez" in page.get_by_label("Operator").locator("option:checked").inner_text()
    assert page.locator("#id_levels").get_by_label("L4-L5").is_checked()
    assert page.get_by_label("Both sides").is_checked()
    _screen(page, "procedure-form")
    page.get_by_label("Local with sedation").check()
    page.get_by_label("Contrast", exact=True).fill("iohexol 300, 5 mL")
    for label, when in (
        ("Started", "08:05"),
        ("Portal placed", "08:12"),
        ("Decompression done", "08:41"),
        ("Closed", "08:52"),
        ("Discharged", "10:30"),
    ):
        page.get_by_label(label, exact=True).fill(when)
    page.get_by_label("Kit lot numbers").fill("MLD-2231, MLD-2232")
    page.get_by_label("Blood loss (mL)").fill("5")
    page.get_by_label("M48.062: lumbar stenosis with neurogenic claudication").check()
    page.get_by_label(
        "Medicare patient enrolled in the approved study (coverage with evidence)"
    ).check()
    page.get_by_label("Study (NCT number)").fill(NCT)
    _press(page, "Save the draft")
    record = ProcedureRecord.objects.get(patient=rosa)
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/{record.pk}/"
    assert "Draft saved. Check it, then sign it." in _message(page)
    assert "Version 1: draft, not signed yet." in page.locator("#record-status").inner_text()
    assert "47 minutes" in page.locator("#duration").inner_text()
    codes = page.locator(".care-codes").inner_text()
    assert NCT in codes and "Z00.6" in codes and "Q0" in codes and "M48.062" in codes
    assert (record.levels, record.side, record.diagnosis) == (["L4-L5"], "both", "M48.062")
    assert record.medicare_ced and record.study_nct == NCT
    stamps = [record.started_at, record.portal_at, record.decompressed_at, record.closed_at]
    assert None not in stamps and stamps == sorted(stamps)  # type: ignore[type-var]
    _screen(page, "procedure-draft")
    # On a phone each step is a block of its own, and still a row of the table to a
    # screen reader.
    page.set_viewport_size(NARROW)
    steps = page.get_by_role("table", name="The procedure step by step", exact=False)
    assert steps.get_by_role("row", name="Started").get_by_role("cell").first.inner_text() == (
        "8:05 a.m."
    )
    page.set_viewport_size(WIDE)
    return record


def _sign(page, record: ProcedureRecord) -> ProcedureRecord:
    page.get_by_label("I have checked this record and it is complete").check()
    _press(page, "Sign the record")
    assert "Signed. The record is final now" in _message(page)
    status = page.locator("#record-status").inner_text()
    assert "Version 1: signed by Elena Marquez" in status
    assert page.get_by_role("link", name="Edit the draft").count() == 0
    record.refresh_from_db()
    assert record.signed_at is not None
    _screen(page, "procedure-signed")
    return record


def _refuse_edit_then_amend(page, rosa: Patient, record: ProcedureRecord) -> ProcedureRecord:
    page.goto(f"/staff/patients/{rosa.pk}/chart/procedures/{record.pk}/edit/")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/{record.pk}/"
    assert "A signed record cannot be edited: amend it." in _message(page)

    _follow(page, "Amend (a new version)")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/{record.pk}/amend/"
    assert page.get_by_label("Blood loss (mL)").input_value() == "5"
    _screen(page, "procedure-amend")
    page.get_by_label("Reason for the amendment").fill(
        "Blood loss was 10 mL by the nurse's count, not 5."
    )
    page.get_by_label("Blood loss (mL)").fill("10")
    _press(page, "Save the amendment as a draft")
    amended = ProcedureRecord.objects.get(amends=record)
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/{amended.pk}/"
    assert "Amendment saved as version 2, a draft" in _message(page)
    assert "Version 2: draft, not signed yet." in page.locator("#record-status").inner_text()
    versions = page.locator("#versions-caption").locator("xpath=..").locator("tbody tr")
    assert versions.count() == 2
    assert "Draft" not in versions.nth(0).inner_text()
    assert "Draft" in versions.nth(1).inner_text()
    assert "nurse's count" in versions.nth(1).inner_text()
    # Version 1 stays exactly as signed.
    signed_at = record.signed_at
    record.refresh_from_db()
    assert (record.blood_loss_ml, record.signed_at, record.version) == (5, signed_at, 1)
    assert (amended.version, amended.blood_loss_ml, amended.signed_at) == (2, 10, None)
    # Its page says so, and still shows what was signed.
    page.goto(f"/staff/patients/{rosa.pk}/chart/procedures/{record.pk}/")
    assert "version 2 replaces it" in page.locator(".notice").inner_text()
    assert "Version 1: signed by Elena Marquez" in page.locator("#record-status").inner_text()
    assert "5 mL" in page.locator("dl", has_text="Blood loss").inner_text()
    assert page.get_by_role("link", name="Amend (a new version)").count() == 0
    _follow(page, "See version 2")
    return amended


def _complication(page, rosa: Patient, amended: ProcedureRecord, today) -> None:
    _follow(page, "Record a complication")
    assert _path(page) == (
        f"/staff/patients/{rosa.pk}/chart/procedures/{amended.pk}/complications/new/"
    )
    _screen(page, "complication-form")
    page.get_by_label("After the procedure").check()
    page.get_by_label("I: any deviation from the normal course, no treatment needed").check()
    page.get_by_label("What happened").fill("Soreness at the incision; settled without treatment.")
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    _press(page, "Record the complication")
    assert _path(page) == f"/staff/patients/{rosa.pk}/chart/procedures/{amended.pk}/"
    assert "Complication recorded with the procedure." in _message(page)
    assert (
        "Soreness at the incision"
        in page.locator("#complications-caption").locator("xpath=..").inner_text()
    )
    complication = Complication.objects.get(patient=rosa)
    assert (complication.phase, complication.grade, complication.chain) == (
        "post",
        "I",
        amended.chain,
    )


def test_a_clinician_records_the_pathway_from_imaging_to_a_signed_and_amended_procedure(page):
    rosa = _rosa()
    type_password_and_code(page, _dr_marquez())
    assert _path(page) == "/staff/"
    today = timezone.now().astimezone(Location.objects.get(slug="santa-monica").tz).date()

    page.goto(f"/staff/patients/{rosa.pk}/chart/")
    assert page.get_by_role("heading", name="Clinical chart").is_visible()
    _screen(page, "chart-empty")

    _record_imaging(page, rosa, today - timedelta(days=12))
    evaluation = _evaluate(page, rosa)
    plan = _plan(page, rosa, evaluation)
    _summaries(page, rosa, plan)
    record = _sign(page, _procedure(page, rosa, today))
    amended = _refuse_edit_then_amend(page, rosa, record)
    _complication(page, rosa, amended, today)

    # The chart holds it all: the study, the evaluation, the plan, both versions.
    page.goto(f"/staff/patients/{rosa.pk}/chart/")
    procedures = page.locator("#procedures").locator("xpath=..").inner_text()
    assert "Version 2" in procedures and "Version 1" in procedures
    assert "Draft, not signed" in procedures
    assert "Soreness at the incision" in procedures
    assert "Candidate for mild" in page.locator("#evaluations").locator("xpath=..").inner_text()
    _screen(page, "chart-full")

    # The record leaves as a FHIR R4 file: the signed version 1 (the amendment is a
    # draft), the complication, the baseline scores.
    page.get_by_role("link", name="Export").click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the record (FHIR R4)").click()
    download = downloading.value
    assert download.suggested_filename.startswith(f"patient-{rosa.pk}-fhir-r4-")
    document = json.loads(Path(download.path()).read_text())
    Bundle.model_validate(document)
    kinds = Counter(entry["resource"]["resourceType"] for entry in document["entry"])
    assert kinds["Patient"] == kinds["Procedure"] == kinds["Condition"] == 1
    assert kinds["QuestionnaireResponse"] == kinds["Observation"] == 2
    (procedure,) = (e["resource"] for e in document["entry"] if "complication" in e["resource"])
    assert "Soreness at the incision" in procedure["complication"][0]["text"]
