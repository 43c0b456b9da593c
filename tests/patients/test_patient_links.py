from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory

from mildpath.audit.actor import Actor
from mildpath.audit.models import AuditEvent
from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.services import (
    LINK_FAILURES_ALLOWED,
    patient_link_consume,
    patient_link_issue,
)
from mildpath.patients.tokens import make_token
from mildpath.questionnaires.services import follow_up_plan_start
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def rosa(demo_practice):
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


def _issue(client, patient, purpose):
    """A link as the software issues it (staff send links from the record: see
    test_patient_record.py); its path, as the patient's message carries it. A
    questionnaire link is about the patient's intake questionnaires."""
    target = None
    if purpose == "questionnaire":
        target = follow_up_plan_start(
            actor=TEST_ACTOR,
            patient=patient,
            location=patient.locations.first(),
            anchor_date=(NOW + timedelta(days=7)).date(),
            due_at=NOW + timedelta(days=7),
            now=NOW,
        ).pk
    issued = patient_link_issue(
        actor=TEST_ACTOR, patient=patient, purpose=purpose, now=NOW, target_id=target
    )
    return f"/p/{purpose}/{issued.token}/", issued.link


def test_a_patient_opens_their_link_without_a_password(client, rosa, audit_log):
    with audit_log.exactly_one(action="link.issue", patient_id=rosa.pk):
        path, link = _issue(client, rosa, "progress")
    with audit_log.exactly_one(action="link.open", patient_id=rosa.pk, actor=None):
        page = client.get(path)
    assert page.status_code == 200
    assert "Your progress" in page.text and "Rosa" in page.text
    assert "Delgado" not in page.text  # the page shows no more than it must
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "same-origin"


def test_a_revoked_link_gets_a_clear_page_with_the_phone_number(
    client, rosa, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    path, link = _issue(client, rosa, "progress")
    with audit_log.exactly_one(action="link.revoke", patient_id=rosa.pk):
        client.post(f"/staff/patients/{rosa.pk}/links/{link.pk}/revoke/")
    page = client.get(path)
    assert page.status_code == 410
    assert "This link cannot be used" in page.text
    assert "(310) 555-0100" in page.text


def test_an_expired_link_says_it_expired(client, rosa, frozen):
    path, link = _issue(client, rosa, "questionnaire")
    frozen.shift(timedelta(days=14, seconds=1))
    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text


def test_a_single_use_link_works_until_it_is_used(client, rosa):
    path, link = _issue(client, rosa, "questionnaire")
    assert link.single_use
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # opening is not using
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    patient_link_consume(
        actor=Actor.of(request), link=link, now=link.created_at + timedelta(hours=1)
    )
    # Used up by sending the answers: the link shows the thank-you page, nothing more.
    page = client.get(path, follow=True)
    assert page.redirect_chain[-1][0] == "/p/questionnaire/done/"
    assert "Thank you" in page.text and "Rosa" not in page.text


def test_a_link_only_opens_its_own_purpose_and_a_forged_one_nothing(client, rosa, make_staff):
    link = PatientLink.objects.create(
        patient=rosa,
        purpose="progress",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    token = make_token(link.pk, "progress")
    assert client.get(f"/p/progress/{token}/").status_code == 200
    assert client.get(f"/p/appointment/{token}/").status_code == 410
    forged = make_token(link.pk, "progress")[:-3] + "abc"
    assert client.get(f"/p/progress/{forged}/").status_code == 410
    assert client.get(f"/p/anything/{token}/").status_code == 404


def test_a_browser_guessing_links_is_slowed_down(client, rosa):
    for n in range(LINK_FAILURES_ALLOWED):
        assert client.get(f"/p/progress/guess-{n}/").status_code == 410
    page = client.get("/p/progress/guess-again/")
    assert page.status_code == 429
    assert "Please wait a few minutes" in page.text
    assert AuditEvent.objects.filter(action="link.reject").count() == LINK_FAILURES_ALLOWED
    # Someone else, elsewhere, is not affected.
    assert client.get("/p/progress/x/", REMOTE_ADDR="192.0.2.8").status_code == 410


def test_the_patient_page_speaks_spanish(client, rosa):
    link = PatientLink.objects.create(
        patient=rosa,
        purpose="progress",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
    )
    page = client.get(f"/es/p/progress/{make_token(link.pk, 'progress')}/")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
