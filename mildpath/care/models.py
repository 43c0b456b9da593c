"""The clinical record of an LSS patient: consent, imaging findings per level,
candidacy evaluations, treatment plans, procedure records (signed, then amended only
as new versions) with their complications, and documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment

LEVELS = [
    ("L1-L2", "L1-L2"),
    ("L2-L3", "L2-L3"),
    ("L3-L4", "L3-L4"),
    ("L4-L5", "L4-L5"),
    ("L5-S1", "L5-S1"),
]


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BOTH = "both", _("Both sides")


class CareConsent(models.Model):
    """What the patient agreed to beyond their care: their data in the practice's
    outcomes registry, and, for a Medicare patient, enrolment in the approved study
    under which Medicare covers the procedure (coverage with evidence development)."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="care_consent", verbose_name=_("patient")
    )
    registry = models.BooleanField(_("agrees to registry use of their data"), default=False)
    registry_at = models.DateTimeField(_("registry consent given"), null=True, blank=True)
    medicare = models.BooleanField(_("Medicare patient"), default=False)
    study_nct = models.CharField(_("approved study (NCT number)"), max_length=11, blank=True)
    study_enrolled_on = models.DateField(_("enrolled in the study on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(study_nct="") | Q(study_nct__regex=r"^NCT[0-9]{8}$"),
                name="care_consent_nct_format",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.patient_id}"


class ImagingStudy(models.Model):
    class Modality(models.TextChoices):
        MRI = "mri", _("MRI")
        CT = "ct", _("CT")
        CT_MYELOGRAM = "ct_myelo", _("CT myelogram")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="imaging", verbose_name=_("patient")
    )
    modality = models.CharField(_("modality"), max_length=10, choices=Modality.choices)
    performed_on = models.DateField(_("date of the study"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("imaging study")
        verbose_name_plural = _("imaging studies")
        ordering = ["-performed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.modality} {self.performed_on}"


class LevelFinding(models.Model):
    """One spinal level of an imaging study. The database refuses values outside what
    a human spine can measure; the form says which field and why first."""

    class Foraminal(models.TextChoices):
        NONE = "none", _("None")
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    study = models.ForeignKey(
        ImagingStudy, on_delete=models.CASCADE, related_name="levels", verbose_name=_("study")
    )
    level = models.CharField(_("level"), max_length=5, choices=LEVELS)
    flavum_left_mm = models.DecimalField(
        _("ligamentum flavum, left (mm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    flavum_right_mm = models.DecimalField(
        _("ligamentum flavum, right (mm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    canal_area_mm2 = models.DecimalField(
        _("canal cross-sectional area (mm²)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    listhesis_mm = models.DecimalField(
        _("anterior listhesis (mm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    listhesis_grade = models.PositiveSmallIntegerField(
        _("listhesis grade (Meyerding 0 to 4)"), null=True, blank=True
    )
    foraminal = models.CharField(
        _("foraminal stenosis"), max_length=10, choices=Foraminal.choices, blank=True
    )
    disc = models.CharField(_("disc"), max_length=300, blank=True)
    osteophyte = models.CharField(_("osteophytes"), max_length=300, blank=True)
    facet = models.CharField(_("facets"), max_length=300, blank=True)

    # Physical ranges, shared with the form's own checks (forms.py).
    RANGES = {
        "flavum_left_mm": (0, 15),
        "flavum_right_mm": (0, 15),
        "canal_area_mm2": (0, 400),
        "listhesis_mm": (0, 40),
        "listhesis_grade": (0, 4),
    }

    class Meta:
        verbose_name = _("finding at a level")
        verbose_name_plural = _("findings by level")
        ordering = ["study", "level"]
        constraints = [
            models.UniqueConstraint(fields=["study", "level"], name="care_level_once_per_study"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"care_level_{name}_in_range",
                )
                for name, (low, high) in {
                    "flavum_left_mm": (0, 15),
                    "flavum_right_mm": (0, 15),
                    "canal_area_mm2": (0, 400),
                    "listhesis_mm": (0, 40),
                    "listhesis_grade": (0, 4),
                }.items()
            ],
        ]

    def __str__(self) -> str:
        return f"{self.level} ({self.study_id})"


class Evaluation(models.Model):
    """A clinician's judgement of candidacy for mild: each criterion of the criteria
    version in force, met or not (from recorded data or the clinician's answer), and
    the decision with its reasons. A new evaluation is a new row; a criteria version
    that changes later never touches this one."""

    class Decision(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate for mild")
        NOT_CANDIDATE = "not_candidate", _("Not a candidate")
        MORE_INFORMATION = "more_info", _("Needs more information")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("patient")
    )
    criteria_version = models.CharField(_("criteria version"), max_length=20)
    # {criterion code: {"met": true|false|null, "by": "data"|"clinician", "value": ...}}
    findings = models.JSONField(_("criteria"))
    decision = models.CharField(_("decision"), max_length=15, choices=Decision.choices)
    reasons = models.TextField(_("reasons"))
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("evaluated"))

    class Meta:
        verbose_name = _("candidacy evaluation")
        verbose_name_plural = _("candidacy evaluations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} ({self.patient_id})"


class Diagnosis(models.TextChoices):
    # ICD-10-CM: spinal stenosis, lumbar region, without / with neurogenic claudication.
    WITHOUT_CLAUDICATION = (
        "M48.061",
        _("M48.061: lumbar stenosis without neurogenic claudication"),
    )
    WITH_CLAUDICATION = "M48.062", _("M48.062: lumbar stenosis with neurogenic claudication")


class TreatmentPlan(models.Model):
    class Option(models.TextChoices):
        CONSERVATIVE = (
            "conservative",
            _("Conservative care (physical therapy, exercise, medicines)"),
        )
        EPIDURAL = "epidural", _("Epidural steroid injection")
        MILD = "mild", _("The mild procedure")
        SURGICAL_REFERRAL = "surgery", _("Referral to a spine surgeon")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="plans", verbose_name=_("patient")
    )
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="plans", null=True, blank=True
    )
    # What the plan treats (blank on plans written before the plan recorded it).
    diagnosis = models.CharField(
        _("diagnosis"), max_length=8, choices=Diagnosis.choices, blank=True
    )
    options = models.JSONField(_("options chosen"))
    mild_levels = models.JSONField(_("levels for mild"), default=list)
    mild_side = models.CharField(
        _("sides for mild"), max_length=5, choices=Side.choices, blank=True
    )
    other = models.CharField(_("other option"), max_length=200, blank=True)
    discussion = models.TextField(_("shared decision: what was discussed and decided"))
    summary_en = models.TextField(_("summary for the patient (English)"))
    summary_es = models.TextField(_("summary for the patient (Spanish)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("planned"))

    class Meta:
        verbose_name = _("treatment plan")
        verbose_name_plural = _("treatment plans")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.patient_id})"


class ProcedureRecord(models.Model):
    """One version of the record of a mild procedure, structured on its steps. A draft
    may be edited; signing locks it (the database refuses any change to a signed row,
    as it does for the audit trail: migration 0002); an amendment is a new version with
    its reason, pointing at the version it replaces. ``chain`` is the first version's
    id, shared by every version of one procedure."""

    class Anaesthesia(models.TextChoices):
        LOCAL = "local", _("Local")
        SEDATION = "sedation", _("Local with sedation")

    Diagnosis = Diagnosis

    CPT = "0275T"  # percutaneous laminotomy/laminectomy (interlaminar), lumbar
    CED_DIAGNOSIS = "Z00.6"  # examination of participant in a clinical research programme
    CED_MODIFIER = "Q0"  # investigational clinical service within an approved study

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("patient")
    )
    chain = models.BigIntegerField(_("procedure"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amended_by"
    )
    amendment_reason = models.CharField(_("reason for the amendment"), max_length=300, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="procedures"
    )
    performed_on = models.DateField(_("date"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    anaesthesia = models.CharField(_("anaesthesia"), max_length=10, choices=Anaesthesia.choices)
    fluoroscopy = models.BooleanField(_("fluoroscopy"), default=True)
    epidurogram = models.BooleanField(_("epidurogram"), default=True)
    contrast = models.CharField(_("contrast"), max_length=100, blank=True)
    levels = models.JSONField(_("levels treated"))
    side = models.CharField(_("sides"), max_length=5, choices=Side.choices)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    portal_at = models.DateTimeField(_("portal placed"), null=True, blank=True)
    decompressed_at = models.DateTimeField(_("decompression done"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged"), null=True, blank=True)
    kit_lots = models.CharField(_("kit lot numbers"), max_length=200, blank=True)
    blood_loss_ml = models.PositiveIntegerField(_("blood loss (mL)"), null=True, blank=True)
    diagnosis = models.CharField(_("diagnosis"), max_length=8, choices=Diagnosis.choices)
    medicare_ced = models.BooleanField(_("Medicare patient in an approved study"), default=False)
    study_nct = models.CharField(_("study (NCT number)"), max_length=11, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("written"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("procedure record")
        verbose_name_plural = _("procedure records")
        ordering = ["-performed_on", "chain", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "version"], name="care_procedure_version_once"
            ),
            # One procedure per appointment; its amendments carry the same appointment.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(amends__isnull=True),
                name="care_procedure_one_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(medicare_ced=False) | Q(study_nct__regex=r"^NCT[0-9]{8}$"),
                name="care_procedure_ced_names_its_study",
            ),
            models.CheckConstraint(
                condition=Q(amends__isnull=True) | ~Q(amendment_reason=""),
                name="care_procedure_amendment_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(started_at__isnull=True)
                    | Q(closed_at__isnull=True)
                    | Q(closed_at__gte=models.F("started_at"))
                ),
                name="care_procedure_closed_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"procedure {self.chain} v{self.version}"


class Complication(models.Model):
    """A complication of a procedure, during it or after, graded by Clavien-Dindo.
    It belongs to the procedure (its chain), whichever version is current."""

    class Phase(models.TextChoices):
        INTRA = "intra", _("During the procedure")
        POST = "post", _("After the procedure")

    class Grade(models.TextChoices):
        I = "I", _("I: any deviation from the normal course, no treatment needed")  # noqa: E741
        II = "II", _("II: needed medicines")
        IIIA = "IIIa", _("IIIa: needed an intervention without general anaesthesia")
        IIIB = "IIIb", _("IIIb: needed an intervention under general anaesthesia")
        IVA = "IVa", _("IVa: life-threatening, single organ")
        IVB = "IVb", _("IVb: life-threatening, several organs")
        V = "V", _("V: death")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    chain = models.BigIntegerField(_("procedure"))
    phase = models.CharField(_("when"), max_length=5, choices=Phase.choices)
    grade = models.CharField(_("Clavien-Dindo grade"), max_length=4, choices=Grade.choices)
    description = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("complication")
        verbose_name_plural = _("complications")
        ordering = ["occurred_on", "id"]
        indexes = [models.Index(fields=["chain"])]

    def __str__(self) -> str:
        return f"{self.grade} ({self.chain})"


class LaterSurgery(models.Model):
    """Spine surgery after mild (an open decompression, a fusion, ...): with a repeat
    mild procedure, the event that ends "freedom from further treatment" in the
    registry's Kaplan-Meier curve. Recorded by a clinician when they learn of it."""

    class Kind(models.TextChoices):
        DECOMPRESSION = "decompression", _("Open or microscopic decompression")
        FUSION = "fusion", _("Fusion")
        SPACER = "spacer", _("Interspinous spacer")
        OTHER = "other", _("Other spine surgery")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    kind = models.CharField(_("surgery"), max_length=15, choices=Kind.choices)
    levels = models.JSONField(_("levels"), default=list)
    performed_on = models.DateField(_("date of the surgery"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("later surgery")
        verbose_name_plural = _("later surgeries")
        ordering = ["performed_on", "id"]
        indexes = [models.Index(fields=["patient", "performed_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.performed_on:%Y-%m-%d} ({self.patient_id})"


class Document(models.Model):
    """A file on the patient's chart (an imaging report, a referral letter, a signed
    consent), stored outside the web root under MILDPATH_DOCUMENTS_DIR and served only
    through an audited view. Its type is read from its content, never its name."""

    class Kind(models.TextChoices):
        IMAGING = "imaging", _("Imaging report")
        REFERRAL = "referral", _("Referral letter")
        CONSENT = "consent", _("Signed consent")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="documents", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(_("type"), max_length=30)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=80, unique=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title
