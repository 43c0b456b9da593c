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

Here the entry point; ``places`` finds the practice's sites, ZIP codes and phone
numbers, ``draw`` draws a batch (pure numpy) and ``write`` inserts it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.outcomes.models import SyntheticCohort
from mildpath.questionnaires.services import schedule

from .draw import draw_batch
from .places import PhoneBook, practice_sites
from .write import _write

__all__ = ["BATCH", "MAX_PATIENTS", "SynthesisRefused", "registry_synthesize"]

MAX_PATIENTS = 1_000_000
BATCH = 1_000


class SynthesisRefused(ValueError):
    """Why no synthetic registry was made: the profile, the count or the practice."""


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
