"""Every write of the clinical record: atomic, audited, taking the actor and the time.

A procedure record is written as a draft, signed (then the database refuses any change
to it), and amended only as a new version with its reason. Signing the first version
counts the patient's follow-up plan from the procedure date
(``questionnaires.services.follow_up_plan_reanchor``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.care import criteria as criteria_data
from mildpath.care.errors import AlreadyAmended, AppointmentRecorded, NotSigned, RecordSigned
from mildpath.care.models import (
    LEVELS,
    CareConsent,
    Complication,
    Document,
    Evaluation,
    ImagingStudy,
    LaterSurgery,
    LevelFinding,
    ProcedureRecord,
    TreatmentPlan,
)
from mildpath.core.services import submission_claim, submission_fulfil
from mildpath.patients.models import Patient
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import follow_up_plan_reanchor


def sent_once_form(*, kind: str, patient_id: int) -> str:
    """The name a chart form's key is claimed under: the form and the patient, so that a
    key sent again counts only for the same form of the same patient."""
    return f"care.{kind}/{patient_id}"


@transaction.atomic
def consent_update(
    *,
    actor: Actor,
    patient: Patient,
    registry: bool,
    medicare: bool,
    study_nct: str,
    study_enrolled_on: date | None,
    now: datetime,
) -> CareConsent:
    consent, _created = CareConsent.objects.select_for_update().get_or_create(
        patient=patient, defaults={"updated_at": now}
    )
    if registry and not consent.registry:
        consent.registry_at = now
    if not registry:
        consent.registry_at = None
    consent.registry = registry
    consent.medicare = medicare
    consent.study_nct = study_nct
    consent.study_enrolled_on = study_enrolled_on
    consent.updated_at = now
    consent.updated_by = actor.user
    consent.save()
    record(
        action="care.consent",
        actor=actor,
        now=now,
        obj=consent,
        patient_id=patient.pk,
        detail={"registry": registry, "medicare": medicare, "study": study_nct},
    )
    return consent


@transaction.atomic
def imaging_record(
    *,
    actor: Actor,
    patient: Patient,
    modality: str,
    performed_on: date,
    notes: str,
    levels: Sequence[Mapping[str, Any]],
    now: datetime,
    submission: UUID | None = None,
) -> ImagingStudy:
    """An imaging study with its findings per level (each a mapping of LevelFinding's
    fields, ``level`` included), all or nothing."""
    claim = submission_claim(
        key=submission, form=sent_once_form(kind="imaging", patient_id=patient.pk), now=now
    )
    study = ImagingStudy.objects.create(
        patient=patient,
        modality=modality,
        performed_on=performed_on,
        notes=notes,
        created_at=now,
        created_by=actor.user,
    )
    for finding in levels:
        LevelFinding.objects.create(study=study, **finding)
    submission_fulfil(claim=claim, made=study)
    record(
        action="care.imaging",
        actor=actor,
        now=now,
        obj=study,
        patient_id=patient.pk,
        detail={"levels": [finding["level"] for finding in levels]},
    )
    return study


@transaction.atomic
def evaluation_record(
    *,
    actor: Actor,
    patient: Patient,
    criteria: criteria_data.Criteria,
    judged: Sequence[criteria_data.Judgement],
    decision: str,
    reasons: str,
    now: datetime,
    submission: UUID | None = None,
) -> Evaluation:
    """The clinician's decision, with each criterion as judged and the criteria version
    that judged it."""
    claim = submission_claim(
        key=submission, form=sent_once_form(kind="evaluation", patient_id=patient.pk), now=now
    )
    evaluation = Evaluation.objects.create(
        patient=patient,
        criteria_version=criteria.version,
        findings={
            judgement.code: {"met": judgement.met, "by": judgement.by, "value": judgement.value}
            for judgement in judged
        },
        decision=decision,
        reasons=reasons,
        clinician=actor.user,
        created_at=now,
    )
    submission_fulfil(claim=claim, made=evaluation)
    record(
        action="care.evaluate",
        actor=actor,
        now=now,
        obj=evaluation,
        patient_id=patient.pk,
        detail={"decision": decision, "criteria": criteria.version},
    )
    return evaluation


@transaction.atomic
def plan_record(
    *,
    actor: Actor,
    patient: Patient,
    evaluation: Evaluation | None,
    options: Sequence[str],
    mild_levels: Sequence[str],
    mild_side: str,
    other: str,
    discussion: str,
    summary_en: str,
    summary_es: str,
    now: datetime,
    submission: UUID | None = None,
    diagnosis: str = "",
) -> TreatmentPlan:
    """A treatment plan agreed with the patient; ``diagnosis``: what it treats (ICD-10-CM,
    ``Diagnosis``), which the procedure record then starts from."""
    claim = submission_claim(
        key=submission, form=sent_once_form(kind="plan", patient_id=patient.pk), now=now
    )
    plan = TreatmentPlan.objects.create(
        patient=patient,
        evaluation=evaluation,
        diagnosis=diagnosis,
        options=list(options),
        mild_levels=list(mild_levels),
        mild_side=mild_side,
        other=other,
        discussion=discussion,
        summary_en=summary_en,
        summary_es=summary_es,
        created_by=actor.user,
        created_at=now,
    )
    submission_fulfil(claim=claim, made=plan)
    record(
        action="care.plan",
        actor=actor,
        now=now,
        obj=plan,
        patient_id=patient.pk,
        detail={"options": list(options), **({"diagnosis": diagnosis} if diagnosis else {})},
    )
    return plan


PROCEDURE_FIELDS = (
    "appointment",
    "performed_on",
    "location",
    "operator",
    "anaesthesia",
    "fluoroscopy",
    "epidurogram",
    "contrast",
    "levels",
    "side",
    "started_at",
    "portal_at",
    "decompressed_at",
    "closed_at",
    "discharged_at",
    "kit_lots",
    "blood_loss_ml",
    "diagnosis",
    "medicare_ced",
    "study_nct",
    "notes",
)


@transaction.atomic
def procedure_draft_save(
    *,
    actor: Actor,
    patient: Patient,
    fields: Mapping[str, Any],
    now: datetime,
    draft: ProcedureRecord | None = None,
    submission: UUID | None = None,
) -> ProcedureRecord:
    """Write a new procedure record as a draft, or change a draft (never a signed one:
    RecordSigned). An appointment belongs to one procedure record: AppointmentRecorded
    when another has it (the form says so first; this is for two saves at once)."""
    unknown = set(fields) - set(PROCEDURE_FIELDS)
    if unknown:
        raise ValueError(f"not procedure fields: {sorted(unknown)}")
    claim = None
    if draft is None:
        claim = submission_claim(
            key=submission, form=sent_once_form(kind="procedure", patient_id=patient.pk), now=now
        )
        procedure = ProcedureRecord(patient=patient, created_at=now, created_by=actor.user)
    else:
        procedure = ProcedureRecord.objects.select_for_update().get(pk=draft.pk, patient=patient)
        if procedure.signed_at is not None:
            raise RecordSigned
    for name, value in fields.items():
        setattr(procedure, name, value)
    try:
        # A savepoint: the constraint's refusal is explained, not a 500.
        with transaction.atomic():
            procedure.save()
    except IntegrityError:
        appointment_id = procedure.appointment_id
        if (
            appointment_id is not None
            and ProcedureRecord.objects.filter(appointment_id=appointment_id, amends__isnull=True)
            .exclude(pk=procedure.pk)
            .exists()
        ):
            raise AppointmentRecorded from None
        raise
    if procedure.chain is None:
        procedure.chain = procedure.pk
        procedure.save(update_fields=["chain"])
    submission_fulfil(claim=claim, made=procedure)
    record(
        action="procedure.draft",
        actor=actor,
        now=now,
        obj=procedure,
        patient_id=patient.pk,
        detail={"version": procedure.version, "fields": sorted(fields)},
    )
    return procedure


def _counted_from_replaced_date(amendment: ProcedureRecord) -> bool:
    """Whether this amendment corrects the date that the patient's follow-up plan is
    counted from (then the plan is counted again, from the corrected date)."""
    replaced = amendment.amends
    return (
        replaced is not None
        and replaced.performed_on != amendment.performed_on
        and TimePoint.objects.filter(
            patient_id=amendment.patient_id,
            superseded_at__isnull=True,
            anchor=TimePoint.Anchor.PROCEDURE,
            anchor_date=replaced.performed_on,
        ).exists()
    )


@transaction.atomic
def procedure_sign(*, actor: Actor, procedure: ProcedureRecord, now: datetime) -> ProcedureRecord:
    """Sign a draft: from now on the database refuses any change to it. Signing the
    first version of a procedure counts the follow-up plan from its date; signing an
    amendment that corrects that date counts it again from the corrected one."""
    locked = ProcedureRecord.objects.select_for_update().get(pk=procedure.pk)
    if locked.signed_at is not None:
        raise RecordSigned
    locked.signed_at = now
    locked.signed_by = actor.user
    locked.save(update_fields=["signed_at", "signed_by"])
    record(
        action="procedure.sign",
        actor=actor,
        now=now,
        obj=locked,
        patient_id=locked.patient_id,
        detail={"version": locked.version},
    )
    if locked.version == 1 or _counted_from_replaced_date(locked):
        follow_up_plan_reanchor(
            actor=actor,
            patient=locked.patient,
            location=locked.location,
            procedure_date=locked.performed_on,
            now=now,
        )
    return locked


@transaction.atomic
def procedure_amend(
    *,
    actor: Actor,
    procedure: ProcedureRecord,
    reason: str,
    fields: Mapping[str, Any],
    now: datetime,
) -> ProcedureRecord:
    """A new version of a signed record, as a draft to sign, with the reason for the
    change; the signed version stays as it was."""
    locked = ProcedureRecord.objects.select_for_update().get(pk=procedure.pk)
    if locked.signed_at is None:
        raise NotSigned
    if ProcedureRecord.objects.filter(amends=locked).exists():
        raise AlreadyAmended
    if not reason.strip():
        raise ValueError("an amendment needs a reason")
    values = {name: getattr(locked, name) for name in PROCEDURE_FIELDS}
    values.update(fields)
    amended = ProcedureRecord.objects.create(
        patient_id=locked.patient_id,
        chain=locked.chain,
        version=locked.version + 1,
        amends=locked,
        amendment_reason=reason.strip(),
        created_at=now,
        created_by=actor.user,
        **values,
    )
    record(
        action="procedure.amend",
        actor=actor,
        now=now,
        obj=amended,
        patient_id=locked.patient_id,
        detail={"version": amended.version, "reason": reason.strip()[:200]},
    )
    return amended


@transaction.atomic
def complication_record(
    *,
    actor: Actor,
    procedure: ProcedureRecord,
    phase: str,
    grade: str,
    description: str,
    occurred_on: date,
    now: datetime,
    submission: UUID | None = None,
) -> Complication:
    """A complication, attached to the procedure (every version of it), however long
    after it is recorded."""
    claim = submission_claim(
        key=submission,
        form=sent_once_form(kind="complication", patient_id=procedure.patient_id),
        now=now,
    )
    complication = Complication.objects.create(
        patient_id=procedure.patient_id,
        chain=procedure.chain or procedure.pk,
        phase=phase,
        grade=grade,
        description=description,
        occurred_on=occurred_on,
        recorded_at=now,
        recorded_by=actor.user,
    )
    submission_fulfil(claim=claim, made=complication)
    record(
        action="care.complication",
        actor=actor,
        now=now,
        obj=complication,
        patient_id=procedure.patient_id,
        detail={"grade": grade, "phase": phase},
    )
    return complication


@transaction.atomic
def later_surgery_record(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    levels: Sequence[str],
    performed_on: date,
    note: str,
    now: datetime,
    submission: UUID | None = None,
) -> LaterSurgery:
    """Spine surgery the patient had after mild, as the clinician learned of it: with a
    repeat mild procedure, it ends the registry's "freedom from further treatment".
    ValueError for an unknown kind, no level or an unknown one, or a date after today
    (the practice's day, as the chart's forms count it): the registry would count it."""
    known = [code for code, _label in LEVELS]
    if kind not in LaterSurgery.Kind.values:
        raise ValueError(f"not a kind of later surgery: {kind!r}")
    if not levels or any(level not in known for level in levels):
        raise ValueError(f"levels must be some of {known}: {list(levels)!r}")
    if performed_on > timezone.localdate(now):
        raise ValueError("a later surgery cannot be dated in the future")
    claim = submission_claim(
        key=submission, form=sent_once_form(kind="surgery", patient_id=patient.pk), now=now
    )
    surgery = LaterSurgery.objects.create(
        patient=patient,
        kind=kind,
        levels=[code for code in known if code in levels],
        performed_on=performed_on,
        note=note,
        recorded_at=now,
        recorded_by=actor.user,
    )
    submission_fulfil(claim=claim, made=surgery)
    record(
        action="surgery.record",
        actor=actor,
        now=now,
        obj=surgery,
        patient_id=patient.pk,
        detail={"kind": kind, "levels": surgery.levels},
    )
    return surgery


def documents_dir() -> Path:
    return Path(settings.MILDPATH_DOCUMENTS_DIR)


@dataclass(frozen=True)
class Upload:
    content: bytes
    content_type: str  # read from the content (care.files.sniff), never the name


@transaction.atomic
def document_store(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    title: str,
    upload: Upload,
    now: datetime,
    submission: UUID | None = None,
) -> Document:
    """Keep a document outside the web root under a name of our own. The file is written
    first: a failed write leaves no row, a failed row removes the file; a rollback of
    the caller's transaction later can leave a file no row names, never served."""
    claim = submission_claim(
        key=submission, form=sent_once_form(kind="document", patient_id=patient.pk), now=now
    )
    stored_as = f"{uuid.uuid4().hex}.bin"
    folder = documents_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_as
    path.write_bytes(upload.content)
    try:
        document = Document.objects.create(
            patient=patient,
            kind=kind,
            title=title,
            content_type=upload.content_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            stored_as=stored_as,
            uploaded_at=now,
            uploaded_by=actor.user,
        )
        record(
            action="document.upload",
            actor=actor,
            now=now,
            obj=document,
            patient_id=patient.pk,
            detail={"kind": kind, "type": upload.content_type, "size": len(upload.content)},
        )
        submission_fulfil(claim=claim, made=document)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return document
