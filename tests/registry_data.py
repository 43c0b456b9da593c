"""Registry patients written straight into the tables, for the outcomes tests: a
consent, a signed procedure, answers on given days. (The clinical services and their
forms have their own tests; the registry reads whatever they wrote.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from mildpath.care.models import CareConsent, ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.questionnaires.models import Response, TimePoint
from tests.helpers import NOW

PROCEDURE_DAY = date(2026, 1, 15)


class Build:
    """Registry patients written straight into the tables (the clinical services and
    their forms have their own tests): consent, a signed procedure, answers."""

    def __init__(self) -> None:
        self.location = Location.objects.get(slug="santa-monica")
        self.other_location = Location.objects.exclude(pk=self.location.pk).first()
        self.operator = Practitioner.objects.filter(locations=self.location).earliest("pk")
        self.count = 0

    def patient(
        self,
        *,
        born: date = date(1950, 6, 1),
        consent: bool = True,
        medicare: bool = False,
        on: date = PROCEDURE_DAY,
        levels: tuple[str, ...] = ("L4-L5",),
        location: Location | None = None,
        signed: bool = True,
        postal_code: str = "90401",
        kit_lots: str = "",
    ) -> Patient:
        self.count += 1
        patient = Patient.objects.create(
            given_name=f"Reg{self.count}",
            family_name="Registry",
            date_of_birth=born,
            phone=f"+1310555{self.count:04d}",
            postal_code=postal_code,
            created_at=NOW,
        )
        CareConsent.objects.create(
            patient=patient,
            registry=consent,
            registry_at=NOW if consent else None,
            medicare=medicare,
            updated_at=NOW,
        )
        self.procedure(
            patient, on=on, levels=levels, location=location, signed=signed, kit_lots=kit_lots
        )
        return patient

    def procedure(
        self,
        patient: Patient,
        *,
        on: date,
        levels: tuple[str, ...] = ("L4-L5",),
        location: Location | None = None,
        signed: bool = True,
        kit_lots: str = "",
    ) -> ProcedureRecord:
        record = ProcedureRecord.objects.create(
            patient=patient,
            performed_on=on,
            location=location or self.location,
            operator=self.operator,
            anaesthesia="sedation",
            levels=list(levels),
            side="both",
            diagnosis="M48.062",
            kit_lots=kit_lots,
            created_at=NOW,
        )
        ProcedureRecord.objects.filter(pk=record.pk).update(
            chain=record.pk, signed_at=NOW if signed else None
        )
        return record

    def answer(
        self, patient: Patient, instrument: str, on: date, scores: dict[str, object]
    ) -> Response:
        at = datetime.combine(on, time(18, 0), tzinfo=UTC)  # 10:00 in Los Angeles
        point = TimePoint.objects.create(
            patient=patient,
            location=self.location,
            code=f"t{TimePoint.objects.count()}",
            anchor="procedure",
            anchor_date=PROCEDURE_DAY,
            target=on,
            opens_at=at - timedelta(days=1),
            closes_at=at + timedelta(days=1),
            created_at=NOW,
            superseded_at=NOW,  # outside any plan: the registry reads answers by date
        )
        return Response.objects.create(
            time_point=point,
            patient=patient,
            instrument=instrument,
            version="1",
            status="complete",
            scores=scores,
            mode="link",
            language="en",
            started_at=at,
            updated_at=at,
            completed_at=at,
        )

    def treated(self, n: int, *, month: int = 12, seed: int = 1) -> list[Patient]:
        """``n`` patients answering every measure before the procedure and ``month``
        months after it, better after (walking and standing longer, less pain)."""
        import numpy as np

        rng = np.random.default_rng(seed)
        after_day = PROCEDURE_DAY + timedelta(days=round(month * 30.44))
        patients = []
        for _ in range(n):
            patient = self.patient()
            odi = float(rng.integers(30, 60))
            leg = int(rng.integers(5, 10))
            feet = int(rng.integers(100, 500))
            minutes = int(rng.integers(2, 15))
            before = PROCEDURE_DAY - timedelta(days=2)
            self.answer(patient, "odi", before, {"odi": odi})
            self.answer(patient, "nrs", before, {"nrs_back": leg - 1, "nrs_leg": leg})
            self.answer(patient, "walking", before, {"walking_feet": feet, "walking_capped": False})
            self.answer(
                patient, "standing", before, {"standing_minutes": minutes, "standing_capped": False}
            )
            gain = int(rng.integers(5, 25))
            self.answer(patient, "odi", after_day, {"odi": max(odi - gain, 0.0)})
            self.answer(
                patient, "nrs", after_day, {"nrs_back": max(leg - 4, 0), "nrs_leg": max(leg - 4, 0)}
            )
            self.answer(
                patient, "walking", after_day, {"walking_feet": feet * 8, "walking_capped": False}
            )
            capped = minutes * 3 >= 30
            self.answer(
                patient,
                "standing",
                after_day,
                {"standing_minutes": min(minutes * 3, 30), "standing_capped": capped},
            )
            patients.append(patient)
        return patients
