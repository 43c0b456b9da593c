"""Every page carries a strict Content-Security-Policy and ``Cache-Control: no-store``;
no template holds an inline script or style that such a policy would block.

tests/core/test_production_headers.py checks the same headers in the production
profile; tests/core/test_csp_browser.py that Chromium runs the pages under the policy
without a single violation."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from mildpath.core.headers import NoStoreMiddleware
from tests.helpers import ROOT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

DETAILS = {
    "given_name": "Rosa",
    "family_name": "Delgado",
    "date_of_birth": "04/02/1951",
    "phone": "(310) 555-0111",
    "email": "rosa@example.com",
    "reason": "Leg pain when walking",
    "referring_physician": "",
}


@pytest.fixture
def schedule(demo_practice):
    from mildpath.demo.loader import demo_schedule_load

    demo_schedule_load()


def assert_strict_policy(response) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives.get("default-src") == ["'self'"], policy
    assert directives.get("script-src") == ["'self'"], policy
    assert directives.get("style-src") == ["'self'"], policy
    assert directives.get("object-src") == ["'none'"], policy
    assert directives.get("frame-ancestors") == ["'none'"], policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy


def test_the_booking_review_confirmation_and_calendar_file_are_never_stored(client, schedule):
    slots = client.get("/book/pasadena/")
    choice = slots.context["groups"][0][2][0].value  # the first time of the first day
    client.post("/book/pasadena/", {"slot": choice})
    client.post("/book/pasadena/details/", DETAILS)
    review = client.get("/book/pasadena/review/")
    assert "Rosa Delgado" in review.text
    client.post("/book/pasadena/review/")
    done = client.get("/book/booked/")
    assert "Your appointment is booked" in done.text
    ics = client.get("/book/booked/appointment.ics")
    for response in (slots, review, done, ics):
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", response.request["PATH_INFO"]
        assert_strict_policy(response)


def test_staff_pages_are_never_stored(client, schedule, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("santa-monica",)))
    for path in ["/staff/", "/staff/patients/", "/staff/calendar/", "/staff/requests/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert_strict_policy(response)


def test_a_patient_link_page_is_never_stored(client, schedule):
    response = client.get("/p/progress/not-a-real-token/")
    assert response.status_code == 410
    assert response["Cache-Control"] == "no-store"
    assert_strict_policy(response)


def test_a_view_may_choose_caching_but_never_for_signed_in_staff():
    def cached_view(request):
        response = HttpResponse("hello")
        response["Cache-Control"] = "max-age=600"
        return response

    middleware = NoStoreMiddleware(cached_view)
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert middleware(anonymous)["Cache-Control"] == "max-age=600"

    staff = RequestFactory().get("/")
    staff.user = type("Staff", (), {"is_authenticated": True})()
    assert middleware(staff)["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/es/",
        "/mild-procedure/",
        "/self-check/",
        "/book/",
        "/consultation/",
        "/staff/sign-in/",
        "/api/v1/slots?location=pasadena&appointment_type=consultation"
        "&date_from=2026-12-01&date_to=2026-12-01",
        "/api/v1/openapi.yaml",
        "/no-such-page/",
        "/healthz",
        "/livez",
    ],
)
def test_every_page_carries_the_strict_policy_and_no_store(client, schedule, path):
    response = client.get(path)
    assert response.status_code in {200, 404, 503}, path
    assert_strict_policy(response)
    assert response["Cache-Control"] == "no-store"


def test_an_api_answer_carries_the_strict_policy(client, schedule):
    response = client.post("/api/v1/appointments", {}, content_type="application/json")
    assert response.status_code == 422
    assert_strict_policy(response)
    assert response["Cache-Control"] == "no-store"


# Inline code a 'self'-only policy blocks: a <script> without src, an event handler
# attribute, a javascript: URL, a <style> element, a style attribute.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|<style[\s>]|\sstyle\s*=",
    re.IGNORECASE,
)


def test_no_template_has_inline_script_or_style():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in sorted((ROOT / "mildpath").rglob("templates/**/*.html"))
        for match in INLINE.finditer(path.read_text())
    ]
    assert found == []
