"""The clinician's chart of a patient: who sees it (clinicians at the patient's
locations, each look audited once), what it shows (consent, visits, scores and
follow-up, imaging by level, evaluations, plans, procedures with their versions and
complications, documents), in a number of queries that does not grow with the record;
and the consent form, which names the field and the rule it breaks."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent
from mildpath.care import criteria, services
from mildpath.care.models import CareConsent, ProcedureRecord
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires import services as questionnaire_services
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.scheduling.models import Appointment, AppointmentType
from tests.helpers import NOW, TEST_ACTOR, procedure_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California.

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def rosa(demo_practice, settings, tmp_path):
    """Rosa Delgado, seen at Santa Monica, born 2 April 1951, phone (310) 555-0111."""
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    settings.MILDPATH_DOCUMENTS_DIR = tmp_path / "documents"
    demo_staff_ensure()
    demo_schedule_load()
    return Patient.objects.get(family_name="Delgado")


def _chart(patient: Patient) -> str:
    return reverse("care:chart", args=[patient.pk])


def _consent(patient: Patient) -> str:
    return reverse("care:consent", args=[patient.pk])


def _main(page) -> str:
    text = page.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def _section(main: str, section_id: str) -> str:
    """The chart's section whose heading has this id, up to the next section."""
    start = main.index(f'id="{section_id}"')
    end = main.find('<section class="care-section"', start)
    return main[start : end if end != -1 else len(main)]


# --- building a record -------------------------------------------------------------


def _patient(given: str, family: str) -> Patient:
    patient = Patient.objects.create(
        given_name=given,
        family_name=family,
        date_of_birth=date(1948, 6, 30),
        phone=f"+1310555{Patient.objects.count():04d}",
        created_at=NOW,
    )
    patient.locations.add(Location.objects.get(slug="santa-monica"))
    return patient


def _visit(patient: Patient, *, days: int, status: str = "booked") -> Appointment:
    kind = AppointmentType.objects.get(location__slug="santa-monica", kind="consultation")
    start = NOW + timedelta(days=days)
    return Appointment.objects.create(
        location=kind.location,
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(minutes=45),
        busy_start=start,
        busy_end=start + timedelta(minutes=45),
        status=status,
        created_at=NOW - timedelta(days=60),
    )


def _imaging(
    patient: Patient,
    *,
    levels: tuple[str, ...] = ("L3-L4", "L4-L5"),
    days: int = 30,
    actor: Actor = TEST_ACTOR,
):
    return services.imaging_record(
        actor=actor,
        patient=patient,
        modality="mri",
        performed_on=(NOW - timedelta(days=days)).date(),
        notes="Severe central stenosis at L4-L5.",
        levels=[
            {
                "level": level,
                "flavum_left_mm": Decimal("4.6"),
                "flavum_right_mm": Decimal("3.2"),
                "canal_area_mm2": Decimal("61.5"),
                "listhesis_mm": Decimal("2.0"),
                "listhesis_grade": 1,
                "foraminal": "moderate",
                "disc": "Broad-based bulge",
            }
            for level in levels
        ],
        now=clock.now(),
    )


def _evaluation(patient: Patient, decision: str = "candidate", actor: Actor = TEST_ACTOR):
    return services.evaluation_record(
        actor=actor,
        patient=patient,
        criteria=criteria.current(),
        judged=[],
        decision=decision,
        reasons="Hypertrophic flavum, neurogenic claudication.",
        now=clock.now(),
    )


def _plan(patient: Patient, actor: Actor = TEST_ACTOR):
    return services.plan_record(
        actor=actor,
        patient=patient,
        evaluation=None,
        options=["mild", "conservative"],
        mild_levels=["L4-L5"],
        mild_side="both",
        other="",
        discussion="Options discussed; the patient chose mild.",
        summary_en="You chose the mild procedure.",
        summary_es="Usted eligió el procedimiento mild.",
        now=clock.now(),
    )


def _procedure(patient: Patient, *, days: int = -3, actor: Actor = TEST_ACTOR) -> ProcedureRecord:
    day = (NOW + timedelta(days=days)).date()
    return procedure_for(patient, performed_on=day, now=clock.now(), actor=actor)


def _document(patient: Patient, title: str = "MRI report", actor: Actor = TEST_ACTOR):
    return services.document_store(
        actor=actor,
        patient=patient,
        kind="imaging",
        title=title,
        upload=services.Upload(content=PDF, content_type="application/pdf"),
        now=clock.now(),
    )


def _scores(patient: Patient) -> None:
    """A baseline answered a month ago (ODI 40) and a 6-week ODI of 22."""
    baseline = questionnaire_services.follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=patient,
        location=Location.objects.get(slug="santa-monica"),
        anchor_date=(NOW - timedelta(days=60)).date(),
        due_at=NOW - timedelta(days=60),
        now=NOW - timedelta(days=61),
    )
    later = TimePoint.objects.get(patient=patient, code="week_6", superseded_at__isnull=True)
    for point, odi in ((baseline, 40.0), (later, 22.0)):
        Response.objects.create(
            time_point=point,
            patient=patient,
            instrument="odi",
            version="2.1a",
            status="complete",
            scores={"odi": odi},
            mode="paper",
            language="en",
            started_at=NOW - timedelta(days=30),
            updated_at=NOW - timedelta(days=30),
            completed_at=NOW - timedelta(days=30),
        )
        point.completed_at = NOW - timedelta(days=30)
        point.save(update_fields=["completed_at"])


# --- who sees the chart --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "locations"),
    [("front_desk", ("santa-monica",)), ("researcher", ()), ("manager", ())],
)
def test_staff_who_are_not_clinicians_are_refused_the_chart(
    client, rosa, make_staff, sign_in, role, locations
):
    sign_in(make_staff(role, locations))
    before = AuditEvent.objects.filter(action="chart.read").count()
    for url in (_chart(rosa), _consent(rosa)):
        assert client.get(url).status_code == 403
    assert client.post(_consent(rosa), {"registry": "on"}).status_code == 403
    assert AuditEvent.objects.filter(action="chart.read").count() == before
    assert not CareConsent.objects.filter(patient=rosa).exists()


def test_a_clinician_at_another_location_gets_not_found_and_the_refusal_is_recorded(
    client, rosa, make_staff, sign_in, audit_log
):
    sign_in(make_staff("clinician", ("pasadena",)))
    with audit_log.exactly_one(action="access.refused", patient_id=rosa.pk):
        page = client.get(_chart(rosa))
    assert page.status_code == 404
    assert "Delgado" not in page.text
    assert not AuditEvent.objects.filter(action="chart.read", patient_id=rosa.pk).exists()
    # Nor can they change the consent of a patient they cannot see.
    assert client.post(_consent(rosa), {"registry": "on"}).status_code == 404
    assert not CareConsent.objects.filter(patient=rosa).exists()


def test_each_look_at_the_chart_writes_exactly_one_chart_read_entry(
    client, rosa, clinician, audit_log
):
    for _look in range(2):
        with audit_log.exactly_one(
            action="chart.read", patient_id=rosa.pk, actor=clinician
        ) as found:
            assert client.get(_chart(rosa)).status_code == 200
        assert found["event"].detail == {"section": "chart"}
    assert AuditEvent.objects.filter(action="chart.read", patient_id=rosa.pk).count() == 2


def test_the_patient_record_links_to_the_chart_for_clinicians_only(
    client, rosa, clinician, make_staff, sign_in
):
    record = client.get(reverse("patients:detail", args=[rosa.pk])).text
    assert f'href="{_chart(rosa)}"' in record and "Clinical chart" in record
    client.logout()
    sign_in(make_staff("front_desk", ("santa-monica",)))
    record = client.get(reverse("patients:detail", args=[rosa.pk])).text
    assert _chart(rosa) not in record and "Clinical chart" not in record


# --- what the chart shows ------------------------------------------------------------


def test_an_empty_chart_says_so_in_each_section_and_offers_every_next_step(client, rosa, clinician):
    page = client.get(_chart(rosa))
    assert page.status_code == 200
    main = _main(page)
    assert "No consent recorded yet" in main
    assert "No questionnaire has been completed yet." in main
    assert "No imaging recorded yet." in main
    assert "No candidacy evaluation yet." in main
    assert "No treatment plan yet." in main
    assert "No procedure recorded yet." in main
    assert "No document on the chart yet." in main
    for name in ("consent", "imaging_new", "evaluation_new", "plan_new", "procedure_new"):
        assert f'href="{reverse(f"care:{name}", args=[rosa.pk])}"' in main


def test_the_chart_opens_with_a_jump_list_to_every_section(client, rosa, clinician):
    main = _main(client.get(_chart(rosa)))
    nav = main[main.index('<nav class="care-jump"') : main.index("</nav>")]
    targets = re.findall(r'href="#([a-z-]+)"', nav)
    assert targets == [
        "consent",
        "visits",
        "questionnaires",
        "imaging",
        "evaluations",
        "plans",
        "procedures",
        "surgeries",
        "documents",
        "export",
    ]
    for target in targets:
        assert re.search(rf'<h2 id="{target}">', main), target


def test_the_chart_shows_who_the_patient_is_and_how_to_reach_them(client, rosa, clinician):
    main = _main(client.get(_chart(rosa)))
    top = main[: main.index('id="consent"')]
    assert "Rosa Delgado" in top
    assert "April 2, 1951 (age 75)" in top
    assert "<dt>Preferred language</dt>\n    <dd>Spanish</dd>" in top
    assert "(310) 555-0111" in top and 'href="tel:+13105550111"' in top


def test_the_chart_shows_the_consent_with_its_dates_and_a_link_to_change_it(
    client, rosa, clinician
):
    services.consent_update(
        actor=TEST_ACTOR,
        patient=rosa,
        registry=True,
        medicare=True,
        study_nct="NCT03610737",
        study_enrolled_on=date(2026, 11, 2),
        now=NOW - timedelta(days=5),
    )
    consent = _section(_main(client.get(_chart(rosa))), "consent")
    assert "Yes, agreed on November 19, 2026" in consent
    assert "NCT03610737, enrolled November 2, 2026" in consent
    assert f'href="{_consent(rosa)}"' in consent and "Change consent" in consent


def test_the_chart_lists_upcoming_and_earlier_visits(client, rosa, clinician):
    ahead = _visit(rosa, days=13)
    done = _visit(rosa, days=-28, status="fulfilled")
    visits = _section(_main(client.get(_chart(rosa))), "visits")
    assert "1 upcoming visit" in visits and "1 earlier or cancelled visit" in visits
    assert visits.index(f"/appointments/{ahead.pk}/") < visits.index(f"/appointments/{done.pk}/")
    assert "Monday, December 7, 2026" not in visits  # a table: the short date
    assert "December 7, 2026, 9 a.m." in visits


def test_the_chart_shows_the_latest_score_of_each_measure_and_each_time_point_state(
    client, rosa, clinician
):
    _scores(rosa)
    questionnaires = _section(_main(client.get(_chart(rosa))), "questionnaires")
    found = re.search(r"Oswestry Disability Index \(ODI\) (.*?)</tr>", questionnaires)
    assert found is not None
    row = found.group(1)
    assert "(score (0 to 100))" in row  # what the number counts
    assert "22.0" in row and "6 weeks" in row and "-18.0 · better" in row
    assert f'href="{reverse("questionnaires:progress", args=[rosa.pk])}"' in questionnaires
    follow_up = questionnaires[questionnaires.index('id="follow-up"') :]
    assert re.search(r"Before treatment</th>.*?Complete", follow_up, re.S)
    assert re.search(r"6 weeks</th>.*?Complete", follow_up, re.S)


def test_the_chart_shows_each_imaging_study_with_its_levels(client, rosa, clinician):
    older = _imaging(rosa, levels=("L4-L5",), days=400)
    newer = _imaging(rosa, levels=("L3-L4", "L4-L5"), days=30)
    imaging = _section(_main(client.get(_chart(rosa))), "imaging")
    assert imaging.count("<table") == 2
    assert imaging.index(f'id="study-{newer.pk}"') < imaging.index(f'id="study-{older.pk}"')
    assert "MRI of October 25, 2026" in imaging
    newer_table = imaging[imaging.index(f'id="study-{newer.pk}"') : imaging.index("</table>")]
    assert '<th scope="row">L3-L4</th>' in newer_table
    assert '<th scope="row">L4-L5</th>' in newer_table
    for value in ("4.6", "3.2", "61.5", "Moderate", "Broad-based bulge"):
        assert value in newer_table
    assert "Severe central stenosis at L4-L5." in imaging


def test_the_chart_lists_evaluations_and_plans_with_links_to_each(client, rosa, clinician):
    evaluation = _evaluation(rosa, decision="more_info")
    plan = _plan(rosa)
    main = _main(client.get(_chart(rosa)))
    evaluations = _section(main, "evaluations")
    assert "Needs more information" in evaluations
    assert criteria.current().version in evaluations
    assert f'href="{reverse("care:evaluation", args=[rosa.pk, evaluation.pk])}"' in evaluations
    plans = _section(main, "plans")
    assert "The mild procedure" in plans and "Conservative care" in plans
    assert "L4-L5 (Both sides)" in plans
    assert f'href="{reverse("care:plan", args=[rosa.pk, plan.pk])}"' in plans


def test_the_chart_leaves_out_none_of_a_long_record(client, rosa, clinician):
    studies = [_imaging(rosa, levels=("L4-L5",), days=30 + n) for n in range(25)]
    evaluations = [_evaluation(rosa) for _ in range(25)]
    plans = [_plan(rosa) for _ in range(25)]
    main = _main(client.get(_chart(rosa)))
    imaging = _section(main, "imaging")
    assert all(f'id="study-{study.pk}"' in imaging for study in studies)
    listed = _section(main, "evaluations")
    assert all(
        reverse("care:evaluation", args=[rosa.pk, evaluation.pk]) in listed
        for evaluation in evaluations
    )
    listed = _section(main, "plans")
    assert all(reverse("care:plan", args=[rosa.pk, plan.pk]) in listed for plan in plans)


def test_the_chart_shows_each_procedure_with_its_versions_and_complications(
    client, rosa, clinician
):
    first = _procedure(rosa)
    services.procedure_sign(actor=TEST_ACTOR, procedure=first, now=clock.now())
    amended = services.procedure_amend(
        actor=TEST_ACTOR,
        procedure=first,
        reason="Kit lot number corrected",
        fields={"kit_lots": "A-1234"},
        now=clock.now(),
    )
    services.complication_record(
        actor=TEST_ACTOR,
        procedure=first,
        phase="post",
        grade="I",
        description="Soreness at the portal site for two days.",
        occurred_on=(NOW - timedelta(days=1)).date(),
        now=clock.now(),
    )
    draft = _procedure(rosa, days=-1)
    procedures = _section(_main(client.get(_chart(rosa))), "procedures")
    assert procedures.count("<article") == 2
    # The newest procedure first; within one, the newest version first.
    assert procedures.index(f"/procedures/{draft.pk}/") < procedures.index(
        f"/procedures/{amended.pk}/"
    )
    assert procedures.index(f"/procedures/{amended.pk}/") < procedures.index(
        f"/procedures/{first.pk}/"
    )
    assert "2 versions, newest first" in procedures
    assert "Signed November 24, 2026" in procedures
    assert procedures.count("Draft, not signed") == 2  # the amendment and the new one
    assert "Amended: Kit lot number corrected" in procedures
    assert "Soreness at the portal site for two days." in procedures
    assert "Clavien-Dindo I: any deviation" in procedures
    assert procedures.count("Soreness at the portal site") == 1  # under its procedure only


def test_the_chart_lists_documents_with_download_links_and_an_upload_form(client, rosa, clinician):
    document = _document(rosa, title="Referral from Dr Ochoa")
    documents = _section(_main(client.get(_chart(rosa))), "documents")
    assert "Referral from Dr Ochoa" in documents
    assert f'href="{reverse("care:document", args=[rosa.pk, document.pk])}"' in documents
    assert "PDF" in documents
    form = documents[documents.index("<form") :]
    assert f'action="{reverse("care:document_upload", args=[rosa.pk])}"' in form
    assert 'enctype="multipart/form-data"' in form
    for name in ("kind", "title", "file"):
        assert f'name="{name}"' in form
    assert re.search(r'<label for="id_title">Title</label>', form)


def test_the_chart_has_no_inline_style_or_script(client, rosa, clinician):
    _imaging(rosa)
    _document(rosa)
    main = _main(client.get(_chart(rosa)))
    assert "style=" not in main and "<script" not in main and "<style" not in main


def test_the_chart_reads_in_the_same_number_of_queries_however_long_the_record(
    client, rosa, clinician
):
    short, long = _patient("Ana", "Short"), _patient("Luis", "Long")
    actor = Actor(user=clinician)  # each row names a user, as the page shows
    for patient, count, ago in ((short, 1, 10), (long, 5, 100)):
        services.consent_update(
            actor=actor,
            patient=patient,
            registry=True,
            medicare=False,
            study_nct="",
            study_enrolled_on=None,
            now=clock.now(),
        )
        _scores(patient)
        for n in range(count):
            _visit(patient, days=-ago - n, status="fulfilled")
            _imaging(
                patient,
                levels=("L2-L3", "L3-L4", "L4-L5")[: 1 + n % 3],
                days=30 + n,
                actor=actor,
            )
            _evaluation(patient, actor=actor)
            _plan(patient, actor=actor)
            procedure = _procedure(patient, days=-3 - n, actor=actor)
            services.procedure_sign(actor=actor, procedure=procedure, now=clock.now())
            services.procedure_amend(
                actor=actor,
                procedure=procedure,
                reason="Corrected",
                fields={},
                now=clock.now(),
            )
            services.complication_record(
                actor=actor,
                procedure=procedure,
                phase="intra",
                grade="I",
                description="Minor bleeding",
                occurred_on=procedure.performed_on,
                now=clock.now(),
            )
            _document(patient, title=f"Report {n}", actor=actor)
    counts = {}
    for patient in (short, long):
        client.get(_chart(patient))  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            page = client.get(_chart(patient))
        assert page.status_code == 200
        counts[patient.family_name] = len(queries)
    main = _main(page)
    assert main.count("<article") == 5 and main.count("Report ") == 5
    assert main.count(f"by {clinician.get_username()}") == 5  # each signed version's signer
    assert counts["Long"] == counts["Short"], counts


# --- consent -----------------------------------------------------------------------


def test_the_consent_form_shows_what_is_recorded_and_its_look_is_audited(
    client, rosa, clinician, audit_log
):
    services.consent_update(
        actor=TEST_ACTOR,
        patient=rosa,
        registry=True,
        medicare=True,
        study_nct="NCT03610737",
        study_enrolled_on=date(2026, 11, 2),
        now=clock.now(),
    )
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as found:
        page = client.get(_consent(rosa))
    assert found["event"].detail == {"section": "consent"}
    assert page.status_code == 200
    main = _main(page)
    assert 'value="NCT03610737"' in main and 'value="2026-11-02"' in main
    assert re.search(r'name="registry"[^>]*checked', main)
    assert re.search(r'name="medicare"[^>]*checked', main)
    assert main.count("<fieldset") == 2 and main.count("<legend>") == 2


def test_consent_saved_goes_back_to_the_chart_with_a_message_and_is_audited(
    client, rosa, clinician, audit_log
):
    with audit_log.exactly_one(action="care.consent", patient_id=rosa.pk, actor=clinician):
        saved = client.post(
            _consent(rosa),
            {
                "registry": "on",
                "medicare": "on",
                "study_nct": " nct03610737 ",
                "study_enrolled_on": "2026-11-02",
            },
        )
    assert saved.status_code == 302
    assert saved.headers["Location"] == _chart(rosa) + "#consent"
    consent = CareConsent.objects.get(patient=rosa)
    assert consent.registry and consent.registry_at == NOW
    assert consent.medicare and consent.study_nct == "NCT03610737"
    assert consent.study_enrolled_on == date(2026, 11, 2)
    assert consent.updated_by == clinician
    chart = client.get(saved.headers["Location"])
    assert "Consent saved." in chart.text
    assert "Yes, agreed on November 24, 2026" in chart.text


def test_consent_withdrawn_clears_the_registry_date(client, rosa, clinician):
    client.post(_consent(rosa), {"registry": "on"})
    client.post(_consent(rosa), {})
    consent = CareConsent.objects.get(patient=rosa)
    assert not consent.registry and consent.registry_at is None


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"medicare": "on", "study_nct": "NCT1234"},
            "study_nct",
            "Enter the study&#x27;s NCT number as NCT followed by 8 digits, like NCT03610737.",
        ),
        (
            {"study_nct": "NCT036107370"},
            "study_nct",
            "Enter the study&#x27;s NCT number as NCT followed by 8 digits",
        ),
        (  # Arabic-Indic digits are digits to Python's \d, never to the database
            {"medicare": "on", "study_nct": "NCT\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667"},
            "study_nct",
            "Enter the study&#x27;s NCT number as NCT followed by 8 digits",
        ),
        (
            {"medicare": "on", "study_nct": ""},
            "study_nct",
            "Enter the study&#x27;s NCT number: Medicare covers mild only for a patient "
            "enrolled in an approved study.",
        ),
        (
            {"study_nct": "NCT03610737", "study_enrolled_on": "2026-11-25"},
            "study_enrolled_on",
            "The enrolment date is in the future",
        ),
        (
            {"study_nct": "NCT03610737", "study_enrolled_on": "next week"},
            "study_enrolled_on",
            "Enter the enrolment date like 2026-11-02.",
        ),
        (
            {"study_nct": "NCT03610737", "study_enrolled_on": "1926-11-02"},
            "study_enrolled_on",
            "The enrolment date is before the patient was born: check the year.",
        ),
        (
            {"study_enrolled_on": "2026-11-02"},
            "study_enrolled_on",
            "Enter the study&#x27;s NCT number too, or leave the enrolment date empty.",
        ),
    ],
)
def test_consent_the_form_refuses_says_which_field_and_why_and_saves_nothing(
    client, rosa, clinician, posted, field, message
):
    page = client.post(_consent(rosa), {"registry": "on", **posted})
    assert page.status_code == 400
    main = _main(page)
    summary = main[main.index('class="error-summary"') : main.index("</div>")]
    assert f'href="#id_{field}"' in summary and message in summary
    assert f'id="id_{field}_error"' in main
    assert not CareConsent.objects.filter(patient=rosa).exists()
    assert not AuditEvent.objects.filter(action="care.consent").exists()


def test_the_enrolment_date_may_be_today_on_the_clinic_clock(client, rosa, clinician):
    saved = client.post(
        _consent(rosa), {"study_nct": "NCT03610737", "study_enrolled_on": "2026-11-24"}
    )
    assert saved.status_code == 302
    assert CareConsent.objects.get(patient=rosa).study_enrolled_on == date(2026, 11, 24)


def test_a_change_reads_better_or_worse_by_the_measures_direction():
    from mildpath.questionnaires.progress import MEASURES, LatestScore

    odi = next(m for m in MEASURES if m.key == "odi")
    walking = next(m for m in MEASURES if m.key == "walking_feet")

    def latest(measure, change):
        return LatestScore(measure=measure, value=0, time_point="6 weeks", baseline=40,
                           target=date(2026, 10, 1), change=change, capped=False)  # fmt: skip

    assert latest(odi, -18).better is True and latest(odi, 12).better is False
    assert latest(walking, 500).better is True and latest(walking, -100).better is False
    assert latest(odi, 0).better is None and latest(odi, None).better is None
    # A change smaller than the minimal important change (10 points) is variation.
    assert latest(odi, -0.5).better is None and latest(odi, 5).better is None
    # At a test's cap the true value is higher: no verdict.
    capped = LatestScore(measure=walking, value=1500, time_point="6 weeks",
                         target=date(2026, 10, 1), change=500, capped=True)  # fmt: skip
    assert capped.better is None
    # The scale is named once: in the name, or beside it.
    assert latest(odi, -18).unit == "score (0 to 100)" and latest(walking, 1).unit == "feet"
    back = next(m for m in MEASURES if m.key == "nrs_back")
    assert latest(back, -3).unit == ""
