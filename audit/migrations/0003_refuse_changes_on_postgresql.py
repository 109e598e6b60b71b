"""On PostgreSQL the database itself refuses to change or delete an audit row: a BEFORE UPDATE OR
DELETE trigger raises, so raw SQL, `_raw_delete` and a database console are refused as well as
the ORM (audit.models guards the ORM on every engine).

Not on SQLite: its test databases are emptied with DELETE between transactional tests (PostgreSQL
empties them with TRUNCATE, which row triggers do not see). TRUNCATE stays possible for the
table's owner; the chain (manage.py verify_audit) notices an emptied or shortened trail only if
someone kept the last row hash: see audit/README.md.
"""

from django.db import migrations

FUNCTION = "audit_event_refuse_change"
TRIGGER = "audit_event_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditevent;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditevent;
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: RAISE uses %


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_and_context")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
