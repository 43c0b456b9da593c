"""Fill the outcomes registry with synthetic patients, for the demo and the benchmark:

    manage.py load_demo                                  # the practice first
    manage.py demo_registry --patients 300 --seed 1

Every figure drawn from them is labelled synthetic (``outcomes.SyntheticCohort``).
Never under the production profile. See ``mildpath.demo.registry``."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.demo.registry import MAX_PATIENTS, SynthesisRefused, registry_synthesize
from mildpath.outcomes.models import SyntheticCohort

SEED_LIMIT = 2**63  # the cohort row keeps the seed in a 64-bit integer


class _Progress:
    """The command's stderr as tqdm's file: written as is, without the line ending and
    the error colour the wrapper adds."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda plain: plain, ending="")

    def flush(self) -> None:
        self.out.flush()


class Command(BaseCommand):
    help = (
        "Add synthetic patients who had the mild procedure, with consents, signed "
        "procedure records and two years of questionnaire answers, to try the registry "
        "(demo and benchmark data, labelled synthetic; never in production). Run "
        "load_demo first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients",
            type=int,
            default=300,
            help=f"How many patients to make, 1 to {MAX_PATIENTS:,} (default 300).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="The same seed makes the same patients and answers (default 1).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )
        parser.add_argument(
            "--unless-loaded",
            action="store_true",
            help="Do nothing when a synthetic registry is already loaded (make run's demo).",
        )

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "demo_registry makes up patients: it never runs under the production profile."
            )
        patients, seed = options["patients"], options["seed"]
        assert isinstance(patients, int) and isinstance(seed, int)  # noqa: S101 - argparse types
        if not 1 <= patients <= MAX_PATIENTS:
            raise CommandError(
                f"--patients must be a whole number from 1 to {MAX_PATIENTS:,}, not {patients:,}."
            )
        if not 0 <= seed < SEED_LIMIT:
            raise CommandError(f"--seed must be a whole number from 0 to {SEED_LIMIT - 1}.")
        if options["unless_loaded"] and SyntheticCohort.objects.exists():
            self.stdout.write("A synthetic registry is already loaded: nothing to do.")
            return
        started = time.monotonic()
        bar = tqdm(
            total=patients,
            unit=" patients",
            file=_Progress(self.stderr),
            disable=bool(options["no_progress"]),
            dynamic_ncols=True,
        )
        try:
            cohort = registry_synthesize(
                actor=Actor.system("demo_registry"),
                patients=patients,
                seed=seed,
                now=clock.now(),
                progress=bar.update,
            )
        except SynthesisRefused as refused:
            raise CommandError(str(refused)) from None
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic registry: {cohort.patients:,} patients "
                f"(ids {cohort.first_patient_id} to {cohort.last_patient_id}, seed {seed}) "
                f"in {time.monotonic() - started:.1f} s. Every figure drawn from them is "
                "labelled synthetic."
            )
        )
