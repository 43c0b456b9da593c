"""Query strings an attacker (or a mangled link) sends to every page that reads one: a
NUL (which PostgreSQL refuses in any text), markup, a huge value, a negative number.
The answer is a page or a redirect, never a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from mildpath.demo.loader import demo_schedule_load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]

HOSTILE = ["\x00", "<script>", "x" * 5000, "-1", "9" * 40, "../../etc", "２０２６-１２-０１"]

PUBLIC = {
    "/book/": ["location", "zip"],
    "/book/pasadena/": ["from", "day", "doctor", "earlier"],
    "/consultation/": ["location"],
    "/locations/": ["zip"],
}
STAFF = {
    "/staff/": ["week"],
    "/staff/calendar/": ["location", "date", "view", "doctor"],
    "/staff/calendar/book/": ["location", "kind", "from", "patient", "from_request"],
    "/staff/patients/": ["q"],
    "/staff/requests/": ["status"],
}
# The pages of the roles that enter questionnaires (the front desk and clinicians).
QUESTIONNAIRE_ENTRY = {
    "/staff/tablet/": ["q"],
}


def _calm(client, pages: dict[str, list[str]]) -> None:
    for path, names in pages.items():
        for name in names:
            for value in HOSTILE:
                answer = client.get(path, {name: value})
                assert answer.status_code in (200, 302, 404), (path, name, value)


def test_public_pages_answer_hostile_query_strings_calmly(client):
    demo_schedule_load()
    _calm(client, PUBLIC)


@pytest.mark.parametrize("role", ["front_desk", "manager"])
def test_staff_pages_answer_hostile_query_strings_calmly(client, make_staff, sign_in, role):
    demo_schedule_load()
    sign_in(make_staff(role, ("pasadena",)))
    _calm(client, STAFF)


@pytest.mark.parametrize("role", ["front_desk", "clinician"])
def test_questionnaire_entry_pages_answer_hostile_query_strings_calmly(
    client, make_staff, sign_in, role
):
    sign_in(make_staff(role, ("pasadena",)))
    _calm(client, QUESTIONNAIRE_ENTRY)
