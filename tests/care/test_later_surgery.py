"""Spine surgery after mild on the chart: a clinician records what surgery, at which
levels and when; the chart lists it; the registry will count it as the end of freedom
from further treatment, so what is refused is never stored, in part or at all."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.care import services
from mildpath.care.models import LaterSurgery
from mildpath.patients.models import Patient
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# The suite's "now" is Tuesday 24 November 2026 in Los Angeles.
TODAY = date(2026, 11, 24)
GOOD = {
    "kind": "fusion",
    "levels": ["L4-L5", "L3-L4"],
    "performed_on": "2026-09-15",
    "note": "At St. John's, by Dr. Okafor; the patient told us at the 3-month visit.",
}


@pytest.fixture
def rosa(demo_practice) -> Patient:
    """Rosa Delgado, seen at Santa Monica."""
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


def _new(patient: Patient) -> str:
    return reverse("care:surgery_new", args=[patient.pk])


def _chart(patient: Patient) -> str:
    return reverse("care:chart", args=[patient.pk])


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _section(page) -> str:
    """The chart's later-surgery section, as words."""
    text = page.content.decode()
    start = text.index('<h2 id="surgeries">')
    return _text(text[start : text.index("</section>", start)])


def _errors(page) -> str:
    match = re.search(r'class="error-summary".*?</div>', page.content.decode(), re.S)
    return _text(match.group(0)) if match else ""


def test_a_clinician_records_a_later_surgery_and_sees_it_on_the_chart(client, rosa, clinician):
    empty = client.get(_chart(rosa))
    assert "No spine surgery after mild recorded." in _section(empty)
    assert f'href="{_new(rosa)}"' in empty.text
    form = client.get(_new(rosa))
    assert form.status_code == 200
    assert 'name="levels" value="L5-S1"' in form.text and 'type="checkbox"' in form.text

    saved = client.post(_new(rosa), GOOD, follow=True)

    assert saved.redirect_chain[-1][0] == _chart(rosa) + "#surgeries"
    assert "Fusion of September 15, 2026 recorded." in _text(saved.content.decode())
    surgery = LaterSurgery.objects.get(patient=rosa)
    assert (surgery.kind, surgery.levels, surgery.performed_on) == (
        "fusion",
        ["L3-L4", "L4-L5"],  # in the spine's order, whatever order they were ticked in
        date(2026, 9, 15),
    )
    assert surgery.recorded_by == clinician and surgery.recorded_at == NOW
    section = _section(saved)
    assert "September 15, 2026 Fusion L3-L4, L4-L5 At St. John's, by Dr. Okafor" in section
    assert "No spine surgery after mild recorded." not in section


def test_the_chart_lists_several_surgeries_the_earliest_first(client, rosa, clinician):
    for kind, day in [("spacer", date(2026, 10, 1)), ("decompression", date(2026, 6, 2))]:
        services.later_surgery_record(
            actor=TEST_ACTOR,
            patient=rosa,
            kind=kind,
            levels=["L4-L5"],
            performed_on=day,
            note="",
            now=NOW,
        )
    section = _section(client.get(_chart(rosa)))
    assert section.index("June 2, 2026") < section.index("October 1, 2026")
    assert "Open or microscopic decompression" in section and "Interspinous spacer" in section


def test_recording_a_surgery_is_audited_with_who_and_what(client, rosa, clinician, audit_log):
    with audit_log.exactly_one(action="chart.read", patient_id=rosa.pk) as look:
        client.get(_new(rosa))
    assert look["event"].detail == {"section": "surgery"}
    with audit_log.exactly_one(action="surgery.record", patient_id=rosa.pk) as got:
        client.post(_new(rosa), GOOD)
    event = got["event"]
    assert event.actor == clinician
    assert event.object_id == str(LaterSurgery.objects.get().pk)
    assert event.detail == {"kind": "fusion", "levels": ["L3-L4", "L4-L5"]}
    assert "Okafor" not in str(event.detail)  # the note stays in the record, not the trail


def test_a_surgery_today_is_accepted_and_tomorrow_is_refused(client, rosa, clinician):
    tomorrow = client.post(_new(rosa), {**GOOD, "performed_on": "2026-11-25"})
    assert tomorrow.status_code == 400
    assert "Date of the surgery: The date of the surgery cannot be in the future." in _errors(
        tomorrow
    )
    assert not LaterSurgery.objects.exists()
    today = client.post(_new(rosa), {**GOOD, "performed_on": TODAY.isoformat()})
    assert today.status_code == 302
    assert LaterSurgery.objects.get().performed_on == TODAY


def test_any_past_date_is_accepted(client, rosa, clinician):
    assert client.post(_new(rosa), {**GOOD, "performed_on": "2001-03-04"}).status_code == 302
    assert LaterSurgery.objects.get().performed_on == date(2001, 3, 4)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"levels": None}, "Levels operated on: Tick at least one level."),
        ({"levels": ["L9-L9"]}, "Levels operated on: Choose levels from the list."),
        ({"levels": ["L4-L5", "L9-L9"]}, "Levels operated on: Choose levels from the list."),
        ({"levels": ["<script>alert(1)</script>"]}, "Levels operated on: Choose levels"),
        ({"kind": None}, "Surgery: Choose the kind of surgery."),
        ({"kind": ""}, "Surgery: Choose the kind of surgery."),
        ({"kind": "laminectomy"}, "Surgery: Choose one of the kinds of surgery listed."),
        ({"kind": ["fusion", "spacer"]}, "Surgery: Choose one kind of surgery."),
        ({"kind": ["fusion", "<b>x</b>"]}, "Surgery: Choose one of the kinds of surgery"),
        ({"performed_on": None}, "Date of the surgery: Enter the date of the surgery."),
        ({"performed_on": "15/09/2026"}, "Date of the surgery: Enter the date like 2026-10-30."),
        ({"performed_on": "2026-02-30"}, "Date of the surgery: Enter the date like 2026-10-30."),
        ({"performed_on": "9" * 5000}, "Date of the surgery: Enter the date like 2026-10-30."),
        ({"performed_on": "2999-01-01"}, "Date of the surgery: The date of the surgery cannot"),
        ({"note": "n" * 10_240}, "Note: Keep the note to 300 characters."),
        ({"note": "a\x00b"}, "Note: Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client, rosa, clinician, changes, message
):
    posted = dict(GOOD)
    for name, value in changes.items():
        if value is None:
            posted.pop(name)
        else:
            posted[name] = value
    refused = client.post(_new(rosa), posted)
    assert refused.status_code == 400
    assert message in _errors(refused)
    assert "<script>alert" not in refused.text and "<b>x</b>" not in refused.text
    assert not LaterSurgery.objects.exists()
    assert not AuditEvent.objects.filter(action="surgery.record").exists()


def test_an_empty_post_lists_every_missing_answer(client, rosa, clinician):
    refused = client.post(_new(rosa), {})
    assert refused.status_code == 400
    errors = _errors(refused)
    for message in (
        "Surgery: Choose the kind of surgery.",
        "Levels operated on: Tick at least one level.",
        "Date of the surgery: Enter the date of the surgery.",
    ):
        assert message in errors
    assert not LaterSurgery.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "laminectomy"},
        {"levels": []},
        {"levels": ["L9-L9"]},
        {"performed_on": TODAY + timedelta(days=1)},
    ],
)
def test_the_service_refuses_what_the_registry_must_not_count(rosa, changes):
    values = {"kind": "fusion", "levels": ["L4-L5"], "performed_on": TODAY, "note": ""}
    with pytest.raises(ValueError):
        services.later_surgery_record(
            actor=TEST_ACTOR, patient=rosa, **{**values, **changes}, now=NOW
        )
    assert not LaterSurgery.objects.exists()
    assert not AuditEvent.objects.filter(action="surgery.record").exists()


@pytest.mark.parametrize("role", ["front_desk", "manager", "researcher"])
def test_staff_who_do_not_treat_patients_cannot_record_one(client, rosa, make_staff, sign_in, role):
    sign_in(make_staff(role, ("santa-monica",)))
    assert client.get(_new(rosa)).status_code == 403
    assert client.post(_new(rosa), GOOD).status_code == 403
    assert not LaterSurgery.objects.exists()


def test_a_patient_at_another_location_is_not_found_and_nothing_is_stored(client, rosa, clinician):
    harold = Patient.objects.get(family_name="Jenkins")  # Pasadena
    assert client.get(_new(harold)).status_code == 404
    assert client.post(_new(harold), GOOD).status_code == 404
    assert client.post(reverse("care:surgery_new", args=[987654]), GOOD).status_code == 404
    assert not LaterSurgery.objects.exists()
    assert AuditEvent.objects.filter(action="access.refused", patient_id=harold.pk).exists()
