"""The append-only trigger lets one path delete: the archive step (services.audit_archive),
which first writes the rows to a compressed file and then sets portal.audit_archive for its
own transaction only. Updates stay forbidden; any other delete is still refused."""

from django.db import migrations

ALLOW_ARCHIVE_SQL = """
CREATE OR REPLACE FUNCTION audit_auditevent_forbid_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('portal.audit_archive', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

FORBID_ALL_SQL = """
CREATE OR REPLACE FUNCTION audit_auditevent_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_auditevent is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def allow_archive(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_ARCHIVE_SQL, params=None)


def forbid_all(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID_ALL_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_audit_rows_reference_people")]

    operations = [migrations.RunPython(allow_archive, forbid_all, elidable=False)]
