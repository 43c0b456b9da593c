from django.core.management.base import BaseCommand

from mildpath.demo.loader import (
    DEMO_STAFF,
    DEMO_STAFF_PASSWORD,
    demo_practice_load,
    demo_schedule_load,
    demo_staff_ensure,
)


class Command(BaseCommand):
    help = "Load (or refresh) the fictional demo practice, its staff logins and patients."

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
