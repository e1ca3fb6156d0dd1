"""Audit rows past the retention period move to a compressed file, never silently away."""

import gzip
import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import audit_archive, audit_log

pytestmark = pytest.mark.django_db


def log_at(moment, *, actor, patient, action="patient.view"):
    with time_machine.travel(moment, tick=False):
        return audit_log(actor=actor, action=action, patient=patient)


def test_old_rows_are_written_to_a_file_then_removed_and_recent_ones_stay(
    settings, tmp_path, clinician, patient, caplog
):
    settings.AUDIT_RETENTION_DAYS = 2196
    now = timezone.now()
    old = log_at(now - timedelta(days=2300), actor=clinician, patient=patient)
    older = log_at(now - timedelta(days=2400), actor=clinician, patient=patient)
    recent = log_at(now - timedelta(days=30), actor=clinician, patient=patient)

    report = audit_archive(before=now - timedelta(days=2196), directory=tmp_path)

    assert report.rows == 2
    assert list(AuditEvent.objects.values_list("id", flat=True)) == [recent.id]
    # The digest is the file's own, as `sha256sum` prints it.
    assert hashlib.sha256(report.path.read_bytes()).hexdigest() == report.sha256
    with gzip.open(report.path, "rb") as archive:
        raw = archive.read()
    rows = [json.loads(line) for line in raw.decode().splitlines()]
    assert [row["id"] for row in rows] == [older.id, old.id]
    assert rows[0]["action"] == "patient.view"
    assert rows[0]["subject_patient_id"] == patient.id
    assert "event=audit_archive rows=2" in caplog.text


def test_nothing_younger_than_the_retention_period_can_be_archived(settings, tmp_path):
    settings.AUDIT_RETENTION_DAYS = 2196
    with pytest.raises(ValueError, match="kept 2196 days"):
        audit_archive(before=timezone.now() - timedelta(days=100), directory=tmp_path)
    with pytest.raises(CommandError, match="kept 2196 days"):
        call_command("archive_audit", "--before", "2026-01-01", "--directory", str(tmp_path))
    with pytest.raises(CommandError, match="a date like"):
        call_command("archive_audit", "--before", "last year", "--directory", str(tmp_path))


def test_the_command_archives_by_default_at_the_retention_cut_off(
    settings, tmp_path, clinician, patient, capsys
):
    settings.AUDIT_RETENTION_DAYS = 2196
    log_at(timezone.now() - timedelta(days=2500), actor=clinician, patient=patient)
    call_command("archive_audit", "--directory", str(tmp_path))
    assert "Archived 1 audit rows to" in capsys.readouterr().out
    assert AuditEvent.objects.count() == 0
    call_command("archive_audit", "--directory", str(tmp_path))
    assert "nothing archived" in capsys.readouterr().out


def test_other_deletes_are_still_refused(clinician, patient):
    log_at(timezone.now() - timedelta(days=3000), actor=clinician, patient=patient)
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1
