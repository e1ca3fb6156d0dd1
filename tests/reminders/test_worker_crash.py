"""A real Celery worker killed with SIGKILL in the middle of a batch of reminders: another
worker finishes the batch, every reminder is sent, and the one send the kill cut short is
recorded as interrupted, resent once and so at most one duplicate."""

import json
import signal
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from apps.reminders import services
from apps.reminders.models import Notification
from tests.factories import ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory

from .factories import AssignmentFactory, NotificationPreferenceFactory
from .workers import emails_by_recipient, start_worker, use_real_queue, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REMINDERS = 24
KILL_AFTER_EMAILS = 8
Status = Notification.Status


def _unacknowledged(queue: str) -> list:
    """Messages of `queue` that a worker took and has not acknowledged (kombu's Redis
    transport keeps them in the "unacked" hash as [message, exchange, routing key])."""
    broker = redis.Redis.from_url(settings.REDIS_URL)
    return [entry for entry in broker.hvals("unacked") if json.loads(entry)[2] == queue]


@pytest.fixture
def due_reminders():
    """REMINDERS patients, each with one reading due in two days; quiet hours off."""
    module = PublishedModuleFactory()
    clinician = ClinicianFactory()
    today = timezone.now().date()
    for number in range(REMINDERS):
        patient = PatientFactory(email=f"crash-{number}@example.org", timezone="UTC")
        NotificationPreferenceFactory(user=patient, quiet_start="00:00", quiet_end="00:00")
        AssignmentFactory(
            patient=patient,
            module=module,
            assigned_by=clinician,
            due_on=today + timedelta(days=2),
        )


@pytest.fixture
def queue(require_services, monkeypatch, settings):
    """Tasks this test queues go for real to a Redis queue only its workers consume."""
    name = use_real_queue(monkeypatch, settings, prefix="reminders-crash")
    settings.REMINDERS_DELIVERY_BATCH_SIZE = 10
    return name


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_once(
    queue, due_reminders, tmp_path
):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    slow = {"PORTAL_TEST_EMAIL_BACKEND": "tests.reminders.backends.SlowFileBackend"}
    first = start_worker(queue=queue, mail_dir=mail_dir, **slow)
    second = None
    try:
        report = services.reminder_sweep(deliver="enqueue")
        assert report.dispatched == {Notification.Kind.DUE_SOON: REMINDERS}

        # SIGKILL: no warm shutdown, no acknowledgement, no chance to record anything.
        assert wait_for(
            lambda: sum(emails_by_recipient(mail_dir).values()) >= KILL_AFTER_EMAILS, 30, 0.01
        ), first.tail()
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        cut_short = list(Notification.objects.filter(status=Status.SENDING))
        # The send in progress is on record as such, with its attempt counted.
        assert len(cut_short) == 1
        assert cut_short[0].attempts == 1
        assert Notification.objects.filter(status=Status.QUEUED).exists()

        # The broker hands the dead worker's task to the next worker (a short visibility
        # timeout stands in for minutes), and the next sweep, once the lease of the
        # interrupted send has run out, puts that one back in the queue.
        second = start_worker(
            queue=queue, mail_dir=mail_dir, PORTAL_TEST_VISIBILITY_TIMEOUT="1", **slow
        )
        later = timezone.now() + timedelta(minutes=10)
        services.dispatch_due_notifications(now=later, deliver="enqueue")

        def all_sent():
            return not Notification.objects.exclude(status=Status.SENT).exists()

        assert wait_for(all_sent, 40), second.tail()
        # The killed worker's task was handed on and acknowledged, not left waiting for the
        # production visibility timeout.
        assert wait_for(lambda: not _unacknowledged(queue), 20), second.tail()
    finally:
        first.stop()
        if second is not None:
            second.stop()

    rows = list(Notification.objects.select_related("recipient"))
    assert len(rows) == REMINDERS
    emails = emails_by_recipient(mail_dir)
    interrupted = [row for row in rows if row.interrupted_sends]
    assert [row.pk for row in interrupted] == [cut_short[0].pk]
    for row in rows:
        # Every reminder reached its patient; a second email only for the interrupted one.
        assert 1 <= emails[row.recipient.email] <= 1 + row.interrupted_sends
        assert row.attempts == 1 + row.interrupted_sends
    duplicates = sum(emails.values()) - REMINDERS
    assert duplicates <= len(interrupted)
