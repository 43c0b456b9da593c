"""Demo clinical records for the demo's treated patients (``demo.questionnaires``), so a
clinician's chart shows the whole pathway rather than answers without a procedure:
registry consent, an MRI a few weeks before the consultation, the candidacy evaluation
and the treatment plan at the consultation, and the signed procedure record on the day
of the procedure, whose signing counts the follow-up plan from its date, as in the
clinic. Written through the clinical services, each with ``now`` set to when it
happened, by the demo clinician (Dr. Marquez's account) where the demo has her.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from mildpath.audit.actor import Actor
from mildpath.care import criteria, queries, services
from mildpath.care.models import ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import WorkingHours

DEMO_CLINICIAN = "demo.clinician"
# A Medicare patient is treated within the approved study (coverage with evidence
# development), whose number the claim carries.
CED_STUDY = "NCT03072927"
MEDICARE_FROM_AGE = 65


def _at(day: date, hour: int, minute: int, location: Location) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=location.tz).astimezone(UTC)


def _clinician(fallback: Actor) -> tuple[Actor, Practitioner | None]:
    """The demo clinician's account and the practitioner it is, if the demo has them."""
    user = User.objects.filter(username=DEMO_CLINICIAN).select_related("staff_profile").first()
    if user is None:
        return fallback, None
    profile = getattr(user, "staff_profile", None)
    return Actor(user=user), getattr(profile, "practitioner", None)


def _operator(location: Location, preferred: Practitioner | None) -> Practitioner | None:
    """Who does procedures at ``location``: the demo clinician when she works there."""
    working = Practitioner.objects.filter(
        pk__in=WorkingHours.objects.filter(location=location).values("practitioner_id"),
        is_active=True,
    ).order_by("pk")
    if preferred is not None and working.filter(pk=preferred.pk).exists():
        return preferred
    return working.first()


def demo_clinical_history(
    *,
    fallback: Actor,
    patient: Patient,
    location: Location,
    consultation: date,
    visit: datetime,
    procedure: date,
    rng: random.Random,
) -> bool:
    """The patient's records from imaging to the signed procedure (see the module's
    docstring). Call after their baseline answers are in (the evaluation reads them) and
    inside the demo's transaction. False, writing nothing, when no one does procedures
    at ``location``."""
    actor, clinician = _clinician(fallback)
    operator = _operator(location, clinician)
    if operator is None:
        return False
    age = (procedure - patient.date_of_birth).days // 365
    medicare = age >= MEDICARE_FROM_AGE
    services.consent_update(
        actor=actor,
        patient=patient,
        registry=True,
        medicare=medicare,
        study_nct=CED_STUDY if medicare else "",
        study_enrolled_on=consultation if medicare else None,
        now=visit + timedelta(minutes=40),
    )
    flavum = Decimal(str(round(rng.uniform(4.2, 5.6), 1)))
    services.imaging_record(
        actor=actor,
        patient=patient,
        modality="mri",
        performed_on=consultation - timedelta(days=rng.randint(18, 30)),
        notes=(
            "Severe central canal stenosis at L4-L5 from ligamentum flavum hypertrophy; "
            "moderate at L3-L4. No instability on flexion-extension views."
        ),
        levels=[
            {
                "level": "L3-L4",
                "flavum_left_mm": Decimal("3.4"),
                "flavum_right_mm": Decimal("3.1"),
                "canal_area_mm2": Decimal("92.0"),
                "listhesis_mm": Decimal("0.0"),
                "listhesis_grade": 0,
                "foraminal": "mild",
                "disc": "Mild bulge",
            },
            {
                "level": "L4-L5",
                "flavum_left_mm": flavum,
                "flavum_right_mm": flavum - Decimal("0.4"),
                "canal_area_mm2": Decimal(str(round(rng.uniform(48, 68), 1))),
                "listhesis_mm": Decimal("2.0"),
                "listhesis_grade": 1,
                "foraminal": "moderate",
                "disc": "Broad-based bulge",
            },
        ],
        now=_at(consultation - timedelta(days=7), 16, 0, location),
    )
    current = criteria.current()
    # What the imaging and the baseline answers say is judged from them; the rest is
    # the clinician's, as asked at the consultation: every indication met, no exclusion.
    answers = {item.code: item.kind == "indication" for item in current.items}
    judged = criteria.evaluate(current, facts=queries.criteria_facts(patient), answers=answers)
    evaluation = services.evaluation_record(
        actor=actor,
        patient=patient,
        criteria=current,
        judged=judged,
        decision=criteria.suggested(current, judged),
        reasons=(
            "Neurogenic claudication for over a year despite physical therapy and two "
            "epidural injections; hypertrophic flavum at L4-L5 on MRI."
        ),
        now=visit + timedelta(minutes=35),
    )
    services.plan_record(
        actor=actor,
        patient=patient,
        evaluation=evaluation,
        diagnosis=ProcedureRecord.Diagnosis.WITH_CLAUDICATION,
        options=["mild", "conservative"],
        mild_levels=["L4-L5"],
        mild_side="both",
        other="",
        discussion=(
            "Went through mild, continuing physical therapy and surgery. The patient "
            "chose mild at L4-L5, both sides."
        ),
        summary_en=(
            "You chose the mild procedure at one level of your lower back (L4-L5), on "
            "both sides. We will call you with a date. Keep walking as much as is "
            "comfortable until then."
        ),
        summary_es=(
            "Usted eligió el procedimiento mild en un nivel de la parte baja de la "
            "espalda (L4-L5), en ambos lados. Le llamaremos para darle una fecha. Hasta "
            "entonces, siga caminando tanto como le resulte cómodo."
        ),
        now=visit + timedelta(minutes=45),
    )
    started = _at(procedure, 8, rng.choice((0, 30)), location)
    draft = services.procedure_draft_save(
        actor=actor,
        patient=patient,
        fields={
            "performed_on": procedure,
            "location": location,
            "operator": operator,
            "anaesthesia": ProcedureRecord.Anaesthesia.SEDATION,
            "contrast": "Omnipaque 180, 5 mL",
            "levels": ["L4-L5"],
            "side": "both",
            "started_at": started,
            "portal_at": started + timedelta(minutes=8),
            "decompressed_at": started + timedelta(minutes=38),
            "closed_at": started + timedelta(minutes=44),
            "discharged_at": started + timedelta(hours=2, minutes=10),
            "kit_lots": f"DEMO-{rng.randint(10000, 99999)}",
            "blood_loss_ml": rng.choice((2, 3, 5)),
            "diagnosis": ProcedureRecord.Diagnosis.WITH_CLAUDICATION,
            "medicare_ced": medicare,
            "study_nct": CED_STUDY if medicare else "",
            "notes": "Bilateral decompression at L4-L5 through one portal. No complications.",
        },
        now=started + timedelta(hours=1),
    )
    services.procedure_sign(actor=actor, procedure=draft, now=started + timedelta(hours=3))
    return True
