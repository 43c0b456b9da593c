"""`manage.py demo_registry` fills the registry with synthetic patients: signed
procedures, consents and two years of answers, scored as the forms score them, marked
as a synthetic cohort, and never under the production profile."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from mildpath.audit.models import AuditEvent
from mildpath.care.models import CareConsent, ProcedureRecord
from mildpath.outcomes.models import SyntheticCohort
from mildpath.patients.models import Patient
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _synthesize(patients: int = 40, seed: int = 3) -> SyntheticCohort:
    out = StringIO()
    call_command(
        "demo_registry", "--patients", str(patients), "--seed", str(seed), "--no-progress",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert f"{patients:,} patients" in out.getvalue()
    return SyntheticCohort.objects.latest("id")


def _patients(cohort: SyntheticCohort) -> list[Patient]:
    return list(
        Patient.objects.filter(
            id__gte=cohort.first_patient_id, id__lte=cohort.last_patient_id
        ).order_by("id")
    )


def _fingerprint(cohort: SyntheticCohort) -> list[tuple[object, ...]]:
    """What a patient is, whatever their id: names, dates and every answer."""
    rows: list[tuple[object, ...]] = []
    for patient in _patients(cohort):
        procedures = ProcedureRecord.objects.filter(patient=patient).order_by("performed_on")
        responses = Response.objects.filter(patient=patient).order_by("completed_at", "instrument")
        rows.append(
            (
                patient.given_name,
                patient.family_name,
                patient.date_of_birth,
                patient.postal_code,
                [(p.performed_on, p.started_at, p.levels) for p in procedures],
                [(r.time_point.code, r.instrument, r.completed_at, r.scores) for r in responses],
            )
        )
    return rows


def test_it_makes_patients_with_signed_procedures_consents_and_scored_answers(demo_practice):
    cohort = _synthesize(40)
    patients = _patients(cohort)
    assert len(patients) == 40
    for patient in patients:
        consent = CareConsent.objects.get(patient=patient)
        first = ProcedureRecord.objects.filter(patient=patient).order_by("performed_on")[0]
        assert first.signed_at is not None and first.chain == first.pk
        assert first.diagnosis == "M48.062"
        assert list(patient.locations.all()) == [first.location]
        assert first.operator.locations.filter(pk=first.location.pk).exists()
        age = (first.performed_on - patient.date_of_birth).days // 365.25
        assert 50 <= age <= 94
        assert consent.medicare == first.medicare_ced == (age >= 65)
        if consent.medicare:
            assert first.study_nct == consent.study_nct == "NCT03072927"
            assert consent.study_enrolled_on is not None
            assert consent.study_enrolled_on < first.performed_on
    assert not ProcedureRecord.objects.filter(signed_at__isnull=True).exists()
    responses = Response.objects.filter(patient__in=patients).select_related("time_point")
    assert responses.count() > 40 * 5
    for response in responses:
        treated = rules.after_treatment(response.time_point.code)
        shipped = instruments.get(response.instrument, response.version)
        assert response.status == Response.Status.COMPLETE
        assert response.version == instruments.latest(response.instrument).version
        assert rules.unanswered(shipped, response.answers, treated=treated) == []
        assert response.scores == rules.score(shipped, response.answers, treated=treated)
        assert response.instrument in rules.instruments_for(response.time_point.code)


def test_the_same_seed_gives_the_same_patients_and_answers_and_another_seed_does_not(
    demo_practice,
):
    first = _fingerprint(_synthesize(30, seed=5))
    again = _fingerprint(_synthesize(30, seed=5))
    other = _fingerprint(_synthesize(30, seed=6))
    assert first == again
    assert first != other
    # Each cohort's patients keep phone numbers of their own.
    phones = list(Patient.objects.values_list("phone", flat=True))
    assert len(phones) == len(set(phones)) == 90


def test_fewer_answer_later_and_no_answer_lies_outside_its_window_or_ahead(demo_practice):
    cohort = _synthesize(60, seed=8)
    points = TimePoint.objects.filter(patient__in=_patients(cohort))
    # Time points up to today only: the worker must not invite made-up people later.
    assert 0 < points.count() < 60 * 7
    assert not points.filter(opens_at__gt=NOW).exists()
    # Of the windows already closed, fewer are answered the later they come.
    closed = points.filter(closes_at__lte=NOW)
    due = Counter(closed.values_list("code", flat=True))
    answered = Counter(closed.filter(completed_at__isnull=False).values_list("code", flat=True))
    share = {code: answered[code] / due[code] for code in due}
    assert share["baseline"] > share["month_3"] > share["month_6"] > share["month_12"]
    assert share["month_12"] < 0.8
    # Some windows are still to open: planned, unanswered.
    assert not Response.objects.filter(patient__in=_patients(cohort), completed_at__gt=NOW).exists()
    for response in Response.objects.filter(time_point__in=points).select_related("time_point"):
        point, done = response.time_point, response.completed_at
        assert done is not None
        assert point.opens_at <= response.started_at <= done < point.closes_at
        assert done <= NOW
    for point in points.filter(code="baseline", completed_at__isnull=False):
        started = (
            ProcedureRecord.objects.filter(patient_id=point.patient_id)
            .order_by("performed_on")[0]
            .started_at
        )
        assert point.completed_at is not None and started is not None
        assert point.completed_at < started


def test_standing_times_past_the_test_are_stored_as_30_minutes_with_the_flag(demo_practice):
    cohort = _synthesize(60, seed=8)
    standing = [
        response.scores
        for response in Response.objects.filter(
            patient__in=_patients(cohort), instrument="standing"
        )
    ]
    capped = [scores for scores in standing if scores["standing_capped"]]
    assert capped and len(capped) < len(standing)
    assert all(scores["standing_minutes"] == 30 for scores in capped)
    assert all(scores["standing_minutes"] <= 30 for scores in standing)


def test_the_synthetic_cohort_covers_exactly_the_patients_it_made(demo_practice):
    known = Patient.objects.create(
        given_name="Rosa",
        family_name="Delgado",
        date_of_birth=date(1951, 4, 2),
        phone="+13105550111",
        created_at=NOW,
    )
    before = set(Patient.objects.values_list("id", flat=True))
    cohort = _synthesize(40, seed=4)
    made = set(Patient.objects.values_list("id", flat=True)) - before
    assert made == set(range(cohort.first_patient_id, cohort.last_patient_id + 1))
    assert (cohort.patients, cohort.seed, cohort.loaded_at) == (40, 4, NOW)
    assert known.pk in before and not cohort.first_patient_id <= known.pk <= cohort.last_patient_id


def test_the_whole_load_leaves_one_audit_entry(demo_practice, audit_log):
    before = AuditEvent.objects.count()
    with audit_log.exactly_one(action="registry.synthesize") as logged:
        cohort = _synthesize(40, seed=3)
    assert AuditEvent.objects.count() == before + 1
    assert logged["event"].detail == {"patients": 40, "seed": 3}
    assert logged["event"].object_id == str(cohort.pk)


@override_settings(PRODUCTION=True)
def test_it_refuses_to_make_up_patients_under_the_production_profile(demo_practice):
    with pytest.raises(CommandError, match="production"):
        _synthesize(5)
    assert not Patient.objects.exists()


@pytest.mark.parametrize("count", ["0", "1000001"])
def test_it_refuses_a_count_out_of_range_with_a_message(demo_practice, count):
    with pytest.raises(CommandError, match="--patients must be a whole number from 1 to"):
        call_command("demo_registry", "--patients", count, "--no-progress")
    assert not Patient.objects.exists()


def test_it_asks_for_the_demo_practice_first(db):
    with pytest.raises(CommandError, match="load_demo"):
        _synthesize(5)
    assert not Patient.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen", "demo_practice")
def test_make_runs_demo_loads_the_registry_once():
    from io import StringIO

    from django.core.management import call_command

    from mildpath.outcomes.models import SyntheticCohort
    from mildpath.patients.models import Patient

    call_command(
        "demo_registry", patients=5, no_progress=True, unless_loaded=True, stdout=StringIO()
    )
    made = Patient.objects.count()
    out = StringIO()
    call_command("demo_registry", patients=5, no_progress=True, unless_loaded=True, stdout=out)

    assert Patient.objects.count() == made
    assert SyntheticCohort.objects.count() == 1
    assert "already loaded" in out.getvalue()
