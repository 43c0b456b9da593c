"""A synthetic outcomes registry (``manage.py demo_registry``): made-up patients who had
the mild procedure, with outcome trajectories shaped on the published figures, so the
registry's dashboard, reports and public block have data in the demo, and the registry
benchmark has 100,000 patients to read.

Every patient gets a consent, a signed procedure record, the follow-up plan of the
practice's schedule counted from the procedure (in the location's time zone), and the
questionnaires of each time point whose window has opened and that they did not miss,
scored by ``questionnaires.answers`` exactly as an answered form is. Procedures spread over the
30 months before ``now``, so some patients are two years on and some a few weeks.

Calibration (DOMAIN.md, "Evidence"): ODI 45 (SD 12) falling by about 23 points at two
years (MiDAS ENCORE -22.7), most of it by three months; back and leg pain about 7
falling by about 3.6 (leg a little more); ZCQ symptom severity 3.4 falling by 1.0,
physical function 2.7 by 0.8, satisfaction mostly 1.5 to 2.5; standing 8 minutes and
walking 250 feet rising to 56 minutes and 4,000 feet at a year (Mekhail 2012). About
30% of patients respond little. Standing, as the practice measures it, stops at 30
minutes: longer is stored as 30 with its flag, so many follow-up values are capped.
Each follow-up time point is missed by 8% more patients than the one before (some stop
answering for good), and follow-up ends with a repeat procedure or later spine surgery
(about 4% and 3% within two years): what happens after further treatment no longer
describes the first procedure.

Bulk, not through the clinical services: those write one audit entry per row and
would take hours for 100,000 patients. This is made-up data for the demo and the
benchmark, so it is written with ``bulk_create``, 1,000 patients per transaction, and
the load leaves ONE audit entry (``registry.synthesize``: how many patients, the
seed). Procedure records go in unsigned and are signed (with their chain) in the same
transaction, while the stored row is still unsigned: the database refuses changes to
signed rows only. The ``SyntheticCohort`` row is written with the first batch and
widened with each one, so whatever has been committed is always marked synthetic.

Time points whose window has opened are marked invited (and reminded, past the
middle), as the worker would have; those opening later are invited by the worker like
anyone's, at fictional numbers and example.org addresses.

Deterministic: the same seed, count, ``now`` and demo practice give the same patients,
dates and answers (numpy's ``default_rng(seed)``). Phone numbers are the exception:
they are fictional (555-01xx first) and continue after those of earlier cohorts and
any patient already stored, so they stay unique.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import phonenumbers
import zipcodes
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from numpy.typing import NDArray

from mildpath.accounts.models import StaffProfile
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.care.models import CareConsent, Complication, LaterSurgery, ProcedureRecord
from mildpath.outcomes.models import SyntheticCohort
from mildpath.patients.models import Patient
from mildpath.practice.models import Location
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import instruments
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.questionnaires.plan import (
    BASELINE,
    PlannedTimePoint,
    TimePointRule,
    plan_time_points,
)
from mildpath.questionnaires.services import schedule

MAX_PATIENTS = 1_000_000
BATCH = 1_000
STUDY_NCT = "NCT03072927"  # the CMS-approved study for Medicare coverage (DOMAIN.md)
SPREAD_DAYS = 913  # procedures over the last 30 months
NEARBY_MILES = 25

# HIPAA Safe Harbor: three-digit ZIP prefixes of 20,000 people or fewer, which the
# de-identified export turns into "000". A few patients live there (snowbirds).
RESTRICTED_PREFIXES = (
    "036", "059", "063", "102", "203", "556", "692", "790", "821",
    "823", "830", "831", "878", "879", "884", "890", "893",
)  # fmt: skip
RESTRICTED_SHARE = 0.02

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

LEVEL_SETS = (
    (("L4-L5",), 0.28),
    (("L3-L4",), 0.12),
    (("L2-L3",), 0.02),
    (("L5-S1",), 0.02),
    (("L3-L4", "L4-L5"), 0.44),
    (("L4-L5", "L5-S1"), 0.05),
    (("L2-L3", "L3-L4"), 0.04),
    (("L2-L3", "L3-L4", "L4-L5"), 0.03),
)
COMPLICATIONS = (
    ("intra", "I", "Dural puncture without a leak of spinal fluid; no treatment needed."),
    ("post", "I", "Soreness and bruising at the incision, settled without treatment."),
    ("post", "I", "Leg numbness for a few days, resolved on its own."),
    ("post", "II", "Superficial wound infection treated with oral antibiotics."),
    ("post", "II", "Back muscle spasm treated with a muscle relaxant."),
    ("post", "IIIa", "Wound opened again; closed under local anaesthetic."),
)
COMPLICATION_WEIGHTS = (0.06, 0.34, 0.2, 0.15, 0.2, 0.05)
SIDES = ("both", "left", "right")
MODES = (Response.Mode.LINK, Response.Mode.TABLET, Response.Mode.PAPER)
SURGERY_KINDS = ("decompression", "fusion", "spacer", "other")
SURGERY_WEIGHTS = (0.7, 0.2, 0.05, 0.05)

# Per measure: baseline mean and SD, and how far a typical responder moves by two years
# (tuned so the whole cohort's mean change matches the published one; the standing and
# walking changes are in log units). Satisfaction is a level, not a change.
ODI = (45.0, 12.0, 32.6)
NRS_BACK = (6.8, 1.5, 4.75)
NRS_LEG = (7.2, 1.5, 5.65)
ZCQ_SYMPTOM = (3.4, 0.45, 1.36)
ZCQ_FUNCTION = (2.7, 0.45, 1.13)
STANDING = (8.0, 0.75, 2.04)  # mean minutes, log SD, log change
WALKING = (250.0, 0.8, 3.5)  # mean feet
RESPONDERS = 0.7
# ODI sections a stenosis patient finds hardest weigh most: lifting, walking, standing.
ODI_PROFILE = np.array([1.0, 0.6, 1.3, 1.3, 0.6, 1.4, 0.7, 0.9, 1.0, 1.1])
DROP_OUT_PER_POINT = 0.08  # more patients miss each follow-up than the one before
STOPPED_PER_POINT = 0.06  # of whom these stop answering for good
MISSED_BASELINE = 0.02
INSTRUMENT_SECONDS = {"nrs": 60, "odi": 240, "zcq": 300, "standing": 45, "walking": 60}


class SynthesisRefused(ValueError):
    """Why no synthetic registry was made: the profile, the count or the practice."""


@dataclass(frozen=True)
class Site:
    location: Location
    tz: ZoneInfo
    operators: tuple[int, ...]  # practitioner ids
    signers: tuple[int | None, ...]  # each operator's staff account, if they have one
    zips: tuple[str, ...]
    area_codes: tuple[str, ...]


def registry_synthesize(
    *,
    actor: Actor,
    patients: int,
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH,
) -> SyntheticCohort:
    """Make ``patients`` synthetic registry patients (see the module's docstring), in
    batches of ``batch_size``, calling ``progress`` with each batch's count. Raises
    SynthesisRefused under the production profile, for a count out of range, or when
    there is no location with a practitioner (the demo practice is not loaded)."""
    if settings.PRODUCTION:
        raise SynthesisRefused("Synthetic patients are never made under the production profile.")
    if not 1 <= patients <= MAX_PATIENTS:
        raise SynthesisRefused(f"--patients must be from 1 to {MAX_PATIENTS:,}, not {patients:,}.")
    sites = practice_sites()
    if not sites:
        raise SynthesisRefused(
            "There is no location with a practitioner: run `manage.py load_demo` first."
        )
    rules_ = schedule()
    rng = np.random.default_rng(seed)
    earlier = SyntheticCohort.objects.aggregate(total=Sum("patients"))["total"] or 0
    phones = PhoneBook(sorted({code for site in sites for code in site.area_codes}), earlier)
    cohort: SyntheticCohort | None = None
    made = 0
    while made < patients:
        count = min(batch_size, patients - made)
        batch = draw_batch(rng, count, len(sites), rules_)
        with transaction.atomic():
            first, last = _write(batch, sites, phones, rules_, now=now)
            if cohort is None:
                cohort = SyntheticCohort.objects.create(
                    seed=seed,
                    patients=count,
                    first_patient_id=first,
                    last_patient_id=last,
                    loaded_at=now,
                )
                record(
                    action="registry.synthesize",
                    actor=actor,
                    now=now,
                    obj=cohort,
                    detail={"patients": patients, "seed": seed},
                )
            else:
                cohort.patients += count
                cohort.last_patient_id = last
                cohort.save(update_fields=["patients", "last_patient_id"])
        made += count
        if progress is not None:
            progress(count)
    assert cohort is not None  # noqa: S101 - at least one batch ran (patients >= 1)
    return cohort


# --- The practice and the places ------------------------------------------------------


def practice_sites() -> list[Site]:
    """Each location with a practitioner, its practitioners, and the ZIP codes and area
    codes around it."""
    accounts = dict(
        StaffProfile.objects.filter(practitioner__isnull=False).values_list(
            "practitioner_id", "user_id"
        )
    )
    sites = []
    for location in Location.objects.order_by("sort_order", "id"):
        operators = tuple(location.practitioners.order_by("id").values_list("id", flat=True))
        if not operators:
            continue
        zips, codes = _nearby(location)
        sites.append(
            Site(
                location=location,
                tz=location.tz,
                operators=operators,
                signers=tuple(accounts.get(operator) for operator in operators),
                zips=zips,
                area_codes=codes,
            )
        )
    return sites


@functools.cache
def _zip_table() -> tuple[tuple[str, str, float, float, tuple[str, ...]], ...]:
    table = []
    for row in zipcodes.list_all():
        if row["zip_code_type"] != "STANDARD" or not row["active"]:
            continue
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        table.append((row["zip_code"], row["state"], lat, lon, tuple(row["area_codes"] or ())))
    return tuple(sorted(table))


@functools.cache
def _restricted_zips() -> tuple[str, ...]:
    return tuple(row[0] for row in _zip_table() if row[0][:3] in RESTRICTED_PREFIXES)


@functools.cache
def us_area_codes() -> tuple[str, ...]:
    """Every area code the ZIP data names that makes a valid number (sorted)."""
    found = {code for row in _zip_table() for code in row[4]}
    return tuple(
        sorted(
            code
            for code in found
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{code}5550100"))
        )
    )


def _nearby(location: Location) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ZIP codes within NEARBY_MILES of the location in its state (at least the
    nearest 20), and their area codes."""
    rows = [row for row in _zip_table() if row[1] == location.state] or list(_zip_table())
    lat = np.radians([row[2] for row in rows])
    lon = np.radians([row[3] for row in rows])
    here_lat, here_lon = np.radians(location.latitude), np.radians(location.longitude)
    a = (
        np.sin((lat - here_lat) / 2) ** 2
        + np.cos(lat) * np.cos(here_lat) * np.sin((lon - here_lon) / 2) ** 2
    )
    miles = 2 * 3958.8 * np.arcsin(np.sqrt(a))
    order = np.argsort(miles, kind="stable")
    near = [rows[i] for i in order if miles[i] <= NEARBY_MILES] or [rows[i] for i in order[:20]]
    if len(near) < 20:
        near = [rows[i] for i in order[:20]]
    valid = set(us_area_codes())
    codes = sorted({code for row in near for code in row[4] if code in valid})
    return tuple(sorted(row[0] for row in near)), tuple(codes)


class PhoneBook:
    """Fictional phone numbers, never two alike: 555-0100 to 555-0199 in the area codes
    around the practice, then in the rest of the country, then the other 555 numbers
    (not 555-1212, directory assistance). Numbers a patient already has are skipped."""

    LINES = 9799  # 0200 to 9999 without 1212

    def __init__(self, local: Sequence[str], start: int) -> None:
        everywhere = us_area_codes()
        self.local = [code for code in local if code in everywhere]
        self.others = [code for code in everywhere if code not in self.local]
        self.next = start

    def number(self, index: int) -> str:
        for codes in (self.local, self.others):
            if index < len(codes) * 100:
                return f"+1{codes[index % len(codes)]}555{100 + index // len(codes):04d}"
            index -= len(codes) * 100
        codes = self.local + self.others
        index %= len(codes) * self.LINES
        line = 200 + index // len(codes)
        return f"+1{codes[index % len(codes)]}555{line + (line >= 1212):04d}"

    def take(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            wanted = [self.number(self.next + n) for n in range(count - len(found))]
            self.next += len(wanted)
            taken: set[str] = set()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                taken.update(
                    Patient.objects.filter(phone__in=chunk).values_list("phone", flat=True)
                )
            found += [phone for phone in wanted if phone not in taken]
        return found


# --- Drawing a batch: pure numpy ------------------------------------------------------


def progress_at(days: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """How much of the two-year change shows ``days`` after the procedure: most of it by
    three months (about 85%), all of it by two years."""
    days = np.maximum(np.asarray(days, dtype=float), 0.0)
    return (1 - np.exp(-days / 45.0)) / (1 - np.exp(-730 / 45.0))


def offset_days(rules_: Sequence[TimePointRule]) -> NDArray[np.float64]:
    return np.array([rule.days + rule.months * 30.4375 for rule in rules_])


@dataclass
class Batch:
    """One batch of patients, drawn: arrays by patient (n), or by patient and time point
    (n, J), or with a last axis of answers."""

    count: int
    site: NDArray[np.int64]
    operator: NDArray[np.int64]
    spanish: NDArray[np.bool_]
    given: NDArray[np.int64]
    family: NDArray[np.int64]
    spanish_family: NDArray[np.bool_]
    email: NDArray[np.bool_]
    zip_pick: NDArray[np.float64]
    restricted: NDArray[np.bool_]
    age: NDArray[np.int64]
    birthday_back: NDArray[np.int64]  # days before the birthday that gives ``age``
    days_ago: NDArray[np.int64]  # procedure, before today
    registry: NDArray[np.bool_]
    levels: NDArray[np.int64]
    side: NDArray[np.int64]
    sedation: NDArray[np.bool_]
    epidurogram: NDArray[np.bool_]
    blood_loss: NDArray[np.int64]
    clock: NDArray[np.int64]  # (n, 6) minutes: start, portal, decompressed, closed, out, signed
    complication: NDArray[np.int64]  # index into COMPLICATIONS, -1: none
    complication_after: NDArray[np.int64]
    event: NDArray[np.int64]  # 0 none, 1 repeat mild, 2 later surgery
    event_after: NDArray[np.int64]  # days after the procedure
    surgery_kind: NDArray[np.int64]
    baseline_back: NDArray[np.int64]  # baseline answered this many days before the procedure
    consult_back: NDArray[np.int64]  # consultation this many days before the baseline
    answered: NDArray[np.bool_]  # (n, J) not missed (the window and the events aside)
    day_shift: NDArray[np.int64]  # (n, J) days from the target the set was answered
    minute: NDArray[np.int64]  # (n, J) local minute of the day
    mode: NDArray[np.int64]  # (n, J) 0 link, 1 tablet, 2 paper
    nrs: NDArray[np.int64]  # (n, J, 2)
    odi: NDArray[np.int64]  # (n, J, 10), -1 skipped
    zcq: NDArray[np.int64]  # (n, J, 18)
    standing: NDArray[np.int64]  # (n, J)
    standing_capped: NDArray[np.bool_]
    walking: NDArray[np.int64]
    walking_method: NDArray[np.int64]
    walking_capped: NDArray[np.bool_]
    pace: NDArray[np.float64]  # (n, J, 5) how long each questionnaire took, as a factor


def draw_batch(
    rng: np.random.Generator, n: int, sites: int, rules_: Sequence[TimePointRule]
) -> Batch:
    j = len(rules_)
    shape = (n, j)
    course = trajectories(rng, n, offset_days(rules_))
    follow_up = np.arange(j)  # 0 is the baseline
    stopped = rng.random(n)[:, None] < STOPPED_PER_POINT * follow_up
    missed_share = DROP_OUT_PER_POINT * follow_up
    sporadic = (missed_share - STOPPED_PER_POINT * follow_up) / (1 - STOPPED_PER_POINT * follow_up)
    missed = rng.random(shape) < np.where(follow_up == 0, MISSED_BASELINE, sporadic)
    # Stopping for good: once stopped, every later point is missed too.
    answered = ~(missed | np.maximum.accumulate(stopped, axis=1))
    event_draw = rng.random(n)
    age = np.clip(np.rint(rng.normal(72, 8, n)), 50, 94).astype(np.int64)
    standing, standing_capped = _standing(course["standing"])
    walking, method, walking_capped = _walking(rng, course["walking"])
    start = 450 + 30 * rng.integers(0, 13, n)
    steps = np.stack(
        [
            rng.integers(6, 15, n),
            rng.integers(15, 36, n),
            rng.integers(4, 11, n),
            rng.integers(40, 111, n),
            rng.integers(20, 1200, n),
        ],
        axis=1,
    )
    clock = np.concatenate([start[:, None], start[:, None] + np.cumsum(steps, axis=1)], axis=1)
    levels_p = np.array([weight for _, weight in LEVEL_SETS])
    return Batch(
        count=n,
        site=rng.integers(0, sites, n),
        operator=rng.integers(0, 1 << 30, n),
        spanish=rng.random(n) < 0.3,
        given=rng.integers(0, 1 << 30, n),
        family=rng.integers(0, 1 << 30, n),
        spanish_family=rng.random(n) < 0.2,
        email=rng.random(n) < 0.45,
        zip_pick=rng.random(n),
        restricted=rng.random(n) < RESTRICTED_SHARE,
        age=age,
        birthday_back=rng.integers(0, 360, n),
        days_ago=rng.integers(2, SPREAD_DAYS, n),
        registry=rng.random(n) < 0.92,
        levels=rng.choice(len(LEVEL_SETS), n, p=levels_p / levels_p.sum()),
        side=rng.choice(3, n, p=[0.9, 0.05, 0.05]),
        sedation=rng.random(n) < 0.8,
        epidurogram=rng.random(n) < 0.85,
        blood_loss=rng.integers(0, 15, n),
        clock=clock,
        complication=np.where(
            rng.random(n) < 0.015, rng.choice(len(COMPLICATIONS), n, p=COMPLICATION_WEIGHTS), -1
        ),
        complication_after=rng.integers(1, 22, n),
        event=np.where(event_draw < 0.04, 1, np.where(event_draw < 0.07, 2, 0)),
        event_after=rng.integers(60, 731, n),
        surgery_kind=rng.choice(len(SURGERY_KINDS), n, p=SURGERY_WEIGHTS),
        baseline_back=1 + np.minimum(rng.exponential(5, n).astype(np.int64), 28),
        consult_back=rng.integers(0, 31, n),
        answered=answered,
        day_shift=np.rint(rng.normal(1.5, 4, shape)).astype(np.int64),
        minute=rng.integers(8 * 60, 22 * 60, shape),
        mode=rng.choice(3, shape, p=[0.78, 0.12, 0.10]),
        nrs=np.stack(
            [
                np.clip(np.rint(course["back"]), 0, 10),
                np.clip(np.rint(course["leg"]), 0, 10),
            ],
            axis=2,
        ).astype(np.int64),
        odi=_odi_sections(rng, course["odi"]),
        zcq=_zcq_items(rng, course),
        standing=standing,
        standing_capped=standing_capped,
        walking=walking,
        walking_method=method,
        walking_capped=walking_capped,
        pace=rng.uniform(0.6, 1.6, (n, j, 5)),
    )


def trajectories(
    rng: np.random.Generator, n: int, days: NDArray[np.float64]
) -> dict[str, NDArray[np.float64]]:
    """Each measure at each time point (``days`` after the procedure; the first is the
    baseline), before rounding to answers. Standing and walking are what the patient
    could do, before the test's limits."""
    shape = (n, len(days))
    progress = progress_at(days)[None, :]
    severity = rng.normal(0, 1, n)[:, None]
    responder = rng.random(n) < RESPONDERS
    effect = np.where(
        responder,
        np.clip(rng.normal(1.0, 0.25, n), 0.4, 1.7),
        np.clip(rng.normal(0.12, 0.12, n), -0.2, 0.4),
    )[:, None]

    def level(mean: float, sd: float, low: float, high: float) -> NDArray[np.float64]:
        own = 0.6 * severity + 0.8 * rng.normal(0, 1, (n, 1))
        return np.clip(mean + sd * own, low, high)

    def course(start: NDArray[np.float64], change: float, noise: float) -> NDArray[np.float64]:
        own = effect * np.clip(rng.normal(1, 0.15, (n, 1)), 0.5, 1.5)
        return start - own * change * progress + rng.normal(0, noise, shape)

    odi = course(level(ODI[0], ODI[1], 21, 90), ODI[2], 4.0)
    back = course(level(NRS_BACK[0], NRS_BACK[1], 2, 10), NRS_BACK[2], 0.8)
    # A week on, the back is sore where the portal went in.
    back[:, 1:] += 1.2 * np.exp(-days[1:] / 10)[None, :]
    leg = course(level(NRS_LEG[0], NRS_LEG[1], 2, 10), NRS_LEG[2], 0.8)
    symptom = course(level(ZCQ_SYMPTOM[0], ZCQ_SYMPTOM[1], 1.5, 5), ZCQ_SYMPTOM[2], 0.2)
    function = course(level(ZCQ_FUNCTION[0], ZCQ_FUNCTION[1], 1.2, 4), ZCQ_FUNCTION[2], 0.2)
    satisfied = np.where(responder, rng.normal(1.8, 0.35, n), rng.normal(2.9, 0.45, n))
    satisfaction = satisfied[:, None] + rng.normal(0, 0.2, shape)

    def logged(mean: float, sd: float, change: float, noise: float) -> NDArray[np.float64]:
        start = (
            np.log(mean) - sd**2 / 2 - 0.3 * sd * severity + sd * 0.95 * rng.normal(0, 1, (n, 1))
        )
        return np.exp(course(start, -change, noise))

    return {
        "odi": np.clip(odi, 0, 100),
        "back": back,
        "leg": leg,
        "symptom": np.clip(symptom, 1, 5),
        "function": np.clip(function, 1, 4),
        "satisfaction": np.clip(satisfaction, 1, 4),
        "standing": logged(*STANDING, 0.2),
        "walking": logged(*WALKING, 0.25),
    }


def spread(
    rng: np.random.Generator,
    totals: NDArray[np.int64],
    weights: NDArray[np.float64],
    low: int,
    high: int,
) -> NDArray[np.int64]:
    """Answers from ``low`` to ``high`` adding up to ``totals`` (kept within what they
    can add up to), shared out by ``weights``; an item of weight 0 is not answered
    (its answer is -1). Rows of the last axis are one questionnaire each."""
    active = weights > 0
    count = active.sum(axis=-1)
    room = high - low
    above = np.clip(totals - low * count, 0, room * count)
    share = np.where(active, weights, 0) / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-9)
    ideal = above[..., None] * share
    values = np.minimum(np.floor(ideal), room).astype(np.int64)
    short = above - values.sum(axis=-1)
    remainder = ideal - values + rng.random(values.shape) * 1e-3
    remainder[~active | (values >= room)] = -np.inf
    flat_values = values.reshape(-1, values.shape[-1])
    flat_remainder = remainder.reshape(flat_values.shape)
    flat_short = short.reshape(-1)
    rows = np.arange(len(flat_short))
    while (flat_short > 0).any():
        due = flat_short > 0
        pick = flat_remainder.argmax(axis=1)
        flat_values[rows[due], pick[due]] += 1
        flat_remainder[rows[due], pick[due]] -= 1
        flat_remainder[flat_values >= room] = -np.inf
        flat_short[due] -= 1
    return np.where(active, values + low, -1)


def _odi_sections(rng: np.random.Generator, odi: NDArray[np.float64]) -> NDArray[np.int64]:
    """Ten sections 0-5 scoring about ``odi``; now and then one left blank (the sex-life
    section, most often)."""
    weights = ODI_PROFILE * rng.lognormal(0, 0.35, (*odi.shape, 10))
    skip = rng.random(odi.shape) < 0.03
    section = np.where(rng.random(odi.shape) < 0.7, 7, rng.integers(0, 10, odi.shape))
    weights[skip, section[skip]] = 0
    answered = np.where(skip, 9, 10)
    totals = np.rint(odi / 100 * 5 * answered).astype(np.int64)
    return spread(rng, totals, weights, 0, 5)


def _zcq_items(
    rng: np.random.Generator, course: dict[str, NDArray[np.float64]]
) -> NDArray[np.int64]:
    """The 18 ZCQ items in the instrument's order: 7 symptom (the 7th, balance, is 1, 3
    or 5), 5 function, 6 satisfaction (asked after treatment only); each subscale's
    items average about its value."""
    symptom, function = course["symptom"], course["function"]
    shape = symptom.shape
    balance = np.array([1, 3, 5])[
        np.clip(np.rint((symptom + rng.normal(0, 0.8, shape) - 1) / 2), 0, 2).astype(int)
    ]
    sym = spread(
        rng,
        np.rint(symptom * 7).astype(np.int64) - balance,
        rng.lognormal(0, 0.3, (*shape, 6)),
        1,
        5,
    )
    fun = spread(
        rng, np.rint(function * 5).astype(np.int64), rng.lognormal(0, 0.3, (*shape, 5)), 1, 4
    )
    sat = spread(
        rng,
        np.rint(course["satisfaction"] * 6).astype(np.int64),
        rng.lognormal(0, 0.3, (*shape, 6)),
        1,
        4,
    )
    return np.concatenate([sym, balance[..., None], fun, sat], axis=-1)


def _standing(minutes: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Whole minutes; the test ends at the instrument's maximum (30): longer is stored as
    the maximum, with the flag."""
    cap = instruments.latest("standing").item("standing_minutes").maximum or 30
    whole = np.maximum(np.rint(minutes), 1).astype(np.int64)
    capped = whole >= cap
    return np.minimum(whole, cap), capped


def _walking(
    rng: np.random.Generator, feet: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Estimated (rounded, as people do) or measured in the clinic (method 2): a measured
    walk ends at 30 minutes, whatever distance the patient's pace gives by then."""
    most = instruments.latest("walking").item("walking_feet").maximum or 10_000
    measured = rng.random(feet.shape) < 0.25
    pace = np.clip(rng.normal(200, 35, feet.shape[0]), 100, 320)[:, None]
    end = np.rint(pace * 30 / 10) * 10
    capped = measured & (feet >= end)
    estimate = np.where(feet < 1000, np.rint(feet / 10) * 10, np.rint(feet / 100) * 100)
    walked = np.where(measured, np.minimum(np.rint(feet / 10) * 10, end), estimate)
    return np.clip(walked, 10, most).astype(np.int64), np.where(measured, 2, 1), capped


# --- Writing a batch --------------------------------------------------------------------


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
