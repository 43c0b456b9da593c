"""`load_demo --visits` (make run) gives the progress charts answers to draw and the
front desk's overdue list someone to call, counted back from now."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.demo.questionnaires import demo_questionnaires_load
from mildpath.patients.models import Patient
from mildpath.questionnaires import queries
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db]

FOLLOW_UPS = ["baseline", "week_1", "week_6", "month_3", "month_6", "month_12"]


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--visits", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, object]:
    return {
        "patients": Patient.objects.count(),
        "time_points": sorted(
            TimePoint.objects.values_list(
                "id", "code", "due_at", "invited_at", "completed_at", "superseded_at"
            )
        ),
        "responses": sorted(Response.objects.values_list("id", "status", "scores")),
    }


def _complete_with_scores(patient: Patient) -> list[str]:
    points = TimePoint.objects.filter(
        patient=patient, superseded_at__isnull=True, completed_at__isnull=False
    )
    return [
        point.code
        for point in points.order_by("target")
        if point.responses.exists()
        and all(response.scores for response in point.responses.all())
        and all(response.status == Response.Status.COMPLETE for response in point.responses.all())
    ]


def _values(readings: list[queries.Reading]) -> list[float]:
    values = [reading.value for reading in readings]
    assert all(value is not None for value in values)
    return [float(value) for value in values if value is not None]


# The suite's moment, and one a year and a quarter on: the demo counts from now, so it
# looks the same whenever it is loaded.
@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=458)], ids=["now", "later"])
def test_the_demo_has_follow_up_histories_and_overdue_questionnaires(frozen, later):
    frozen.move_to(NOW + later)
    now = clock.now()
    printed = _load_demo()
    assert "Demo questionnaires entered: 99 (4 patients' follow-ups); intakes made overdue: 1." in (
        printed
    )

    # Three returning patients answered everything from the intake to 12 months.
    for family in ("Delgado", "Jenkins", "Tanaka"):
        patient = Patient.objects.get(family_name=family)
        assert _complete_with_scores(patient) == FOLLOW_UPS
        # About 14 months since the procedure, the plan counted from it.
        month_12 = TimePoint.objects.get(patient=patient, code="month_12", superseded_at=None)
        assert month_12.anchor == TimePoint.Anchor.PROCEDURE
        since = now.astimezone(month_12.location.tz).date() - month_12.anchor_date
        assert timedelta(days=415) <= since <= timedelta(days=440)
        readings = queries.progress_of(patient)
        assert {measure for measure, _key, _cap in queries.MEASURE_KEYS} <= set(readings)
        odi = _values(readings["odi"])
        assert len(odi) == 5 and 38 <= odi[0] <= 54 and 18 <= odi[-1] <= 32 and odi[-1] < odi[0]
        leg = _values(readings["nrs_leg"])
        assert leg[0] >= 7 and leg[-1] <= 4
        walking = _values(readings["walking_feet"])
        assert walking[0] <= 400 and walking[-1] >= 2000
    standing = queries.progress_of(Patient.objects.get(family_name="Jenkins"))["standing_minutes"]
    assert _values(standing)[0] <= 12 and not standing[0].capped
    assert _values(standing)[-1] == 30 and standing[-1].capped

    # Every answer was entered from paper inside its time point's window, before now.
    for response in Response.objects.select_related("time_point"):
        point = response.time_point
        assert response.mode == Response.Mode.PAPER
        assert response.completed_at is not None
        assert point.opens_at <= response.completed_at < min(point.closes_at, now)

    # One follow-up and one intake are overdue, and the front desk is shown both.
    overdue = {
        (point.patient.family_name, point.code): point
        for point in TimePoint.objects.select_related("patient")
        if point.state(now) == "overdue"
    }
    assert ("Marsh", "month_12") in overdue
    assert len(_complete_with_scores(Patient.objects.get(family_name="Marsh"))) == 5
    intakes = [point for (_family, code), point in overdue.items() if code == "baseline"]
    assert len(intakes) == 1
    intake = intakes[0]
    assert not intake.responses.exists()
    assert intake.patient.appointments.filter(source="demo", start__gt=now).exists()
    desk = Actor(user=User.objects.get(username="demo.frontdesk"))
    listed = {point.pk for point in queries.overdue(desk, now=now).points}
    assert {overdue[("Marsh", "month_12")].pk, intake.pk} <= listed


def test_loading_the_demo_again_changes_nothing(frozen):
    _load_demo()
    before = _snapshot()
    printed = _load_demo()
    assert "Demo questionnaires entered: 0 (0 patients' follow-ups); intakes made overdue: 0." in (
        printed
    )
    assert _snapshot() == before
    # Later the same day, too.
    frozen.shift(timedelta(hours=2))
    demo_questionnaires_load(now=clock.now())
    assert _snapshot() == before


def test_the_demo_logins_see_the_overdue_list_and_the_progress_charts(frozen, client, sign_in):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _load_demo()
    desk = User.objects.get(username="demo.frontdesk")
    TOTPDevice.objects.create(user=desk, name="app", confirmed=True)
    home = sign_in(desk).get(reverse("staff_home")).content.decode()
    overdue = home.split('id="overdue-title"')[1].split("</section>")[0]
    assert "Theodore Marsh" in overdue and "12 months" in overdue

    clinician = User.objects.get(username="demo.clinician")
    TOTPDevice.objects.create(user=clinician, name="app", confirmed=True)
    rosa = Patient.objects.get(family_name="Delgado")
    page = sign_in(clinician).get(reverse("questionnaires:progress", args=[rosa.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("<svg") >= 5


def test_the_demos_treated_patients_have_their_pathway_on_the_chart(frozen, client, sign_in):
    """From the MRI to the signed procedure, and the follow-ups counted from its date."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mildpath.care.models import CareConsent, Evaluation, ProcedureRecord, TreatmentPlan

    _load_demo()
    treated = ["Delgado", "Jenkins", "Tanaka", "Marsh"]
    for family in treated:
        patient = Patient.objects.get(family_name=family)
        procedure = ProcedureRecord.objects.get(patient=patient)
        assert procedure.signed_at is not None and procedure.diagnosis == "M48.062", family
        assert Evaluation.objects.get(patient=patient).decision == "candidate", family
        assert TreatmentPlan.objects.get(patient=patient).mild_levels == ["L4-L5"], family
        assert patient.imaging.get().performed_on < procedure.performed_on, family
        assert CareConsent.objects.get(patient=patient).registry, family
        counted = TimePoint.objects.filter(
            patient=patient, superseded_at__isnull=True, anchor="procedure"
        )
        assert {point.anchor_date for point in counted} == {procedure.performed_on}, family
        assert procedure.signed_at.date() >= procedure.performed_on, family
    # Harold, 79, is a Medicare patient: treated within the approved study.
    harold = ProcedureRecord.objects.get(patient__family_name="Jenkins")
    assert harold.medicare_ced and harold.study_nct.startswith("NCT")

    clinician = User.objects.get(username="demo.clinician")
    TOTPDevice.objects.create(user=clinician, name="app", confirmed=True)
    rosa = Patient.objects.get(family_name="Delgado")
    response = sign_in(clinician).get(reverse("care:chart", args=[rosa.pk]))
    assert response.status_code == 200
    chart = response.content.decode()
    for seen in ("No imaging recorded yet.", "Not signed"):
        assert seen not in chart
    for seen in ("MRI of", "Candidate for mild", "The mild procedure", "Signed"):
        assert seen in chart
