from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from mildpath.core import clock
from mildpath.demo.loader import (
    DEMO_STAFF,
    DEMO_STAFF_PASSWORD,
    demo_practice_load,
    demo_schedule_load,
    demo_staff_ensure,
)
from mildpath.demo.questionnaires import demo_questionnaires_load
from mildpath.demo.visits import demo_visits_load


class Command(BaseCommand):
    help = "Load (or refresh) the fictional demo practice, its staff logins and patients."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--visits",
            action="store_true",
            help=(
                "Also book a few demo visits a day for the next working days, and give "
                "demo patients answered and overdue questionnaires (make run)."
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        demo_practice_load()
        demo_schedule_load()
        demo_staff_ensure()
        lines = [f"  user {username:<16} role {role}" for username, role, *_ in DEMO_STAFF]
        self.stdout.write(
            self.style.SUCCESS(
                "Demo practice loaded. Staff sign-in at /staff/sign-in/ "
                f"with password {DEMO_STAFF_PASSWORD}:\n"
                + "\n".join(lines)
                + "\n  (each sets up two-step sign-in the first time)"
            )
        )
        if options["visits"]:
            booked = demo_visits_load(now=clock.now())
            self.stdout.write(f"Demo visits booked: {booked} (fictional patients).")
            loaded = demo_questionnaires_load(now=clock.now())
            self.stdout.write(
                f"Demo questionnaires entered: {loaded.questionnaires} "
                f"({loaded.patients} patients' follow-ups); "
                f"intakes made overdue: {loaded.intakes_overdue}."
            )
