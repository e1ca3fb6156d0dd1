"""The daily retention job: expired sessions and old notification rows, nothing else."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.operations.services import retention_run
from apps.reminders.models import Notification
from tests.reminders.factories import AssignmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def make_session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def old(days: int):
    return timezone.now() - timedelta(days=days)


def test_expired_sessions_go_and_live_ones_stay():
    expired = make_session(expires_in=timedelta(minutes=-1))
    live = make_session(expires_in=timedelta(hours=1))
    report = retention_run()
    assert report.sessions_deleted == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert not Session.objects.filter(pk=expired).exists()


def test_old_rows_of_finished_reading_are_purged_and_open_reading_keeps_its_rows(settings):
    settings.NOTIFICATION_RETENTION_DAYS = 400
    finished = AssignmentFactory(status=Assignment.Status.COMPLETED)
    still_open = AssignmentFactory()
    purged = NotificationFactory(assignment=finished, created_at=old(401))
    recent = NotificationFactory(
        assignment=finished, kind=Notification.Kind.OVERDUE, created_at=old(399)
    )
    # Still marks "already sent" for reading that is open: a late sweep must not resend it.
    kept_open = NotificationFactory(assignment=still_open, created_at=old(500))
    digest = NotificationFactory(
        kind=Notification.Kind.DIGEST,
        assignment=None,
        digest_date=old(450).date(),
        created_at=old(450),
    )

    assert retention_run(dry_run=True).notifications_deleted == 2
    assert Notification.objects.count() == 4

    report = retention_run()
    assert report.notifications_deleted == 2
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, kept_open.pk}
    assert purged.pk not in remaining and digest.pk not in remaining


def test_the_audit_trail_is_never_touched(patient, clinician):
    from apps.audit.services import audit_log

    audit_log(actor=clinician, action="patient.view", patient=patient)
    count = AuditEvent.objects.count()
    retention_run()
    assert AuditEvent.objects.count() == count == 1


def test_command_reports_what_it_would_delete(capsys):
    make_session(expires_in=timedelta(minutes=-5))
    call_command("retention", "--dry-run")
    assert "would delete 1 expired sessions and 0 notification log rows" in capsys.readouterr().out
    assert Session.objects.count() == 1
