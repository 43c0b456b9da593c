"""Load the practice's licensed wording of a questionnaire (ODI, ZCQ), one language per
JSON file, in place of the placeholder wording that ships with mildpath:

    manage.py load_instrument_text odi-es.json odi-en.json zcq-es.json

The format is ``instruments.with_text``'s (docs/instrument-text-example.json is an
example). Every file is read and checked before anything is loaded, and all are loaded
in one transaction: one bad file loads none. Loading a language again replaces it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.questionnaires import instruments, services

NAMED = ("instrument", "version", "language")


@dataclass(frozen=True)
class Wording:
    path: str
    text: dict[str, object]
    shipped: instruments.Instrument

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.shipped.code, self.shipped.version, str(self.text["language"]))

    def summary(self) -> str:
        given = self.text.get("items")
        items = given if isinstance(given, dict) else {}
        count = len(items)
        line = f"{' '.join(self.key)}: {count} item{'' if count == 1 else 's'} reworded"
        if self.shipped.placeholder_text:
            left = [item.code for item in self.shipped.items if item.code not in items]
            if left:
                line += (
                    f"; {len(left)} keep{'s' if len(left) == 1 else ''} the placeholder "
                    f"wording ({', '.join(left)})"
                )
        return line


def _shipped() -> str:
    return ", ".join(f"{code} {version}" for code, version in sorted(instruments.load_builtin()))


def read_wording(path: str) -> Wording:
    """One wording file, read and checked against the shipped instrument it names;
    CommandError names the file and what is wrong with it."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not a wording file") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: cannot be read: it is not UTF-8 text") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise CommandError(f"{path}: must hold one JSON object, not a {type(data).__name__}")
    missing = [key for key in NAMED if not isinstance(data.get(key), str) or not data[key]]
    if missing:
        raise CommandError(
            f"{path}: needs {', '.join(map(repr, missing))} as text: "
            "which questionnaire, version and language the file words"
        )
    try:
        shipped = instruments.get(data["instrument"], data["version"])
    except KeyError:
        raise CommandError(
            f"{path}: no instrument {data['instrument']!r} version {data['version']!r} "
            f"is shipped (shipped: {_shipped()})"
        ) from None
    try:
        instruments.with_text(shipped, data)
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from None
    return Wording(path=path, text=data, shipped=shipped)


class Command(BaseCommand):
    help = (
        "Load the practice's licensed wording of a questionnaire (one language per JSON "
        "file; see docs/instrument-text-example.json). All files load, or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="a wording file (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        wordings: list[Wording] = []
        problems: list[str] = []
        seen: dict[tuple[str, str, str], str] = {}
        for path in options["files"]:
            try:
                wording = read_wording(path)
            except CommandError as exc:
                problems.append(str(exc))
                continue
            if wording.key in seen:
                problems.append(
                    f"{path}: words {' '.join(wording.key)} again (so does {seen[wording.key]})"
                )
                continue
            seen[wording.key] = path
            wordings.append(wording)
        if problems:
            raise CommandError("nothing was loaded:\n  " + "\n  ".join(problems))

        actor = Actor.system("load_instrument_text")
        now = clock.now()
        loading = ""
        try:
            with transaction.atomic():
                for wording in wordings:
                    loading = wording.path
                    services.instrument_text_load(actor=actor, text=wording.text, now=now)
        except ValueError as exc:  # checked above; the service checks again
            raise CommandError(f"nothing was loaded:\n  {loading}: {exc}") from None
        for wording in wordings:
            self.stdout.write(self.style.SUCCESS(wording.summary()))
