"""Imaging findings typed in from a report: the study and its levels, checked against
what a spine can measure, stored all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from mildpath.audit.models import AuditEvent
from mildpath.care import services
from mildpath.care.models import ImagingStudy, LevelFinding
from mildpath.core import clock
from mildpath.patients.models import Patient
from tests.helpers import NOW, TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def rosa(demo_practice) -> Patient:
    from mildpath.demo.loader import demo_staff_ensure

    demo_staff_ensure()
    return Patient.objects.get(family_name="Delgado")


def url(patient: Patient) -> str:
    return reverse("care:imaging_new", args=[patient.pk])


STUDY = {"modality": "mri", "performed_on": "2026-10-30", "notes": "Report by Dr. Ito."}


def test_a_clinician_records_a_study_with_two_levels_and_blank_levels_are_not_stored(
    client, rosa, clinician, audit_log
):
    page = client.get(url(rosa))
    assert page.status_code == 200
    assert "Record imaging findings" in page.text
    for level in ("L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"):
        assert f"<legend>{level}</legend>" in page.text
    posted = {
        **STUDY,
        "L3-L4-flavum_left_mm": "3.1",
        "L3-L4-canal_area_mm2": "95",
        "L4-L5-flavum_left_mm": "4.2",
        "L4-L5-flavum_right_mm": "3.9",
        "L4-L5-canal_area_mm2": "62.5",
        "L4-L5-listhesis_mm": "2.0",
        "L4-L5-listhesis_grade": "1",
        "L4-L5-foraminal": "moderate",
        "L4-L5-disc": "Broad-based bulge",
        "L4-L5-osteophyte": "",
        "L4-L5-facet": "Hypertrophy, right more than left",
        "L5-S1-listhesis_grade": "",  # chosen "not reported": still blank
        "L5-S1-foraminal": "",
    }
    with audit_log.exactly_one(action="care.imaging", patient_id=rosa.pk) as found:
        saved = client.post(url(rosa), posted)
    assert saved.status_code == 302
    assert saved.headers["Location"] == reverse("care:chart", args=[rosa.pk]) + "#imaging"
    assert found["event"].detail == {"levels": ["L3-L4", "L4-L5"]}
    study = ImagingStudy.objects.get(patient=rosa)
    assert (study.modality, study.performed_on.isoformat(), study.notes) == (
        "mri",
        "2026-10-30",
        "Report by Dr. Ito.",
    )
    assert study.created_by == clinician and study.created_at == NOW
    levels = {finding.level: finding for finding in study.levels.all()}
    assert sorted(levels) == ["L3-L4", "L4-L5"]
    l4 = levels["L4-L5"]
    assert (l4.flavum_left_mm, l4.flavum_right_mm, l4.canal_area_mm2) == (
        Decimal("4.2"),
        Decimal("3.9"),
        Decimal("62.5"),
    )
    assert (l4.listhesis_mm, l4.listhesis_grade, l4.foraminal) == (Decimal("2.0"), 1, "moderate")
    assert (l4.disc, l4.osteophyte, l4.facet) == (
        "Broad-based bulge",
        "",
        "Hypertrophy, right more than left",
    )
    l3 = levels["L3-L4"]
    assert (l3.flavum_right_mm, l3.listhesis_grade, l3.foraminal, l3.disc) == (None, None, "", "")
    messages = [str(m) for m in saved.wsgi_request._messages]
    assert messages == ["MRI of October 30, 2026 recorded, with findings at 2 levels."]


def test_a_grade_of_zero_alone_is_a_finding_not_a_blank_level(client, rosa, clinician):
    client.post(url(rosa), {**STUDY, "L2-L3-listhesis_grade": "0"})
    finding = LevelFinding.objects.get()
    assert (finding.level, finding.listhesis_grade) == ("L2-L3", 0)


def test_both_views_of_the_form_are_audited_as_a_look_at_the_chart(client, rosa, clinician):
    before = AuditEvent.objects.count()
    client.get(url(rosa))
    client.post(url(rosa), {**STUDY, "L4-L5-flavum_left_mm": "99"})
    reads = AuditEvent.objects.order_by("id")[before:]
    assert [(e.action, e.detail) for e in reads] == [
        ("chart.read", {"section": "imaging"}),
        ("chart.read", {"section": "imaging"}),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "L4-L5-flavum_left_mm",
            "16",
            "L4-L5, ligamentum flavum, left: enter a value from 0 to 15 mm.",
        ),
        (
            "L4-L5-flavum_right_mm",
            "15.1",
            "L4-L5, ligamentum flavum, right: enter a value from 0 to 15 mm.",
        ),
        ("L1-L2-canal_area_mm2", "400.5", "L1-L2, canal area: enter a value from 0 to 400 mm²."),
        (
            "L5-S1-listhesis_mm",
            "41",
            "L5-S1, anterior listhesis: enter a value from 0 to 40 mm.",
        ),
        ("L3-L4-listhesis_grade", "5", "L3-L4, listhesis grade: choose a grade from 0 to 4."),
        (
            "L2-L3-foraminal",
            "catastrophic",
            "L2-L3, foraminal stenosis: choose one of the grades.",
        ),
        (
            "L4-L5-canal_area_mm2",
            "62.25",
            "L4-L5, canal area: give at most one decimal place, such as 3.5.",
        ),
        ("L4-L5-disc", "x" * 301, "L4-L5, disc: at most 300 characters."),
    ],
)
def test_a_value_outside_its_range_is_refused_naming_the_level_and_the_field_and_nothing_is_stored(
    client, rosa, clinician, field, value, message
):
    posted = {**STUDY, "L3-L4-flavum_left_mm": "3.0", field: value}
    refused = client.post(url(rosa), posted)
    assert refused.status_code == 400
    assert "Nothing was saved." in refused.text
    assert message in refused.text
    assert refused.text.count(message) == 2  # in the summary, and by the field
    assert refused.text.startswith("<!DOCTYPE html>") and "<title>Error:" in refused.text
    assert not ImagingStudy.objects.exists() and not LevelFinding.objects.exists()
    assert not AuditEvent.objects.filter(action="care.imaging").exists()


def test_the_limits_themselves_are_accepted(client, rosa, clinician):
    posted = {
        **STUDY,
        "L4-L5-flavum_left_mm": "15",
        "L4-L5-flavum_right_mm": "0",
        "L4-L5-canal_area_mm2": "400.0",
        "L4-L5-listhesis_mm": "40",
        "L4-L5-listhesis_grade": "4",
    }
    assert client.post(url(rosa), posted).status_code == 302
    finding = LevelFinding.objects.get()
    assert (
        finding.flavum_left_mm,
        finding.flavum_right_mm,
        finding.canal_area_mm2,
        finding.listhesis_mm,
        finding.listhesis_grade,
    ) == (Decimal("15.0"), Decimal("0.0"), Decimal("400.0"), Decimal("40.0"), 4)


def test_every_error_is_listed_at_once(client, rosa, clinician):
    refused = client.post(
        url(rosa),
        {
            "modality": "",
            "performed_on": "",
            "L1-L2-flavum_left_mm": "20",
            "L5-S1-listhesis_mm": "x",
        },
    )
    assert refused.status_code == 400
    for message in (
        "Choose the kind of study.",
        "Enter the date of the study.",
        "L1-L2, ligamentum flavum, left: enter a value from 0 to 15 mm.",
        "L5-S1, anterior listhesis: enter a number in mm such as 3.5",
    ):
        assert message in refused.text
    assert 'href="#id_L1-L2-flavum_left_mm"' in refused.text
    assert 'href="#id_modality_0"' in refused.text


def test_a_study_dated_in_the_future_is_refused(client, rosa, clinician):
    tomorrow = client.post(url(rosa), {**STUDY, "performed_on": "2026-11-25"})
    assert tomorrow.status_code == 400
    assert "The date of the study cannot be in the future." in tomorrow.text
    assert not ImagingStudy.objects.exists()
    today = client.post(url(rosa), {**STUDY, "performed_on": "2026-11-24"})
    assert today.status_code == 302


def test_a_study_before_the_patient_was_born_is_refused(client, rosa, clinician):
    refused = client.post(url(rosa), {**STUDY, "performed_on": "1950-01-01"})
    assert "The date of the study cannot be before the patient was born." in refused.text
    assert not ImagingStudy.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "four",
        "1e9",
        "NaN",
        "nan",
        "inf",
        "-Infinity",
        "5,5",
        "3.",
        ".5",
        "+3",
        "3 mm",
        "٣",  # an Arabic-Indic digit three
        "1" * 5000,
        "<script>alert(1)</script>",
        "0x10",
    ],
)
def test_hostile_or_mistyped_numbers_get_a_400_with_a_message_never_a_500(
    client, rosa, clinician, value
):
    refused = client.post(url(rosa), {**STUDY, "L4-L5-flavum_left_mm": value})
    assert refused.status_code == 400
    assert "L4-L5, ligamentum flavum, left: enter a number in mm such as 3.5" in refused.text
    assert "<script>alert" not in refused.text
    assert not ImagingStudy.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "L4-L5, ligamentum flavum, left: enter a value from 0 to 15 mm."),
        ("1000000000", "L4-L5, ligamentum flavum, left: enter a value from 0 to 15 mm."),
        ("-0.1", "L4-L5, ligamentum flavum, left: enter a value from 0 to 15 mm."),
    ],
)
def test_negative_and_huge_numbers_are_told_the_range(client, rosa, clinician, value, message):
    refused = client.post(url(rosa), {**STUDY, "L4-L5-flavum_left_mm": value})
    assert refused.status_code == 400
    assert message in refused.text
    assert not ImagingStudy.objects.exists()


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"modality": "xray"}, "Choose one of the kinds of study listed."),
        ({"performed_on": "30/10/2026"}, "Enter the date like 2026-10-30."),
        ({"performed_on": "2026-02-30"}, "Enter the date like 2026-10-30."),
        ({"notes": "n" * 4001}, "Keep the notes to 4000 characters."),
        ({"L4-L5-listhesis_grade": "1.5"}, "L4-L5, listhesis grade: choose a grade from 0 to 4."),
        ({"L4-L5-listhesis_grade": "-1"}, "L4-L5, listhesis grade: choose a grade from 0 to 4."),
    ],
)
def test_other_bad_input_is_refused_with_a_message(client, rosa, clinician, posted, message):
    refused = client.post(url(rosa), {**STUDY, **posted})
    assert refused.status_code == 400
    assert message in refused.text
    assert not ImagingStudy.objects.exists()


def test_minus_zero_is_stored_as_zero(client, rosa, clinician):
    client.post(url(rosa), {**STUDY, "L4-L5-listhesis_mm": "-0"})
    assert str(LevelFinding.objects.get().listhesis_mm) == "0.0"


def test_the_database_refuses_a_value_outside_the_range_even_without_the_form(rosa):
    study = services.imaging_record(
        actor=TEST_ACTOR,
        patient=rosa,
        modality="mri",
        performed_on=NOW.date(),
        notes="",
        levels=[],
        now=clock.now(),
    )
    for name, bad in [
        ("flavum_left_mm", Decimal("16")),
        ("flavum_right_mm", Decimal("-0.5")),
        ("canal_area_mm2", Decimal("400.1")),
        ("listhesis_mm", Decimal("40.5")),
        ("listhesis_grade", 5),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            LevelFinding.objects.create(study=study, level="L4-L5", **{name: bad})
    assert not LevelFinding.objects.exists()


def test_the_service_stores_nothing_when_one_level_is_refused_by_the_database(rosa):
    with pytest.raises(IntegrityError):
        services.imaging_record(
            actor=TEST_ACTOR,
            patient=rosa,
            modality="ct",
            performed_on=NOW.date(),
            notes="",
            levels=[
                {"level": "L3-L4", "flavum_left_mm": Decimal("3.0")},
                {"level": "L4-L5", "flavum_left_mm": Decimal("16.0")},
            ],
            now=clock.now(),
        )
    assert not ImagingStudy.objects.exists() and not LevelFinding.objects.exists()
    assert not AuditEvent.objects.filter(action="care.imaging").exists()


@pytest.mark.parametrize("role", ["front_desk", "manager", "researcher"])
def test_staff_who_do_not_see_clinical_detail_are_refused(client, rosa, make_staff, sign_in, role):
    sign_in(make_staff(role, ("santa-monica",)))
    assert client.get(url(rosa)).status_code == 403
    assert client.post(url(rosa), {**STUDY, "L4-L5-flavum_left_mm": "3.0"}).status_code == 403
    assert not ImagingStudy.objects.exists()
    assert not AuditEvent.objects.filter(action="chart.read").exists()


def test_a_patient_at_another_location_is_not_found_and_nothing_is_stored(client, rosa, clinician):
    harold = Patient.objects.get(family_name="Jenkins")  # Pasadena
    assert client.get(url(harold)).status_code == 404
    refused = client.post(url(harold), {**STUDY, "L4-L5-flavum_left_mm": "3.0"})
    assert refused.status_code == 404
    assert not ImagingStudy.objects.exists()
    assert not AuditEvent.objects.filter(action="chart.read").exists()


def test_a_patient_that_does_not_exist_is_not_found(client, rosa, clinician):
    assert client.get(reverse("care:imaging_new", args=[987654])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, rosa):
    response = client.get(url(rosa))
    assert response.status_code == 302
    assert "sign-in" in response.headers["Location"] or "sign_in" in response.headers["Location"]
