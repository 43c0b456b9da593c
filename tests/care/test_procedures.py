"""The procedure record, as a clinician keeps it: a draft structured on the steps of
the procedure, signed (then final), amended only as a new version with its reason;
complications that stay with the procedure on every version; the follow-up plan
counted from the procedure once it is signed; and the 1-week check it needs."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.care import services
from mildpath.care.errors import RecordSigned
from mildpath.care.models import CareConsent, Complication, ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import follow_up_plan_start
from tests.helpers import NOW, TEST_ACTOR, visit_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 11, 20)  # the Friday before the suite's "now" (Tuesday 24 November)


@pytest.fixture
def rosa(demo_practice):
    """Rosa Delgado, seen at Santa Monica."""
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()
    return Patient.objects.get(family_name="Delgado")


@pytest.fixture
def marquez(rosa):
    return Practitioner.objects.get(slug="elena-marquez")


@pytest.fixture
def clinician(make_staff, sign_in, marquez):
    """Dr. Marquez's own account, at Santa Monica (in place of the demo's)."""
    from mildpath.accounts.models import StaffProfile

    StaffProfile.objects.filter(practitioner=marquez).update(practitioner=None)
    user = make_staff("clinician", ("santa-monica",))
    user.first_name, user.last_name = "Elena", "Marquez"
    user.save()
    user.staff_profile.practitioner = marquez
    user.staff_profile.save()
    sign_in(user)
    return user


def _url(name, patient, procedure=None):
    if procedure is None:
        return reverse(f"care:{name}", args=[patient.pk])
    return reverse(f"care:{name}", args=[patient.pk, procedure.pk])


def _fields(**changes):
    """A complete, valid record of a two-level procedure at Santa Monica on DAY."""
    data = {
        "performed_on": DAY.isoformat(),
        "location": str(Location.objects.get(slug="santa-monica").pk),
        "operator": str(Practitioner.objects.get(slug="elena-marquez").pk),
        "appointment": "",
        "anaesthesia": "sedation",
        "fluoroscopy": "on",
        "epidurogram": "on",
        "contrast": "iohexol 300, 5 mL",
        "levels": ["L4-L5", "L3-L4"],
        "side": "both",
        "started_at": "08:00",
        "portal_at": "08:10",
        "decompressed_at": "08:40",
        "closed_at": "08:52",
        "discharged_at": "10:30",
        "kit_lots": "MLD-2231",
        "blood_loss_ml": "5",
        "diagnosis": "M48.062",
        "study_nct": "",
        "notes": "Uneventful.",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _draft(client, patient, **changes) -> ProcedureRecord:
    response = client.post(_url("procedure_new", patient), _fields(**changes))
    assert response.status_code == 302, _errors(response)
    return ProcedureRecord.objects.filter(patient=patient).latest("id")


def _sign(client, procedure):
    return client.post(
        _url("procedure_sign", procedure.patient, procedure), {"confirm": "yes"}, follow=True
    )


def _text(response) -> str:
    """The page's words, tags and spacing out."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def _errors(response) -> str:
    match = re.search(r'class="error-summary".*?</div>', response.content.decode(), re.S)
    return _text_of(match.group(0)) if match else ""


def _text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def _procedure_visit(patient, day, *, kind="procedure", hour=7, location="santa-monica"):
    start = datetime(day.year, day.month, day.day, hour, 30, tzinfo=LA)
    status = "fulfilled" if start < NOW else "booked"
    return visit_for(patient, start=start, kind=kind, slug=location, status=status)


# --- the whole flow ---------------------------------------------------------------


def test_it_takes_a_record_from_draft_to_signed_to_a_signed_amendment(client, rosa, clinician):
    page = client.get(_url("procedure_new", rosa))
    assert page.status_code == 200
    assert "0275T" in _text(page)

    draft = _draft(client, rosa)
    assert draft.version == 1 and draft.chain == draft.pk and draft.signed_at is None
    assert draft.levels == ["L3-L4", "L4-L5"]  # in the spine's order, as ticked
    assert draft.started_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 8:00 in California
    assert draft.closed_at == datetime(2026, 11, 20, 16, 52, tzinfo=UTC)
    assert draft.operator.slug == "elena-marquez"

    edited = client.post(_url("procedure_edit", rosa, draft), _fields(blood_loss_ml="12"))
    assert edited.status_code == 302, _errors(edited)
    draft.refresh_from_db()
    assert draft.blood_loss_ml == 12

    signed_page = _sign(client, draft)
    assert "Signed." in _text(signed_page)
    draft.refresh_from_db()
    assert draft.signed_at == NOW and draft.signed_by == clinician
    first = model_to_dict(draft)

    # A signed record is not edited: the page says to amend it, the record stays.
    refused = client.get(_url("procedure_edit", rosa, draft), follow=True)
    assert "A signed record cannot be edited: amend it." in _text(refused)
    refused = client.post(
        _url("procedure_edit", rosa, draft), _fields(blood_loss_ml="900"), follow=True
    )
    assert "A signed record cannot be edited: amend it." in _text(refused)
    assert "Edit the draft" not in _text(refused)

    amend_page = client.get(_url("procedure_amend", rosa, draft))
    assert 'value="12"' in amend_page.content.decode()  # the signed values, to change

    without_reason = client.post(_url("procedure_amend", rosa, draft), _fields(reason=" "))
    assert without_reason.status_code == 400
    assert "Reason for the amendment: Enter why the record is amended." in _errors(without_reason)
    assert ProcedureRecord.objects.filter(chain=draft.chain).count() == 1

    amended = client.post(
        _url("procedure_amend", rosa, draft),
        _fields(blood_loss_ml="20", levels=["L4-L5"], reason="Blood loss misread; one level."),
    )
    assert amended.status_code == 302, _errors(amended)
    second = ProcedureRecord.objects.get(chain=draft.chain, version=2)
    assert second.signed_at is None and second.amends == draft
    assert (second.blood_loss_ml, second.levels) == (20, ["L4-L5"])
    assert second.amendment_reason == "Blood loss misread; one level."

    draft.refresh_from_db()
    assert model_to_dict(draft) == first  # version 1, field by field, as signed

    old_page = client.get(_url("procedure", rosa, draft))
    assert "version 2 replaces it" in _text(old_page)
    assert "Amend (a new version)" not in _text(old_page)

    _sign(client, second)
    second.refresh_from_db()
    assert second.signed_at is not None
    page = _text(client.get(_url("procedure", rosa, second)))
    assert "Version 2: signed by Elena Marquez" in page
    assert "Blood loss misread; one level." in page
    assert "Amend (a new version)" in page


def test_the_service_refuses_to_change_a_signed_record(rosa, clinician, client):
    procedure = _draft(client, rosa)
    services.procedure_sign(actor=TEST_ACTOR, procedure=procedure, now=NOW)
    with pytest.raises(RecordSigned):
        services.procedure_draft_save(
            actor=TEST_ACTOR,
            patient=rosa,
            fields={"blood_loss_ml": 900},
            now=NOW,
            draft=procedure,
        )
    procedure.refresh_from_db()
    assert procedure.blood_loss_ml == 5


def test_the_record_reads_as_a_report_of_its_steps_with_codes_and_duration(client, rosa, clinician):
    procedure = _draft(client, rosa)
    page = _text(client.get(_url("procedure", rosa, procedure)))
    assert "Version 1: draft, not signed yet." in page
    for words in (
        "Fluoroscopy: yes",
        "Contrast epidurogram: yes",
        "iohexol 300, 5 mL",
        "Local with sedation",
        "Portal placed 8:10 a.m.",
        "Bone and ligament removed at L3-L4, L4-L5; sides: Both sides",
        "Closed 8:52 a.m.",
        "Duration, start to closed: 52 minutes",
        "0275T",
        "M48.062: lumbar stenosis with neurogenic claudication",
        "MLD-2231",
        "5 mL",
    ):
        assert words in page, words
    assert "Z00.6" not in page and "Q0" not in page  # not a study claim
    assert "Sign the record" in page and "Edit the draft" in page


# --- validation: what is refused, naming the field and the rule ---------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"portal_at": "07:55"},
            "Portal placed: Must be later than “Started” (08:00).",
        ),
        (
            {"decompressed_at": "08:10"},
            "Decompression done: Must be later than “Portal placed” (08:10).",
        ),
        (
            {"portal_at": "", "decompressed_at": "07:59"},
            "Decompression done: Must be later than “Started” (08:00).",
        ),
        (
            {"discharged_at": "08:30"},
            "Discharged: Must be later than “Closed” (08:52).",
        ),
        ({"started_at": "25:00"}, "Started: Enter a time as hours and minutes"),
        ({"levels": None}, "Levels treated: Tick at least one level."),
        ({"levels": ["L5-L6"]}, "Levels treated: Choose levels from the list."),
        ({"blood_loss_ml": "2001"}, "Blood loss (mL): Enter a whole number of millilitres"),
        ({"blood_loss_ml": "-1"}, "Blood loss (mL): Enter a whole number of millilitres"),
        (
            {"performed_on": "2026-11-25"},
            "Date of the procedure: The date cannot be in the future.",
        ),
        ({"diagnosis": "M48.06"}, "Diagnosis (ICD-10-CM): Select a valid choice."),
        ({"side": None}, "Sides: Choose the side or sides decompressed."),
        (
            {"medicare_ced": "on"},
            "Study (NCT number): Enter the study's NCT number: a Medicare claim",
        ),
        (
            {"medicare_ced": "on", "study_nct": "NCT0307292"},
            "Study (NCT number): Enter NCT followed by 8 digits",
        ),
        (
            {"medicare_ced": "on", "study_nct": "NCT０３０７２９２７"},  # full-width digits
            "Study (NCT number): Enter NCT followed by 8 digits",
        ),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field_and_nothing_is_stored(
    client, rosa, clinician, changes, message
):
    response = client.post(_url("procedure_new", rosa), _fields(**changes))
    assert response.status_code == 400
    assert message in _errors(response)
    assert not ProcedureRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="procedure.draft").exists()


def test_a_wrong_change_to_a_draft_leaves_the_draft_as_it_was(client, rosa, clinician):
    procedure = _draft(client, rosa)
    before = model_to_dict(procedure)
    response = client.post(
        _url("procedure_edit", rosa, procedure), _fields(blood_loss_ml="40", closed_at="07:00")
    )
    assert response.status_code == 400
    assert "Closed: Must be later than" in _errors(response)
    procedure.refresh_from_db()
    assert model_to_dict(procedure) == before


def test_a_medicare_study_record_carries_its_nct_number_z00_6_and_modifier_q0(
    client, rosa, clinician
):
    procedure = _draft(client, rosa, medicare_ced="on", study_nct=" nct03072927 ")
    assert procedure.medicare_ced and procedure.study_nct == "NCT03072927"
    page = _text(client.get(_url("procedure", rosa, procedure)))
    assert "Study (NCT number) NCT03072927" in page
    assert "Z00.6" in page
    assert "Modifier Q0" in page


def test_a_new_record_starts_from_the_patients_study_enrolment(client, rosa, clinician):
    CareConsent.objects.create(patient=rosa, medicare=True, study_nct="NCT03072927", updated_at=NOW)
    page = client.get(_url("procedure_new", rosa)).content.decode()
    assert re.search(r'<input type="checkbox" name="medicare_ced"[^>]*checked', page)
    assert 'value="NCT03072927"' in page
    # and the signed-in doctor as the operator
    marquez = Practitioner.objects.get(slug="elena-marquez")
    assert re.search(rf'<option value="{marquez.pk}" selected>', page)


def test_a_new_record_starts_from_the_plans_diagnosis_levels_and_sides(client, rosa, clinician):
    services.plan_record(
        actor=TEST_ACTOR,
        patient=rosa,
        evaluation=None,
        diagnosis="M48.061",
        options=["mild"],
        mild_levels=["L3-L4"],
        mild_side="left",
        other="",
        discussion="She chose mild.",
        summary_en="You chose mild.",
        summary_es="Usted eligió mild.",
        now=NOW,
    )
    page = client.get(_url("procedure_new", rosa)).content.decode()
    assert re.search(r'<input type="radio" name="diagnosis" value="M48.061"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="side" value="left"[^>]*checked', page)


# --- the procedure appointment ------------------------------------------------------


def test_the_form_offers_the_procedure_visit_and_links_the_record_to_it(client, rosa, clinician):
    visit = _procedure_visit(rosa, DAY)
    _procedure_visit(rosa, DAY - timedelta(days=3), kind="consultation")  # not offered
    page = client.get(_url("procedure_new", rosa)).content.decode()
    assert re.search(
        rf'<input type="radio" name="appointment" value="{visit.pk}"[^>]*checked', page
    )
    assert 'value="2026-11-20"' in page  # its date, preselected
    assert page.count('name="appointment"') == 2  # "none" and the procedure visit

    procedure = _draft(client, rosa, appointment=str(visit.pk))
    assert procedure.appointment == visit
    shown = _text(client.get(_url("procedure", rosa, procedure)))
    assert "Procedure appointment November 20, 2026, 7:30 a.m. (Completed)" in shown


def test_a_procedure_visit_on_another_day_or_of_another_record_is_refused(client, rosa, clinician):
    earlier = _procedure_visit(rosa, DAY - timedelta(days=2))
    response = client.post(_url("procedure_new", rosa), _fields(appointment=str(earlier.pk)))
    assert response.status_code == 400
    assert "Procedure appointment: That appointment is on November 18, 2026" in _errors(response)

    visit = _procedure_visit(rosa, DAY)
    _draft(client, rosa, appointment=str(visit.pk))
    again = client.post(_url("procedure_new", rosa), _fields(appointment=str(visit.pk)))
    assert again.status_code == 400
    assert "belongs to another procedure record" in _errors(again)
    assert ProcedureRecord.objects.count() == 1


# --- signing: the follow-up plan, the 1-week check, once only -------------------------


def test_signing_counts_the_follow_up_plan_from_the_procedure_date(client, rosa, clinician):
    santa_monica = Location.objects.get(slug="santa-monica")
    follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=rosa,
        location=santa_monica,
        anchor_date=date(2026, 10, 1),
        due_at=None,
        now=NOW - timedelta(days=60),
    )
    before = list(TimePoint.objects.filter(patient=rosa).exclude(code="baseline"))
    assert before and all(point.anchor == "baseline" for point in before)

    procedure = _draft(client, rosa)
    assert not TimePoint.objects.filter(patient=rosa, anchor="procedure").exists()  # a draft
    page = _sign(client, procedure)
    assert "The follow-up questionnaires are counted from the procedure date." in _text(page)

    current = TimePoint.objects.filter(patient=rosa, superseded_at__isnull=True)
    from_procedure = current.filter(anchor="procedure")
    assert from_procedure.exists()
    assert set(from_procedure.values_list("anchor_date", flat=True)) == {DAY}
    assert from_procedure.get(code="week_1").target == DAY + timedelta(days=7)
    assert current.filter(code="baseline", anchor="baseline").exists()  # kept
    for point in before:
        point.refresh_from_db()
        assert point.superseded_at == NOW

    # An amendment that keeps the date leaves the plan alone ...
    client.post(_url("procedure_amend", rosa, procedure), _fields(notes="More.", reason="Notes."))
    _sign(client, ProcedureRecord.objects.get(chain=procedure.chain, version=2))
    assert AuditEvent.objects.filter(action="plan.reanchor").count() == 1
    # ... one that corrects the date counts the plan again from the corrected date.
    second = ProcedureRecord.objects.get(chain=procedure.chain, version=2)
    client.post(
        _url("procedure_amend", rosa, second),
        _fields(performed_on="2026-11-19", reason="Wrong date."),
    )
    _sign(client, ProcedureRecord.objects.get(chain=procedure.chain, version=3))
    assert AuditEvent.objects.filter(action="plan.reanchor").count() == 2
    assert TimePoint.objects.get(
        patient=rosa, superseded_at__isnull=True, code="week_1"
    ).anchor_date == date(2026, 11, 19)


def test_after_signing_the_page_says_whether_the_1_week_check_is_booked(client, rosa, clinician):
    procedure = _draft(client, rosa)
    assert "The 1-week check" not in _text(client.get(_url("procedure", rosa, procedure)))
    page = _sign(client, procedure)
    text = _text(page)
    assert (
        "No post-procedure check is booked between November 23, 2026 and December 4, 2026." in text
    )
    assert "Book the 1-week check" in text
    calendar = reverse("scheduling_staff:calendar") + "?location=santa-monica&amp;date=2026-11-27"
    assert calendar in page.content.decode()

    _procedure_visit(rosa, date(2026, 11, 27), kind="post_procedure", hour=10)
    text = _text(client.get(_url("procedure", rosa, procedure)))
    assert "A post-procedure check is booked: November 27, 2026, 10:30 a.m." in text
    assert "No post-procedure check is booked" not in text


def test_a_post_procedure_visit_outside_days_3_to_14_is_not_the_1_week_check(
    client, rosa, clinician
):
    procedure = _draft(client, rosa)
    _sign(client, procedure)
    _procedure_visit(rosa, date(2026, 12, 5), kind="post_procedure", hour=10)  # day 15
    cancelled = _procedure_visit(rosa, date(2026, 11, 27), kind="post_procedure", hour=10)
    cancelled.status = "cancelled"
    cancelled.save()
    text = _text(client.get(_url("procedure", rosa, procedure)))
    assert "No post-procedure check is booked" in text


def test_once_the_window_is_over_the_missing_check_is_history_not_a_task(
    client, rosa, clinician, frozen, sign_in
):
    procedure = _draft(client, rosa)
    _sign(client, procedure)
    frozen.shift(timedelta(days=15))  # the window ran to December 4
    sign_in(clinician)  # the old session has long timed out
    text = _text(client.get(_url("procedure", rosa, procedure)))
    assert (
        "No post-procedure check was booked between November 23, 2026 and December 4, 2026." in text
    )
    assert "Book the 1-week check" not in text and "is due about a week" not in text


def test_signing_twice_signs_once_and_says_so(client, rosa, clinician):
    procedure = _draft(client, rosa)
    first = _sign(client, procedure)
    assert first.status_code == 200
    second = _sign(client, procedure)
    assert second.status_code == 200
    assert "This record was signed already. Nothing changed." in _text(second)
    assert AuditEvent.objects.filter(action="procedure.sign").count() == 1
    assert AuditEvent.objects.filter(action="plan.reanchor").count() == 1


def test_signing_needs_the_confirmation_ticked(client, rosa, clinician):
    procedure = _draft(client, rosa)
    page = client.post(_url("procedure_sign", rosa, procedure), {}, follow=True)
    assert "tick “I have checked this record and it is complete”" in _text(page)
    procedure.refresh_from_db()
    assert procedure.signed_at is None
    assert client.get(_url("procedure_sign", rosa, procedure)).status_code == 405


def test_a_draft_is_edited_not_amended(client, rosa, clinician):
    procedure = _draft(client, rosa)
    page = client.post(
        _url("procedure_amend", rosa, procedure), _fields(reason="Why not."), follow=True
    )
    assert "A draft is not amended: edit it, then sign it." in _text(page)
    assert ProcedureRecord.objects.count() == 1


def test_only_the_newest_version_is_amended(client, rosa, clinician):
    procedure = _draft(client, rosa)
    _sign(client, procedure)
    client.post(_url("procedure_amend", rosa, procedure), _fields(reason="First fix."))
    page = client.post(
        _url("procedure_amend", rosa, procedure), _fields(reason="Second fix."), follow=True
    )
    assert "This version was amended already: amend the newest version." in _text(page)
    assert ProcedureRecord.objects.filter(chain=procedure.chain).count() == 2


# --- complications ----------------------------------------------------------------


def test_complications_stay_with_the_procedure_on_every_version(client, rosa, clinician):
    procedure = _draft(client, rosa)
    _sign(client, procedure)
    response = client.post(
        _url("complication_new", rosa, procedure),
        {
            "phase": "post",
            "grade": "I",
            "description": "Small haematoma at the incision, settled by itself.",
            "occurred_on": "2026-11-22",
        },
    )
    assert response.status_code == 302
    complication = Complication.objects.get()
    assert complication.chain == procedure.chain and complication.recorded_by == clinician

    client.post(_url("procedure_amend", rosa, procedure), _fields(reason="Lot number."))
    second = ProcedureRecord.objects.get(chain=procedure.chain, version=2)
    for version in (procedure, second):
        text = _text(client.get(_url("procedure", rosa, version)))
        assert "Small haematoma at the incision" in text
        assert "I: any deviation from the normal course" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"occurred_on": "2026-11-19"},
            "Date: Cannot be before the procedure (November 20, 2026).",
        ),
        ({"occurred_on": "2026-11-25"}, "Date: Cannot be in the future."),
        ({"phase": "intra", "occurred_on": "2026-11-21"}, "on the procedure's date"),
        ({"grade": "VI"}, "Clavien-Dindo grade: Select a valid choice."),
        ({"description": "   "}, "What happened: Describe what happened."),
    ],
)
def test_a_wrong_complication_is_refused_naming_the_field(
    client, rosa, clinician, changes, message
):
    procedure = _draft(client, rosa)
    data = {"phase": "post", "grade": "II", "description": "Pain.", "occurred_on": "2026-11-21"}
    data.update(changes)
    response = client.post(_url("complication_new", rosa, procedure), data)
    assert response.status_code == 400
    assert message in _errors(response)
    assert not Complication.objects.exists()


# --- the audit trail ----------------------------------------------------------------


def test_every_look_and_every_change_is_in_the_audit_trail(client, rosa, clinician, audit_log):
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as read:
        client.get(_url("procedure_new", rosa))
    assert read["event"].detail == {"section": "procedure"}
    with audit_log.exactly_one(action="procedure.draft", patient_id=rosa.pk):
        procedure = _draft(client, rosa)
    with audit_log.exactly_one(action="procedure.draft", patient_id=rosa.pk):
        client.post(_url("procedure_edit", rosa, procedure), _fields(notes="Edited."))
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk):
        client.get(_url("procedure", rosa, procedure))
    with audit_log.exactly_one(action="procedure.sign", patient_id=rosa.pk) as signed:
        client.post(_url("procedure_sign", rosa, procedure), {"confirm": "yes"})
    assert signed["event"].actor == clinician
    with audit_log.exactly_one(action="procedure.amend", patient_id=rosa.pk) as amended:
        client.post(_url("procedure_amend", rosa, procedure), _fields(reason="Typo in notes."))
    assert amended["event"].detail["reason"] == "Typo in notes."
    with audit_log.exactly_one(action="care.complication", patient_id=rosa.pk):
        client.post(
            _url("complication_new", rosa, procedure),
            {"phase": "intra", "grade": "I", "description": "Dural nick.", "occurred_on": DAY},
        )


# --- who may see it -----------------------------------------------------------------


@pytest.fixture
def signed_record(rosa, marquez):
    procedure = services.procedure_draft_save(
        actor=TEST_ACTOR,
        patient=rosa,
        fields={
            "performed_on": DAY,
            "location": Location.objects.get(slug="santa-monica"),
            "operator": marquez,
            "anaesthesia": "local",
            "levels": ["L4-L5"],
            "side": "both",
            "diagnosis": "M48.062",
        },
        now=NOW,
    )
    return services.procedure_sign(actor=TEST_ACTOR, procedure=procedure, now=NOW)


def _every_page(patient, procedure):
    return [
        ("get", _url("procedure_new", patient)),
        ("post", _url("procedure_new", patient)),
        ("get", _url("procedure", patient, procedure)),
        ("get", _url("procedure_edit", patient, procedure)),
        ("post", _url("procedure_sign", patient, procedure)),
        ("get", _url("procedure_amend", patient, procedure)),
        ("post", _url("procedure_amend", patient, procedure)),
        ("get", _url("complication_new", patient, procedure)),
        ("post", _url("complication_new", patient, procedure)),
    ]


@pytest.mark.parametrize("role", ["front_desk", "researcher", "manager"])
def test_staff_who_do_not_treat_patients_never_open_a_procedure_record(
    client, rosa, signed_record, make_staff, sign_in, role
):
    sign_in(make_staff(role, ("santa-monica",)))
    for method, url in _every_page(rosa, signed_record):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 403, (method, url)
        assert "Fluoroscopy" not in _text(response)
    assert ProcedureRecord.objects.count() == 1
    assert not AuditEvent.objects.filter(action="chart.read").exists()


def test_a_clinician_at_another_location_finds_no_record(
    client, rosa, signed_record, make_staff, sign_in
):
    sign_in(make_staff("clinician", ("pasadena",)))
    for method, url in _every_page(rosa, signed_record):
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 404, (method, url)
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_another_patients_record_is_not_found_under_this_patient(
    client, rosa, signed_record, clinician
):
    other = Patient.objects.create(
        given_name="Theodore",
        family_name="Marsh",
        date_of_birth=date(1948, 6, 15),
        phone="+13105550191",
        created_at=NOW,
    )
    other.locations.set(Location.objects.filter(slug="santa-monica"))
    for method, url in _every_page(other, signed_record):
        if url == _url("procedure_new", other):
            continue
        response = getattr(client, method)(url, {"confirm": "yes"} if method == "post" else {})
        assert response.status_code == 404, (method, url)
    assert not Complication.objects.exists()
    assert ProcedureRecord.objects.count() == 1
