"""The ZIP code of the patient's home, kept with their contact details: typed in by the
front desk as 5 digits or ZIP+4, shown on the record, and audited by name as the other
contact fields are (the registry's de-identified export keeps its first 3 digits)."""

from __future__ import annotations

import re

import pytest

from mildpath.audit.models import AuditEvent
from mildpath.patients.forms import ContactForm
from mildpath.patients.models import Patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

RULE = "Enter a ZIP code of 5 digits, or 5 + 4 digits (12345 or 12345-6789)."
# Rosa's details as the demo has them, so that only the ZIP code changes.
ROSA = {"phone": "(310) 555-0111", "email": "", "preferred_language": "es"}


@pytest.fixture
def rosa(demo_practice) -> Patient:
    """Rosa Delgado, seen at Santa Monica, phone (310) 555-0111, no ZIP code on file."""
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    patient = Patient.objects.get(family_name="Delgado")
    assert patient.postal_code == ""
    return patient


@pytest.fixture
def desk(make_staff, sign_in):
    user = make_staff("front_desk", ("santa-monica",))
    sign_in(user)
    return user


def _contact(patient: Patient) -> str:
    return f"/staff/patients/{patient.pk}/contact/"


def _shown_zip(page) -> str:
    """What the record's contact details show for the ZIP code."""
    match = re.search(r"<dt>ZIP code</dt>\s*<dd>(.*?)</dd>", page.content.decode(), re.S)
    assert match is not None
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("90404", "90404"),
        ("90404-1234", "90404-1234"),
        ("  90404 ", "90404"),
        ("90404 - 1234", "90404-1234"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_zip_code_of_5_or_5_plus_4_digits_or_none_is_accepted(typed, kept):
    form = ContactForm({**ROSA, "postal_code": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["postal_code"] == kept


@pytest.mark.parametrize(
    "typed",
    [
        "9040",
        "904041",
        "904041234",
        "90404-123",
        "90404-12345",
        "90404_1234",
        "ABCDE",
        "٩٠٤٠٤",  # Arabic-Indic digits
        "90404\x00",
        "9" * 5000,
        "<script>alert(1)</script>",
        "SW1A 1AA",
    ],
)
def test_anything_else_is_refused_naming_the_field_and_the_rule(client, rosa, desk, typed):
    response = client.post(_contact(rosa), {**ROSA, "postal_code": typed})
    assert response.status_code == 200
    summary = response.text[response.text.index('class="error-summary"') :]
    assert f"ZIP code: {RULE}" in summary
    assert "<script>alert" not in response.text
    rosa.refresh_from_db()
    assert rosa.postal_code == ""
    assert not AuditEvent.objects.filter(action="patient.contact").exists()


def test_a_zip_code_is_saved_shown_and_audited_by_field_name(client, rosa, desk, audit_log):
    assert _shown_zip(client.get(f"/staff/patients/{rosa.pk}/")) == "None on file"
    with audit_log.exactly_one(action="patient.contact", patient_id=rosa.pk, actor=desk) as got:
        response = client.post(_contact(rosa), {**ROSA, "postal_code": "90404-1234"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/patients/{rosa.pk}/"
    assert "Contact details saved: ZIP code." in response.text
    assert _shown_zip(response) == "90404-1234"
    rosa.refresh_from_db()
    assert rosa.postal_code == "90404-1234"
    assert got["event"].detail == {"fields": ["postal_code"]}
    assert "90404" not in str(got["event"].detail)


def test_a_zip_code_changed_with_the_phone_is_named_with_it(client, rosa, desk, audit_log):
    with audit_log.exactly_one(action="patient.contact", patient_id=rosa.pk) as got:
        response = client.post(
            _contact(rosa),
            {**ROSA, "phone": "(626) 555-0101", "postal_code": "91101"},
            follow=True,
        )
    assert "Contact details saved: Phone, ZIP code." in response.text
    assert got["event"].detail == {"fields": ["phone", "postal_code"]}


def test_the_form_shows_the_zip_code_on_file_and_saving_it_unchanged_writes_nothing(
    client, rosa, desk
):
    rosa.postal_code = "90404"
    rosa.save()
    form = client.get(_contact(rosa))
    assert re.search(r'name="postal_code" value="90404"', form.text)
    response = client.post(_contact(rosa), {**ROSA, "postal_code": "90404"}, follow=True)
    assert "Nothing changed." in response.text
    assert not AuditEvent.objects.filter(action="patient.contact").exists()


def test_emptying_the_zip_code_removes_it_and_is_audited(client, rosa, desk, audit_log):
    rosa.postal_code = "90404"
    rosa.save()
    with audit_log.exactly_one(action="patient.contact", patient_id=rosa.pk) as got:
        response = client.post(_contact(rosa), {**ROSA, "postal_code": ""}, follow=True)
    assert _shown_zip(response) == "None on file"
    rosa.refresh_from_db()
    assert rosa.postal_code == ""
    assert got["event"].detail == {"fields": ["postal_code"]}
