"""Location scoping, emergency access, and one audit entry for every read and write."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mildpath.patients.models import BreakGlassGrant, Patient
from mildpath.patients.queries import PATIENTS_SHOWN
from mildpath.practice.models import Location
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def patients(demo_practice, make_staff):
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return {p.family_name: p for p in Patient.objects.all()}


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_front_desk_sees_only_patients_of_their_locations(
    client, patients, make_staff, sign_in, audit_log
):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    with audit_log.exactly_one(action="patient.list", actor=user, patient_id=None):
        listing = client.get("/staff/patients/")
    assert [p.family_name for p in listing.context["patients"]] == ["Delgado"]

    rosa, harold = patients["Delgado"], patients["Jenkins"]
    with audit_log.exactly_one(action="patient.read", patient_id=rosa.pk, object_id=str(rosa.pk)):
        assert client.get(f"/staff/patients/{rosa.pk}/").status_code == 200
    with audit_log.exactly_one(action="access.refused", patient_id=harold.pk, actor=user):
        outside = client.get(f"/staff/patients/{harold.pk}/")
    missing = client.get("/staff/patients/999999/")
    # Outside one's locations and not there at all read the same: nothing to learn.
    assert outside.status_code == missing.status_code == 404
    assert _main(outside.text) == _main(missing.text)
    assert "Not found at your locations" in outside.text


def test_the_manager_sees_every_location(client, patients, make_staff, sign_in):
    sign_in(make_staff("manager"))
    listing = client.get("/staff/patients/")
    assert {p.family_name for p in listing.context["patients"]} == set(patients)


def test_search_narrows_the_list(client, patients, make_staff, sign_in):
    sign_in(make_staff("manager"))
    listing = client.get("/staff/patients/", {"q": "tana"})
    assert [p.family_name for p in listing.context["patients"]] == ["Tanaka"]


def test_a_long_list_says_it_shows_only_the_first_ones(client, patients, make_staff, sign_in):
    sign_in(make_staff("manager"))
    assert "Only the first" not in client.get("/staff/patients/").text
    santa_monica = Location.objects.get(slug="santa-monica")

    def add(count: int, start: int) -> None:
        santa_monica.patients.add(*Patient.objects.bulk_create(
            Patient(given_name="Many", family_name=f"P{chr(97 + n // 26)}{chr(97 + n % 26)}",
                    date_of_birth=date(1950, 1, 1), phone=f"+1310555{n:04d}", created_at=NOW)
            for n in range(start, start + count)
        ))  # fmt: skip

    add(PATIENTS_SHOWN - Patient.objects.count(), 0)  # exactly as many as are shown
    page = client.get("/staff/patients/")
    assert len(page.context["patients"]) == PATIENTS_SHOWN
    assert "Only the first" not in page.text
    add(1, 500)  # one more than can be shown
    page = client.get("/staff/patients/")
    assert len(page.context["patients"]) == PATIENTS_SHOWN
    assert f"Only the first {PATIENTS_SHOWN} patients are shown" in page.text


def test_the_researcher_never_sees_identities(client, patients, make_staff, sign_in):
    sign_in(make_staff("researcher"))
    assert client.get("/staff/patients/").status_code == 403
    assert client.get(f"/staff/patients/{patients['Delgado'].pk}/").status_code == 403
    assert client.get("/staff/requests/").status_code == 403
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "Delgado" not in home.text


def test_emergency_access_opens_one_patient_for_an_hour_and_is_recorded(
    client, patients, make_staff, sign_in, audit_log, frozen
):
    mei = patients["Tanaka"]  # Long Beach
    user = make_staff("clinician", ("santa-monica",))
    sign_in(user)
    assert client.get(f"/staff/patients/{mei.pk}/").status_code == 404

    short = client.post("/staff/patients/emergency-access/", {"patient_id": mei.pk, "reason": "x"})
    assert "Reason for emergency access: Describe the reason" in short.text
    assert not BreakGlassGrant.objects.exists()

    reason = "Patient in recovery bay with new leg weakness"
    with audit_log.exactly_one(action="emergency.grant", patient_id=mei.pk, purpose=reason):
        granted = client.post(
            "/staff/patients/emergency-access/", {"patient_id": mei.pk, "reason": reason}
        )
    assert granted.headers["Location"] == f"/staff/patients/{mei.pk}/"
    assert client.get(f"/staff/patients/{mei.pk}/").status_code == 200
    assert client.get(f"/staff/patients/{patients['Jenkins'].pk}/").status_code == 404

    frozen.shift(timedelta(minutes=14))
    client.get("/staff/")  # stay active
    frozen.shift(timedelta(minutes=14))
    client.get("/staff/")
    frozen.shift(timedelta(minutes=14))
    client.get("/staff/")
    frozen.shift(timedelta(minutes=14))
    client.get("/staff/")
    frozen.shift(timedelta(minutes=5))
    assert client.get(f"/staff/patients/{mei.pk}/").status_code == 404


def test_emergency_access_to_a_missing_patient_says_so(client, patients, make_staff, sign_in):
    sign_in(make_staff("clinician", ("santa-monica",)))
    response = client.post(
        "/staff/patients/emergency-access/",
        {"patient_id": 999999, "reason": "Checking a patient who called the on-call line"},
    )
    assert "There is no patient with that number." in response.text
    assert not BreakGlassGrant.objects.exists()


def test_front_desk_adds_a_patient_and_it_is_recorded(
    client, patients, make_staff, sign_in, audit_log
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    data = {
        "given_name": "Ana",
        "family_name": "Ruiz",
        "date_of_birth": "1955-06-01",
        "phone": "(626) 555-0177",
        "email": "",
        "preferred_language": "es",
        "locations": [str(patients["Jenkins"].locations.get().pk)],
    }
    with audit_log.exactly_one(action="patient.create") as holder:
        response = client.post("/staff/patients/new/", data)
    ana = Patient.objects.get(family_name="Ruiz")
    assert holder["event"].patient_id == ana.pk
    assert response.headers["Location"] == f"/staff/patients/{ana.pk}/"
    assert ana.phone == "+16265550177"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "date_of_birth",
            "2099-01-01",
            "Date of birth: The date of birth must be in the past.",
        ),
        ("date_of_birth", "1955-13-40", "Date of birth: Enter the date as year-month-day"),
        ("date_of_birth", "1890-01-01", "Check the year"),
        ("phone", "12", "Phone: Enter a phone number we can call"),
        ("given_name", "", "Given name: This field is required."),
    ],
)
def test_bad_patient_details_name_the_field_and_store_nothing(
    client, patients, make_staff, sign_in, field, value, message
):
    sign_in(make_staff("front_desk", ("pasadena",)))
    data = {
        "given_name": "Ana",
        "family_name": "Ruiz",
        "date_of_birth": "1955-06-01",
        "phone": "(626) 555-0177",
        "preferred_language": "es",
        "locations": [str(patients["Jenkins"].locations.get().pk)],
        field: value,
    }
    response = client.post("/staff/patients/new/", data)
    assert response.status_code == 200
    assert message in response.text
    assert not Patient.objects.filter(family_name="Ruiz").exists()


def test_front_desk_cannot_add_a_patient_to_another_location(client, patients, make_staff, sign_in):
    sign_in(make_staff("front_desk", ("pasadena",)))
    long_beach = patients["Tanaka"].locations.get()
    response = client.post(
        "/staff/patients/new/",
        {
            "given_name": "Ana",
            "family_name": "Ruiz",
            "date_of_birth": "1955-06-01",
            "phone": "(626) 555-0177",
            "preferred_language": "es",
            "locations": [str(long_beach.pk)],
        },
    )
    assert "Seen at:" in response.text
    assert not Patient.objects.filter(family_name="Ruiz").exists()
