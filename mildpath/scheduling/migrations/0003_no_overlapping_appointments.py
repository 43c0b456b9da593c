"""The database's own guarantee that nobody is booked twice at once.

The booking service checks for clashes under a lock; these are the backstop if that
check is ever bypassed or wrong: per practitioner and per patient, two appointments
that hold time (booked, arrived, fulfilled, noshow) never overlap. On PostgreSQL an
exclusion constraint (needs the btree_gist extension); on SQLite triggers.
"""

from django.db import migrations

HOLDING = "('booked', 'arrived', 'fulfilled', 'noshow')"

POSTGRES_UP = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_practitioner_no_overlap
    EXCLUDE USING gist (practitioner_id WITH =, tstzrange(busy_start, busy_end, '[)') WITH &&)
    WHERE (status IN {HOLDING});
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_patient_no_overlap
    EXCLUDE USING gist (patient_id WITH =, tstzrange(start, "end", '[)') WITH &&)
    WHERE (status IN {HOLDING});
"""
POSTGRES_DOWN = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_practitioner_no_overlap;
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_patient_no_overlap;
"""


def _sqlite_trigger(name: str, event: str, column: str, start: str, end: str) -> str:
    # Only constant names from this module are formatted in; nothing comes from input.
    sql = f"""
CREATE TRIGGER {name} BEFORE {event} ON scheduling_appointment
WHEN NEW.status IN {HOLDING}
BEGIN
    SELECT RAISE(ABORT, 'appointment overlaps another ({column})')
    WHERE EXISTS (
        SELECT 1 FROM scheduling_appointment AS other
        WHERE other.{column} = NEW.{column}
          AND other.id IS NOT NEW.id
          AND other.status IN {HOLDING}
          AND other.{start} < NEW.{end}
          AND NEW.{start} < other.{end}
    );
END;"""  # nosec B608
    return sql


SQLITE_UP = [
    _sqlite_trigger(f"appointment_{who}_no_overlap_{event.lower()}", event, column, start, end)
    for who, column, start, end in [
        ("practitioner", "practitioner_id", "busy_start", "busy_end"),
        ("patient", "patient_id", "start", '"end"'),
    ]
    for event in ("INSERT", "UPDATE")
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS appointment_{who}_no_overlap_{event};"
    for who in ("practitioner", "patient")
    for event in ("insert", "update")
]


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No overlap guard for {vendor}; add one before using it.")


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_appointmenttype_appointment_scheduleoverride_and_more")]
    operations = [migrations.RunPython(install, remove)]
