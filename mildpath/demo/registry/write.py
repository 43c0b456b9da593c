"""Writing a drawn batch of synthetic registry patients: the patients, their consents,
signed procedure records, complications, later surgeries, follow-up plans and answered
questionnaires, with ``bulk_create``."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mildpath.care.models import CareConsent, Complication, LaterSurgery, ProcedureRecord
from mildpath.patients.models import Patient
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.questionnaires.plan import (
    BASELINE,
    PlannedTimePoint,
    TimePointRule,
    plan_time_points,
)

from .draw import COMPLICATIONS, LEVEL_SETS, SURGERY_KINDS, Batch
from .places import PhoneBook, Site, _restricted_zips

STUDY_NCT = "NCT03072927"  # the CMS-approved study for Medicare coverage (DOMAIN.md)

EN_GIVEN = (
    "Margaret Robert Linda James Patricia William Barbara Richard Susan Thomas Dorothy "
    "Charles Carol Donald Nancy Gary Sharon Kenneth Judith Ronald Janet Larry Joyce Dennis "
    "Diane Frank Evelyn George Ruth Harold Joan Walter Shirley Arthur Helen Raymond "
    "Kathleen Eugene Marilyn Gerald Mei Hiroshi Grace Wei Anh Minh Sun Kyung"
).split()
ES_GIVEN = (
    "María José Guadalupe Juan Rosa Jesús Carmen Manuel Teresa Francisco Ana Luis "
    "Margarita Antonio Elena Jorge Dolores Ramón Alicia Miguel Socorro Rafael Josefina "
    "Roberto Leticia Alfredo Esperanza Arturo Graciela Ernesto Silvia Raúl Consuelo Héctor "
    "Lourdes Enrique Beatriz Armando Yolanda Salvador"
).split()
EN_FAMILY = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King "
    "Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Carter Roberts Nguyen Kim "
    "Lee Chen Wong Park Tran Patel Nakamura Sato Cohen Murphy O'Brien Sullivan Kowalski"
).split()
ES_FAMILY = (
    "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres "
    "Flores Rivera Gómez Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz Álvarez "
    "Mendoza Castillo Jiménez Vásquez Romero Herrera Medina Aguilar Vargas Castro Guzmán "
    "Fernández Muñoz Salazar Delgado Contreras Navarro"
).split()

SIDES = ("both", "left", "right")
MODES = (Response.Mode.LINK, Response.Mode.TABLET, Response.Mode.PAPER)
INSTRUMENT_SECONDS = {"nrs": 60, "odi": 240, "zcq": 300, "standing": 45, "walking": 60}


@functools.lru_cache(maxsize=8192)
def _planned(
    anchor: date, time_zone: str, rules_: tuple[TimePointRule, ...]
) -> tuple[PlannedTimePoint, ...]:
    return tuple(plan_time_points(anchor=anchor, tz=ZoneInfo(time_zone), schedule=rules_))


def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    days, minutes = divmod(int(minutes), 24 * 60)
    local = datetime.combine(day + timedelta(days=days), time(minutes // 60, minutes % 60))
    return local.replace(tzinfo=tz).astimezone(UTC)


def _weekday_before(day: date) -> date:
    return day - timedelta(days=max(0, day.weekday() - 4))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in folded.lower() if char.isalnum())


def _write(
    b: Batch,
    sites: list[Site],
    phones: PhoneBook,
    rules_: Sequence[TimePointRule],
    *,
    now: datetime,
) -> tuple[int, int]:
    """Insert one drawn batch; the first and last new patient ids."""
    numbers = phones.take(b.count)
    restricted = _restricted_zips()
    people: list[Patient] = []
    plans: list[tuple[Site, date, date, datetime | None]] = []
    consents: list[CareConsent] = []
    procedures: list[tuple[ProcedureRecord, datetime, int | None]] = []
    surgeries: list[LaterSurgery] = []
    complications: list[Complication] = []
    for i in range(b.count):
        site = sites[int(b.site[i])]
        today = now.astimezone(site.tz).date()
        day = _weekday_before(today - timedelta(days=int(b.days_ago[i])))
        spanish = bool(b.spanish[i])
        given_names = ES_GIVEN if spanish else EN_GIVEN
        family_names = ES_FAMILY if spanish or b.spanish_family[i] else EN_FAMILY
        given = given_names[int(b.given[i]) % len(given_names)]
        family = family_names[int(b.family[i]) % len(family_names)]
        age = int(b.age[i])
        birthday = day.replace(year=day.year - age, day=min(day.day, 28))
        baseline_day = day - timedelta(days=int(b.baseline_back[i]))
        consulted = _at(baseline_day - timedelta(days=int(b.consult_back[i])), 8 * 60, site.tz)
        pool = restricted if b.restricted[i] and restricted else site.zips
        email = f"{_ascii(given)}.{_ascii(family)}.{numbers[i][-7:]}@example.org"
        patient = Patient(
            given_name=given,
            family_name=family,
            date_of_birth=birthday - timedelta(days=int(b.birthday_back[i])),
            phone=numbers[i],
            email=email if b.email[i] else "",
            postal_code=pool[int(b.zip_pick[i] * len(pool))] if pool else "",
            preferred_language="es" if spanish else "en",
            created_at=consulted,
        )
        people.append(patient)
        medicare = age >= 65  # and so enrolled in the approved study, as CMS requires
        consents.append(
            CareConsent(
                patient=patient,
                registry=bool(b.registry[i]),
                registry_at=consulted if b.registry[i] else None,
                medicare=medicare,
                study_nct=STUDY_NCT if medicare else "",
                study_enrolled_on=consulted.astimezone(site.tz).date() if medicare else None,
                updated_at=consulted,
            )
        )
        procedures.append(_procedure(b, i, patient, site, day, medicare))
        ends: datetime | None = None
        event_day = day + timedelta(days=int(b.event_after[i]))
        if b.event[i] == 1:
            event_day = _weekday_before(event_day)
        if b.event[i] and event_day <= today - timedelta(days=2):
            ends = _at(event_day, 0, site.tz)
            if b.event[i] == 1:
                procedures.append(_procedure(b, i, patient, site, event_day, medicare))
            else:
                recorded = event_day + timedelta(days=7 + int(b.event_after[i]) % 40)
                surgeries.append(
                    LaterSurgery(
                        patient=patient,
                        kind=SURGERY_KINDS[int(b.surgery_kind[i])],
                        levels=list(LEVEL_SETS[int(b.levels[i])][0]),
                        performed_on=event_day,
                        recorded_at=min(_at(recorded, 11 * 60, site.tz), now - timedelta(hours=1)),
                    )
                )
        if b.complication[i] >= 0:
            phase, grade, description = COMPLICATIONS[int(b.complication[i])]
            on = day if phase == "intra" else day + timedelta(days=int(b.complication_after[i]))
            on = min(on, today - timedelta(days=1))
            complications.append(
                Complication(
                    patient=patient,
                    chain=0,  # the procedure's id, once it has one
                    phase=phase,
                    grade=grade,
                    description=description,
                    occurred_on=on,
                    recorded_at=min(_at(on, 17 * 60, site.tz), now - timedelta(hours=1)),
                )
            )
        plans.append((site, day, baseline_day, ends))

    Patient.objects.bulk_create(people)
    through = Patient.locations.through
    through.objects.bulk_create(
        through(patient_id=patient.pk, location_id=plan[0].location.pk)
        for patient, plan in zip(people, plans, strict=True)
    )
    CareConsent.objects.bulk_create(consents)
    records = [row for row, _, _ in procedures]
    ProcedureRecord.objects.bulk_create(records)
    # Signed together with the chain, while the stored rows are still unsigned: the
    # database refuses any change to a signed row (care migration 0002). One UPDATE a
    # row: bulk_update's CASE expressions cost five times as much here.
    for row, signed_at, signer in procedures:
        row.chain, row.signed_at, row.signed_by_id = row.pk, signed_at, signer
        ProcedureRecord.objects.filter(pk=row.pk).update(
            chain=row.pk, signed_at=signed_at, signed_by=signer
        )
    first_chain: dict[int, int] = {}
    for row in records:
        first_chain.setdefault(row.patient_id, row.pk)
    for complication in complications:
        complication.chain = first_chain[complication.patient.pk]
    Complication.objects.bulk_create(complications)
    LaterSurgery.objects.bulk_create(surgeries)
    points, responses = _follow_up(b, people, plans, rules_, now=now)
    TimePoint.objects.bulk_create(points)
    Response.objects.bulk_create(responses, batch_size=2000)
    return people[0].pk, people[-1].pk


def _procedure(
    b: Batch, i: int, patient: Patient, site: Site, day: date, medicare: bool
) -> tuple[ProcedureRecord, datetime, int | None]:
    """A procedure record, unsigned, with when it is signed and by whom (the operator's
    staff account, when they have one)."""
    start, portal, decompressed, closed, discharged, signed = (int(m) for m in b.clock[i])
    operator = int(b.operator[i]) % len(site.operators)
    signer = site.signers[operator]
    epidurogram = bool(b.epidurogram[i])
    record_ = ProcedureRecord(
        patient=patient,
        performed_on=day,
        location=site.location,
        operator_id=site.operators[operator],
        anaesthesia="sedation" if b.sedation[i] else "local",
        epidurogram=epidurogram,
        contrast="Iohexol 240" if epidurogram else "",
        levels=list(LEVEL_SETS[int(b.levels[i])][0]),
        side=SIDES[int(b.side[i])],
        started_at=_at(day, start, site.tz),
        portal_at=_at(day, portal, site.tz),
        decompressed_at=_at(day, decompressed, site.tz),
        closed_at=_at(day, closed, site.tz),
        discharged_at=_at(day, discharged, site.tz),
        blood_loss_ml=int(b.blood_loss[i]),
        diagnosis=ProcedureRecord.Diagnosis.WITH_CLAUDICATION,
        medicare_ced=medicare,
        study_nct=STUDY_NCT if medicare else "",
        created_at=_at(day, closed + 10, site.tz),
        created_by_id=signer,
    )
    return record_, _at(day, signed, site.tz), signer


def _follow_up(
    b: Batch,
    people: list[Patient],
    plans: list[tuple[Site, date, date, datetime | None]],
    rules_: Sequence[TimePointRule],
    *,
    now: datetime,
) -> tuple[list[TimePoint], list[Response]]:
    """Every patient's time points, and the answers of those answered: inside the
    window, before now, and before further treatment ended the follow-up."""
    shipped = {code: instruments.latest(code) for code in rules.FULL_SET}
    zcq_order = {item.code: n for n, item in enumerate(shipped["zcq"].items)}
    nrs, odi, zcq = b.nrs.tolist(), b.odi.tolist(), b.zcq.tolist()
    standing, standing_capped = b.standing.tolist(), b.standing_capped.tolist()
    walking, method, walking_capped = (
        b.walking.tolist(),
        b.walking_method.tolist(),
        b.walking_capped.tolist(),
    )
    points: list[TimePoint] = []
    responses: list[Response] = []
    for i, (patient, (site, day, baseline_day, ends)) in enumerate(zip(people, plans, strict=True)):
        for j, (rule, planned) in enumerate(
            zip(rules_, _planned(day, site.location.time_zone, tuple(rules_)), strict=True)
        ):
            baseline = rule.code == BASELINE
            point = TimePoint(
                patient_id=patient.pk,
                location_id=site.location.pk,
                code=rule.code,
                anchor=TimePoint.Anchor.PROCEDURE,
                anchor_date=day,
                target=planned.target,
                opens_at=planned.opens_at,
                closes_at=planned.closes_at,
                due_at=_at(planned.target, 24 * 60, site.tz),
                created_at=patient.created_at,
            )
            if planned.opens_at > now:
                # No plan beyond today: the worker would invite made-up people to it.
                continue
            points.append(point)
            point.invited_at = planned.opens_at
            if baseline:
                answered_on = baseline_day
            else:
                shifted = planned.target + timedelta(days=int(b.day_shift[i, j]))
                answered_on = min(max(shifted, rule.first_day(day)), rule.last_day(day))
            finish = _at(answered_on, int(b.minute[i, j]), site.tz)
            middle = planned.opens_at + (planned.closes_at - planned.opens_at) / 2
            if (
                b.answered[i, j]
                and finish < now
                and (ends is None or finish < ends)
                and planned.opens_at <= finish < planned.closes_at
            ):
                point.completed_at = finish
            if middle <= now and (point.completed_at is None or point.completed_at > middle):
                point.reminded_at = middle
            if point.completed_at is None:
                continue
            treated = rules.after_treatment(rule.code)
            mode = MODES[int(b.mode[i, j])]
            asked = rules.instruments_for(rule.code)
            done = finish
            for k, code in reversed(list(enumerate(asked))):
                if code == "nrs":
                    answers: dict[str, rules.Answer] = {
                        "nrs_back": nrs[i][j][0],
                        "nrs_leg": nrs[i][j][1],
                    }
                elif code == "odi":
                    answers = {
                        f"odi_{n}": (value if value >= 0 else None)
                        for n, value in enumerate(odi[i][j], start=1)
                    }
                elif code == "zcq":
                    answers = {
                        item.code: zcq[i][j][zcq_order[item.code]]
                        for item in rules.items_asked(shipped["zcq"], treated=treated)
                    }
                elif code == "standing":
                    answers = {
                        "standing_minutes": standing[i][j],
                        "standing_capped": standing_capped[i][j],
                    }
                else:
                    answers = {
                        "walking_feet": walking[i][j],
                        "walking_method": method[i][j],
                        "walking_capped": walking_capped[i][j],
                    }
                took = timedelta(seconds=INSTRUMENT_SECONDS[code] * float(b.pace[i, j, k]))
                responses.append(
                    Response(
                        time_point=point,
                        patient_id=patient.pk,
                        instrument=code,
                        version=shipped[code].version,
                        answers=answers,
                        status=Response.Status.COMPLETE,
                        scores=rules.score(shipped[code], answers, treated=treated),
                        mode=mode,
                        language=patient.preferred_language,
                        started_at=done - took,
                        updated_at=done,
                        completed_at=done,
                    )
                )
                done -= took
    return points, responses
