from django.core.management.base import BaseCommand

from mildpath.practice.demo import (
    DEMO_STAFF_PASSWORD,
    DEMO_STAFF_USERNAME,
    demo_practice_load,
    demo_staff_ensure,
)


class Command(BaseCommand):
    help = "Load (or refresh) the fictional demo practice and its staff login."

    def handle(self, *args: object, **options: object) -> None:
        demo_practice_load()
        demo_staff_ensure()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo practice loaded.\n"
                f"  Staff sign-in: http://127.0.0.1:8000/admin/  "
                f"user {DEMO_STAFF_USERNAME}  password {DEMO_STAFF_PASSWORD}"
            )
        )
