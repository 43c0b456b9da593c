"""Put back SQLite's no-overlap triggers (migration 0003), which 0005 lost.

On SQLite, adding a column with a default rebuilds the table, and a rebuilt table
has none of the old table's triggers: from 0005 on, SQLite databases had no backstop
behind the booking lock (PostgreSQL's exclusion constraints survived). The triggers
go back here, and tests/scheduling/test_overlap_guard.py now checks after migrating
that they exist, so a later rebuild cannot drop them unnoticed.

Triggers guard writes from now on; rows already stored are not re-checked by them, so
this migration reports any appointments that already overlap for the practice to
resolve.
"""

import importlib
import sys

from django.db import migrations

guard = importlib.import_module("mildpath.scheduling.migrations.0003_no_overlapping_appointments")

# Only migration 0003's constant status list is formatted in; nothing comes from input.
OVERLAPPING = f"""
SELECT a.id, b.id FROM scheduling_appointment a JOIN scheduling_appointment b
  ON a.id < b.id AND a.status IN {guard.HOLDING} AND b.status IN {guard.HOLDING}
 AND ((a.practitioner_id = b.practitioner_id
       AND a.busy_start < b.busy_end AND b.busy_start < a.busy_end)
   OR (a.patient_id = b.patient_id AND a.start < b."end" AND b.start < a."end"))
"""  # nosec B608


def reinstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in guard.SQLITE_DOWN + guard.SQLITE_UP:
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(OVERLAPPING)
        pairs = cursor.fetchall()
    if pairs:
        listed = ", ".join(f"{first} and {second}" for first, second in pairs)
        sys.stdout.write(
            f"\n  Warning: these appointments overlap and need a person to move one of each"
            f" pair: {listed}.\n"
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_working_hours_by_practitioner")]
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
