"""The staff's questionnaire pages: a paper form typed in for a patient, the waiting-room
tablet handed over, a patient's progress (clinicians only), the follow-up plan on the
record, the overdue list on the home page, and a patient's own progress link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.services import patient_link_issue
from mildpath.questionnaires import services
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import NOW, TEST_ACTOR, baseline_open, patient_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]
# NOW is Tuesday 24 November 2026, 9 a.m. in California.

ODI = {f"odi_{n}": "2" for n in range(1, 11)}  # 40.0
NRS = {"nrs_back": "6", "nrs_leg": "7"}
ZCQ = {
    **{f"zcq_sym{n}": "3" for n in range(1, 8)},
    **{f"zcq_fun{n}": "2" for n in range(1, 6)},
}
STANDING = {"standing_minutes": "8"}
WALKING = {"walking_feet": "250", "walking_method": "1"}
BASELINE_SET = {"nrs": NRS, "odi": ODI, "zcq": ZCQ, "standing": STANDING, "walking": WALKING}


def _paper_url(point: TimePoint, instrument: str) -> str:
    return reverse("questionnaires:paper", args=[point.patient_id, point.pk, instrument])


@pytest.fixture
def rosa():
    """Rosa Delgado, seen at Santa Monica, with a consultation there this afternoon."""
    patient = patient_at("Rosa", "Delgado", "santa-monica")
    return patient, baseline_open(patient, "santa-monica", hours=5)


@pytest.fixture
def front_desk(client, make_staff, sign_in):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    return user


# --- Paper entry --------------------------------------------------------------------


def test_a_paper_odi_entered_by_the_front_desk_is_stored_complete_scored_and_audited(
    client, rosa, front_desk, audit_log
):
    patient, point = rosa
    form = client.get(_paper_url(point, "odi"))
    assert form.status_code == 200
    assert "Enter a paper form" in form.text
    with audit_log.exactly_one(
        action="response.paper", actor=front_desk, patient_id=patient.pk
    ) as found:
        saved = client.post(_paper_url(point, "odi"), ODI)
    assert saved.status_code == 302
    assert saved.headers["Location"] == reverse("patients:detail", args=[patient.pk])
    assert found["event"].detail == {"time_point": "baseline", "instrument": "odi"}
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.status == "complete" and odi.completed_at == NOW
    assert odi.mode == "paper" and odi.entered_by == front_desk
    assert odi.version == "2.1a"
    assert odi.answers == {f"odi_{n}": 2 for n in range(1, 11)}
    assert odi.scores == {"odi": 40.0}
    record = client.get(saved.headers["Location"])
    assert "entered from paper for Before treatment" in record.text
    point.refresh_from_db()
    assert point.completed_at is None  # four questionnaires still to enter


def test_looking_at_a_paper_form_or_having_it_refused_is_audited_as_a_read(
    client, rosa, front_desk, audit_log
):
    patient, point = rosa
    with audit_log.exactly_one(action="patient.read", actor=front_desk, patient_id=patient.pk):
        form = client.get(_paper_url(point, "odi"))
    assert "Rosa Delgado" in form.text
    with audit_log.exactly_one(action="patient.read", actor=front_desk, patient_id=patient.pk):
        refused = client.post(_paper_url(point, "odi"), {"odi_1": "9"})
    assert refused.status_code == 400 and "Rosa Delgado" in refused.text


def test_the_time_point_completes_once_every_questionnaire_is_entered_from_paper(
    client, rosa, front_desk
):
    patient, point = rosa
    for code, answers in BASELINE_SET.items():
        point.refresh_from_db()
        assert point.completed_at is None, code
        assert client.post(_paper_url(point, code), answers).status_code == 302, code
    point.refresh_from_db()
    assert point.completed_at == NOW
    assert AuditEvent.objects.filter(action="response.complete", patient_id=patient.pk).count() == 1
    assert Response.objects.filter(time_point=point, status="complete", mode="paper").count() == 5
    record = client.get(reverse("patients:detail", args=[patient.pk]))
    plan = record.text.split('id="plan-title"')[1]
    assert "q-state--complete" in plan.split("</tr>")[1]  # the baseline row


def test_an_odi_with_three_blank_sections_is_refused_and_nothing_is_stored(
    client, rosa, front_desk
):
    _patient_, point = rosa
    answers = {
        code: value for code, value in ODI.items() if code not in {"odi_4", "odi_7", "odi_9"}
    }
    page = client.post(_paper_url(point, "odi"), answers)
    assert page.status_code == 400
    assert "Nothing was saved" in page.text
    assert "At least 8 of the 10 sections need an answer" in page.text
    assert not Response.objects.filter(time_point=point).exists()
    assert not AuditEvent.objects.filter(action="response.paper").exists()


def test_an_odi_with_two_blank_sections_still_counts(client, rosa, front_desk):
    _patient_, point = rosa
    answers = {code: value for code, value in ODI.items() if code not in {"odi_4", "odi_7"}}
    assert client.post(_paper_url(point, "odi"), answers).status_code == 302
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.answers["odi_4"] is None and odi.scores == {"odi": 40.0}


def test_an_out_of_range_walking_distance_names_the_question_and_the_rule(client, rosa, front_desk):
    _patient_, point = rosa
    page = client.post(_paper_url(point, "walking"), {**WALKING, "walking_feet": "20000"})
    assert page.status_code == 400
    text = page.text
    assert "Please enter a number from 0 to 10000." in text
    summary = text.split('class="error-summary"')[1].split("</div>")[0]
    assert "About how far can you walk on level ground" in summary
    assert "Please enter a number from 0 to 10000." in summary
    assert not Response.objects.filter(time_point=point).exists()


def test_a_second_paper_entry_of_the_same_questionnaire_is_refused(client, rosa, front_desk):
    _patient_, point = rosa
    assert client.post(_paper_url(point, "odi"), ODI).status_code == 302
    again = client.post(_paper_url(point, "odi"), {**ODI, "odi_1": "5"})
    assert again.status_code == 400
    assert "already completed" in again.text
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.answers["odi_1"] == 2
    assert AuditEvent.objects.filter(action="response.paper").count() == 1


def test_a_paper_form_replaces_answers_the_patient_began_online(client, rosa, front_desk):
    _patient_, point = rosa
    services.response_save(
        actor=TEST_ACTOR,
        time_point=point,
        instrument="odi",
        answers={"odi_1": 5},
        mode="link",
        language="en",
        now=clock.now(),
    )
    assert client.post(_paper_url(point, "odi"), ODI).status_code == 302
    odi = Response.objects.get(time_point=point, instrument="odi")
    assert odi.mode == "paper" and odi.answers["odi_1"] == 2 and odi.scores == {"odi": 40.0}


def test_a_patient_at_another_location_is_not_found_and_the_refusal_is_audited(client, front_desk):
    harold = patient_at("Harold", "Jenkins", "pasadena")
    point = baseline_open(harold, "pasadena", hours=5)
    for method in (client.get, client.post):
        with_answers = {"data": ODI} if method == client.post else {}
        assert method(_paper_url(point, "odi"), **with_answers).status_code == 404
    refused = AuditEvent.objects.filter(action="access.refused", patient_id=harold.pk)
    assert refused.count() == 2
    assert {event.actor for event in refused} == {front_desk}
    assert not Response.objects.exists()


def test_a_clinician_may_enter_a_paper_form_too(client, rosa, make_staff, sign_in):
    clinician = make_staff("clinician", ("santa-monica",))
    sign_in(clinician)
    _patient_, point = rosa
    assert client.post(_paper_url(point, "nrs"), NRS).status_code == 302
    assert Response.objects.get(instrument="nrs").entered_by == clinician


# --- The waiting-room tablet ---------------------------------------------------------


def test_the_tablet_lists_the_baseline_due_for_a_consultation_today(
    client, rosa, front_desk, audit_log
):
    patient_at("Mei", "Tanaka", "santa-monica")  # no plan: nothing due
    tomorrow = patient_at("Ana", "Ruiz", "santa-monica")
    baseline_open(tomorrow, "santa-monica", hours=30)
    with audit_log.exactly_one(action="plan.tablet", actor=front_desk) as looked:
        page = client.get(reverse("questionnaires:tablet"))
    assert page.status_code == 200
    assert "Questions due today" in page.text
    assert "Rosa Delgado" in page.text and "Hand the tablet to Rosa" in page.text
    assert "Ana Ruiz" not in page.text and "Mei Tanaka" not in page.text
    shown, point = rosa
    assert reverse("questionnaires:tablet_start", args=[point.pk]) in page.text
    # The list names patients with their dates of birth: the look names who was shown.
    assert looked["event"].detail == {"patients": [shown.pk]}


def test_handing_over_the_tablet_signs_the_staff_member_out_and_shows_no_name(
    client, rosa, front_desk
):
    patient, point = rosa
    handed = client.post(reverse("questionnaires:tablet_start", args=[point.pk]))
    assert handed.status_code == 302
    start = handed.headers["Location"]
    assert start.startswith("/p/questionnaire/")

    issued = AuditEvent.objects.get(action="link.issue", patient_id=patient.pk)
    assert issued.actor == front_desk
    assert issued.detail == {"purpose": "questionnaire", "target": point.pk, "sent_by": "tablet"}
    signed_out = AuditEvent.objects.get(action="staff.sign_out")
    assert signed_out.actor == front_desk and signed_out.detail == {"reason": "tablet"}
    link = PatientLink.objects.get(patient=patient, purpose="questionnaire")
    assert link.expires_at == NOW + services.TABLET_LINK_LIFETIME  # the visit, not two weeks

    page = client.get(start)
    assert page.status_code == 200
    text = page.text
    assert "A few questions before your visit" in text
    assert "Hello Rosa" not in text and "Delgado" not in text
    assert "nav-wide" not in text and "nav-menu" not in text and "Book online" not in text
    assert "Clinic tablet: your answers go straight to your care team." in text

    # The staff pages are out of reach until someone signs in again.
    for staff_page in ("/staff/", reverse("patients:detail", args=[patient.pk])):
        asked = client.get(staff_page)
        assert asked.status_code == 302 and "/staff/sign-in/" in asked.headers["Location"]


def test_a_patient_who_walks_away_cannot_be_reopened_once_staff_are_back_at_the_tablet(
    client, rosa, front_desk, sign_in, audit_log
):
    patient, point = rosa
    start = client.post(reverse("questionnaires:tablet_start", args=[point.pk])).headers["Location"]
    link = PatientLink.objects.get(patient=patient, purpose="questionnaire")
    # Rosa leaves without sending; the front desk signs in on the tablet again.
    sign_in(front_desk)
    with audit_log.exactly_one(action="link.revoke", actor=front_desk, patient_id=patient.pk):
        client.get(reverse("questionnaires:tablet"))
    link.refresh_from_db()
    assert link.revoked_at == NOW
    # Her link, in the tablet's history, opens on nothing of hers.
    reopened = client.get(start)
    assert reopened.status_code == 410 and "Delgado" not in reopened.text


def _answerbaseline_open(client, start: str) -> None:
    for code, answers in BASELINE_SET.items():
        if code == "nrs":
            client.post(start + "nrs/1/", {"nrs_back": "6"})
            client.post(start + "nrs/2/", {"nrs_leg": "7"})
        elif code in ("odi", "zcq"):
            for number, (item, value) in enumerate(answers.items(), start=1):
                assert client.post(f"{start}{code}/{number}/", {item: value}).status_code == 302
        else:
            assert client.post(f"{start}{code}/1/", answers).status_code == 302


def test_after_sending_on_the_tablet_the_page_asks_for_the_tablet_back_and_shows_nothing(
    client, rosa, front_desk
):
    patient, point = rosa
    start = client.post(reverse("questionnaires:tablet_start", args=[point.pk])).headers["Location"]
    _answerbaseline_open(client, start)
    assert set(Response.objects.filter(time_point=point).values_list("mode", flat=True)) == {
        "tablet"
    }
    sent = client.post(start + "send/", follow=True)
    assert sent.status_code == 200
    text = sent.text
    assert "Please give the tablet back to the front desk." in text
    for private in ("Rosa", "Delgado", "1951", patient.phone[-4:], "Oswestry", "Before treatment"):
        assert private not in text, private
    point.refresh_from_db()
    assert point.completed_at == NOW

    # The back button: an earlier screen shows the thank-you page, not the answers.
    back = client.get(start + "walking/1/")
    assert back.status_code == 302 and back.headers["Location"] == reverse("questionnaires:done")
    for earlier in (start + "odi/3/", start, start + "send/"):
        page = client.get(earlier, follow=True)
        assert "Please give the tablet back to the front desk." in page.text
        assert 'value="250"' not in page.text and "checked" not in page.text
        assert "Rosa" not in page.text


def test_the_front_desk_cannot_hand_over_the_tablet_for_a_patient_elsewhere(client, front_desk):
    harold = patient_at("Harold", "Jenkins", "pasadena")
    point = baseline_open(harold, "pasadena", hours=2)
    assert client.post(reverse("questionnaires:tablet_start", args=[point.pk])).status_code == 404
    assert "Harold" not in client.get(reverse("questionnaires:tablet")).text
    assert not PatientLink.objects.exists()
    assert client.get("/staff/").status_code == 200  # still signed in


# --- Progress, the plan and the overdue list --------------------------------------------


@pytest.fixture
def two_time_points(rosa):
    """Rosa's baseline answered on paper, the procedure a week ago, her 1-week pain
    scores in."""
    patient, point = rosa
    for code, answers in BASELINE_SET.items():
        services.paper_response_enter(
            actor=TEST_ACTOR,
            time_point=point,
            instrument=code,
            answers=_as_stored(answers),
            now=clock.now(),
        )
    later = services.follow_up_plan_reanchor(
        actor=TEST_ACTOR,
        patient=patient,
        location=point.location,
        procedure_date=NOW.date() - timedelta(days=7),
        now=clock.now(),
    )
    week_1 = next(p for p in later if p.code == "week_1")
    services.paper_response_enter(
        actor=TEST_ACTOR,
        time_point=week_1,
        instrument="nrs",
        answers={"nrs_back": 3, "nrs_leg": 2},
        now=clock.now(),
    )
    return patient


def _as_stored(posted: dict[str, str]) -> dict[str, int | bool]:
    stored: dict[str, int | bool] = {key: int(value) for key, value in posted.items()}
    # An unticked box posts nothing; the form stores it as False.
    if "standing_minutes" in stored:
        stored["standing_capped"] = False
    if "walking_feet" in stored:
        stored["walking_capped"] = False
    return stored


def _measure(text: str, key: str) -> str:
    return text.split(f'<h2 id="m-{key}">')[1].split("</section>")[0]


def _rows(table: str) -> list[tuple[str, str]]:
    """Each row of a table: the time point it names (its row heading, without the day
    shown with it) and its cells."""
    return [
        (re.sub(r"<.*", "", heading, flags=re.S).strip(), cells)
        for heading, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
    ]


def test_a_clinician_sees_a_table_row_per_completed_time_point_and_a_chart(
    client, two_time_points, make_staff, sign_in
):
    sign_in(make_staff("clinician", ("santa-monica",)))
    page = client.get(reverse("questionnaires:progress", args=[two_time_points.pk]))
    assert page.status_code == 200
    back_pain = _measure(page.text, "nrs_back")
    rows = _rows(back_pain)
    assert [name for name, _cells in rows] == ["Before treatment", "1 week"]
    assert re.search(r'<svg[^>]*role="img"', back_pain)
    assert "<td>6</td>" in rows[0][1] and "<td>3</td>" in rows[1][1]
    assert "<td>-3</td>" in rows[1][1]  # the change since the start
    odi = _measure(page.text, "odi")
    assert [name for name, _cells in _rows(odi)] == ["Before treatment"]
    assert "Follow-up plan" in page.text


def test_the_front_desk_may_not_see_scores(client, two_time_points, front_desk):
    page = client.get(reverse("questionnaires:progress", args=[two_time_points.pk]))
    assert page.status_code == 403
    assert "40.0" not in page.text


def test_the_patient_record_shows_the_follow_up_plan_with_its_statuses(
    client, two_time_points, front_desk
):
    page = client.get(reverse("patients:detail", args=[two_time_points.pk]))
    assert page.status_code == 200
    plan = page.text.split('id="plan-title"')[1].split("</section>")[0]
    states = [(name, re.findall(r"q-state--(\w+)", cells)[0]) for name, cells in _rows(plan)]
    assert states[:3] == [
        ("Before treatment", "complete"),
        ("1 week", "complete"),
        ("6 weeks", "upcoming"),
    ]
    assert "Not open yet" in plan and "Complete" in plan
    assert len(states) == 7


def test_the_overdue_list_shows_unanswered_baselines_at_the_users_locations(
    client, make_staff, sign_in
):
    late = patient_at("Iris", "Moreno", "santa-monica")
    baseline_open(late, "santa-monica", hours=-1)  # her visit began an hour ago
    answered = patient_at("Ana", "Ruiz", "santa-monica")
    done = baseline_open(answered, "santa-monica", hours=-2)
    done.completed_at = NOW - timedelta(days=1)
    done.save(update_fields=["completed_at"])
    not_yet = patient_at("Mei", "Tanaka", "santa-monica")
    baseline_open(not_yet, "santa-monica", hours=3)  # due this afternoon
    elsewhere = patient_at("Harold", "Jenkins", "pasadena")
    baseline_open(elsewhere, "pasadena", hours=-1)

    for role in ("front_desk", "clinician"):
        sign_in(make_staff(role, ("santa-monica",)))
        home = client.get("/staff/").text
        overdue = home.split('id="overdue-title"')[1].split("</section>")[0]
        assert "Iris Moreno" in overdue, role
        assert "1 patient has not answered questions that are due." in overdue, role
        for name in ("Ana Ruiz", "Mei Tanaka", "Harold Jenkins"):
            assert name not in overdue, (role, name)

    sign_in(make_staff("front_desk", ("pasadena",)))
    overdue = client.get("/staff/").text.split('id="overdue-title"')[1].split("</section>")[0]
    assert "Harold Jenkins" in overdue and "Iris Moreno" not in overdue

    sign_in(make_staff("manager"))
    assert 'id="overdue-title"' not in client.get("/staff/").text


def test_a_patients_progress_link_shows_their_own_chart_and_table(client, two_time_points):
    other = patient_at("Mei", "Tanaka", "santa-monica")
    baseline_open(other, "santa-monica", hours=5)
    issued = patient_link_issue(
        actor=TEST_ACTOR, patient=two_time_points, purpose="progress", now=clock.now()
    )
    page = client.get(reverse("questionnaires:progress_link", args=[issued.token]))
    assert page.status_code == 200
    text = page.text
    assert "Your progress" in text and "Hello Rosa." in text
    assert "Mei" not in text
    back_pain = _measure(text, "nrs_back")
    assert [name for name, _cells in _rows(back_pain)] == [
        "Before treatment",
        "1 week",
    ]
    assert re.search(r'<svg[^>]*role="img"', back_pain)
    assert page.headers["Cache-Control"] == "no-store"
