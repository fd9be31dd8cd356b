"""On PostgreSQL, the database itself refuses UPDATE and DELETE of audit entries.

The app already has no update or delete path (``AuditEntry.save`` / ``delete``);
the trigger also stops raw SQL, a shell and a bug. TRUNCATE is left to the
database owner (the test runner's flush uses it; see docs/security.md for
revoking it from the app's role). SQLite (the embedded demo) gets no trigger.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION anpi_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'tenants_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER anpi_audit_append_only
    BEFORE UPDATE OR DELETE ON tenants_auditentry
    FOR EACH ROW EXECUTE FUNCTION anpi_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS anpi_audit_append_only ON tenants_auditentry;
DROP FUNCTION IF EXISTS anpi_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Without parameters: the function's "%" is PL/pgSQL's, not a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0008_audit_views_break_glass")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
