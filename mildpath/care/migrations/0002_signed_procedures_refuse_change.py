"""The database itself refuses to change or delete a signed procedure record.

The application never tries (an amendment is a new version: ``care.services``); these
triggers also stop a raw SQL statement, a bug or a careless shell session, as the
audit trail's do (audit migration 0002). A draft (``signed_at`` empty) may change.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION care_procedure_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed procedure records never change: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER care_procedure_signed_is_final
    BEFORE UPDATE OR DELETE ON care_procedurerecord
    FOR EACH ROW EXECUTE FUNCTION care_procedure_refuse_change();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS care_procedure_signed_is_final ON care_procedurerecord;
DROP FUNCTION IF EXISTS care_procedure_refuse_change();
"""
SQLITE_UP = [
    """CREATE TRIGGER care_procedure_signed_no_update BEFORE UPDATE ON care_procedurerecord
       WHEN OLD.signed_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'signed procedure records never change: UPDATE refused'); END;""",
    """CREATE TRIGGER care_procedure_signed_no_delete BEFORE DELETE ON care_procedurerecord
       WHEN OLD.signed_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'signed procedure records never change: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS care_procedure_signed_no_update;",
    "DROP TRIGGER IF EXISTS care_procedure_signed_no_delete;",
]


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No signed-record trigger for {vendor}; add one before using it.")


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
