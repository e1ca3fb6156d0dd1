"""Delivery: one email per row however often a task runs, retries with a cap, all recorded."""

from datetime import date

import pytest
import time_machine
from django.core import mail

from apps.reminders import services
from apps.reminders.conf import reminder_setting
from apps.reminders.models import Notification
from apps.reminders.tasks import deliver_notifications
from tests.factories import PatientFactory

from .factories import AssignmentFactory, NotificationFactory
from .helpers import NEW_YORK, local

pytestmark = pytest.mark.django_db

NOW = local(NEW_YORK, 2026, 6, 10, 10, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queued():
    patient = PatientFactory(timezone=NEW_YORK)
    assignment = AssignmentFactory(patient=patient, due_on=date(2026, 6, 12))
    return NotificationFactory(
        recipient=patient, assignment=assignment, created_at=NOW, send_after=NOW
    )


@pytest.fixture
def eager_retries(monkeypatch):
    """Let eagerly run tasks retry in place (propagating would raise celery's Retry)."""
    monkeypatch.setattr(deliver_notifications.app.conf, "task_eager_propagates", False)


@pytest.fixture
def fails_once():
    mail.failed_once = False
    yield
    del mail.failed_once


def test_a_redelivered_task_does_not_send_twice(queued):
    deliver_notifications.delay([queued.pk])
    deliver_notifications.delay([queued.pk])
    services.notification_batch_deliver(ids=[queued.pk])

    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.status == Notification.Status.SENT
    assert queued.attempts == 1
    assert queued.sent_at == NOW


def test_a_failed_send_is_recorded_and_kept_queued_for_a_retry(settings, queued):
    settings.EMAIL_BACKEND = "tests.reminders.backends.AlwaysFailingBackend"

    report = services.notification_batch_deliver(ids=[queued.pk])

    assert report.retry_ids == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == Notification.Status.QUEUED
    assert queued.attempts == 1
    assert queued.last_attempt_at == NOW
    assert (
        queued.last_error == "ConnectionRefusedError"
    )  # never the message: it can quote addresses


def test_the_task_retries_until_the_cap_then_marks_the_row_failed(settings, queued, eager_retries):
    settings.EMAIL_BACKEND = "tests.reminders.backends.AlwaysFailingBackend"

    deliver_notifications.delay([queued.pk])  # eager: its retries run at once

    queued.refresh_from_db()
    assert queued.status == Notification.Status.FAILED
    assert queued.attempts == reminder_setting("MAX_ATTEMPTS")
    # A failed row is not picked up again by later sweeps.
    services.reminder_sweep(deliver="inline")
    queued.refresh_from_db()
    assert queued.attempts == reminder_setting("MAX_ATTEMPTS")


def test_a_passing_failure_is_retried_and_sent_once(settings, queued, fails_once, eager_retries):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FailsOnceBackend"

    deliver_notifications.delay([queued.pk])

    queued.refresh_from_db()
    assert queued.status == Notification.Status.SENT
    assert queued.attempts == 2
    assert queued.last_error == ""
    assert len(mail.outbox) == 1


def test_the_retry_carries_only_the_rows_that_failed(settings, monkeypatch, queued, eager_retries):
    settings.EMAIL_BACKEND = "tests.reminders.backends.AlwaysFailingBackend"
    retried_with = []
    original = deliver_notifications.retry

    def spy(*args, **kwargs):
        retried_with.append((kwargs["args"], kwargs["countdown"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(deliver_notifications, "retry", spy)
    other = NotificationFactory(kind=Notification.Kind.OVERDUE, created_at=NOW, send_after=NOW)
    Notification.objects.filter(pk=other.pk).update(status=Notification.Status.SENT)

    deliver_notifications.delay([other.pk, queued.pk])

    assert [args for args, _countdown in retried_with][0] == [[queued.pk]]
    # Exponential backoff with full jitter, never beyond the cap.
    assert all(0 <= countdown <= 600 for _args, countdown in retried_with)


def test_a_row_that_is_not_due_yet_is_left_queued(queued):
    later = local(NEW_YORK, 2026, 6, 10, 12, 0)
    Notification.objects.filter(pk=queued.pk).update(send_after=later)

    services.notification_batch_deliver(ids=[queued.pk])

    queued.refresh_from_db()
    assert queued.status == Notification.Status.QUEUED
    assert queued.send_after == later
    assert queued.enqueued_at is None
    assert mail.outbox == []


def test_reminder_emails_offer_one_click_unsubscribe(queued):
    services.notification_batch_deliver(ids=[queued.pk])

    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/notifications/unsubscribe/"
    )
    assert message.alternatives[0].mimetype == "text/html"
