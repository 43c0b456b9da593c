"""The first administrator of a new installation, who then manages every other account
on the staff pages (/staff/accounts/). Like those pages, it never takes a password: the
new administrator gets an email with a one-time link to choose one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mildpath.accounts.forms import StaffCreateForm
from mildpath.accounts.roles import Role
from mildpath.accounts.services.staff import staff_create
from mildpath.audit.actor import Actor
from mildpath.core import clock


class Command(BaseCommand):
    help = "Create an administrator account and email its owner a link to choose a password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument(
            "--reason", default="The installation's first administrator, from the command line."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        form = StaffCreateForm(
            {
                "username": options["username"],
                "first_name": options["first_name"],
                "last_name": options["last_name"],
                "email": options["email"],
                "role": Role.ADMINISTRATOR.value,
                "reason": options["reason"],
            }
        )
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(str(error) for error in errors)}"
                for name, errors in form.errors.items()
            )
            raise CommandError(problems)
        data = form.cleaned_data
        user = staff_create(
            actor=Actor(label="manage.py create_administrator", reason=data["reason"]),
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            locations=[],
            all_locations=False,
            now=clock.now(),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator {user.get_username()} created. A link to choose a password "
                f"was emailed to {user.email}; two-step sign-in is set up at first sign-in."
            )
        )
