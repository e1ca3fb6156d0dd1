"""A worker that dies mid-send: the claim is committed before the email leaves, so the row
says "sending"; it is resent at most once, after its lease, and the possible duplicate is
counted. Lost tasks come back within minutes, and a long batch hands its rest on."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail

from apps.reminders import services
from apps.reminders.conf import reminder_setting
from apps.reminders.models import Notification
from tests.factories import PatientFactory

from .factories import AssignmentFactory, NotificationFactory
from .helpers import NEW_YORK, local

NOW = local(NEW_YORK, 2026, 6, 10, 10, 0)
Status = Notification.Status


def _queued(**kwargs) -> Notification:
    patient = PatientFactory(timezone=NEW_YORK)
    assignment = AssignmentFactory(patient=patient, due_on=date(2026, 6, 12))
    return NotificationFactory(
        recipient=patient, assignment=assignment, created_at=NOW, send_after=NOW, **kwargs
    )


def _lease_over(moment):
    return moment + timedelta(seconds=reminder_setting("SEND_LEASE_SECONDS") + 1)


def _send_and_die(notification: Notification, *, now, settings) -> None:
    """Deliver the row with a worker that dies right after handing the email over."""
    settings.EMAIL_BACKEND = "tests.reminders.backends.WorkerDiesAfterSendingBackend"
    with pytest.raises(SystemExit):
        services.notification_batch_deliver(ids=[notification.pk], now=now)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def interrupted(settings) -> Notification:
    notification = _queued()
    _send_and_die(notification, now=NOW, settings=settings)
    return notification


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_email_leaves(settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.RecordsStateAtSendBackend"
    notification = _queued()
    mail.states_at_send = []

    services.notification_batch_deliver(ids=[notification.pk], now=NOW)

    # Outside any transaction, the committed row already says "sending", attempt 1.
    assert mail.states_at_send == [(False, [(Status.SENDING, 1)])]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)
    del mail.states_at_send


@pytest.mark.django_db
def test_a_send_cut_short_by_a_dying_worker_is_left_as_sending(settings):
    notification = _queued()

    _send_and_die(notification, now=NOW, settings=settings)

    notification.refresh_from_db()
    assert notification.status == Status.SENDING
    assert notification.attempts == 1
    assert notification.last_attempt_at == NOW
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_interrupted_send_is_not_resent_while_its_lease_runs(interrupted):
    notification = interrupted

    # The broker redelivers the task at once, or a sweep runs: the worker may still be busy.
    almost = NOW + timedelta(seconds=reminder_setting("SEND_LEASE_SECONDS") - 1)
    services.notification_batch_deliver(ids=[notification.pk], now=almost)
    services.dispatch_due_notifications(now=almost, deliver="inline")

    notification.refresh_from_db()
    assert notification.status == Status.SENDING
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_sweep_resends_an_interrupted_send_once_and_counts_it(interrupted):
    notification = interrupted

    with time_machine.travel(_lease_over(NOW), tick=False):
        report = services.dispatch_due_notifications(now=_lease_over(NOW), deliver="inline")
        services.dispatch_due_notifications(now=_lease_over(NOW), deliver="inline")

    assert report.outcomes == {(Notification.Kind.DUE_SOON, services.SENT): 1}
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.attempts == 2
    # The first email may have gone out: the second one is a possible duplicate, counted.
    assert notification.interrupted_sends == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_redelivered_task_resends_an_interrupted_send_after_its_lease(interrupted):
    notification = interrupted

    services.notification_batch_deliver(ids=[notification.pk], now=_lease_over(NOW))

    notification.refresh_from_db()
    assert (notification.status, notification.interrupted_sends) == (Status.SENT, 1)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_second_interruption_fails_the_row_instead_of_a_third_email(interrupted, settings):
    notification = interrupted
    _send_and_die(notification, now=_lease_over(NOW), settings=settings)

    later = _lease_over(_lease_over(NOW))
    services.dispatch_due_notifications(now=later, deliver="inline")
    services.notification_batch_deliver(ids=[notification.pk], now=later)

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.interrupted_sends == 2
    assert notification.last_error == "Interrupted"
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_row_whose_task_was_lost_is_sent_again_within_ten_minutes():
    notification = _queued()
    services.dispatch_due_notifications(now=NOW, deliver="enqueue")  # on_commit: never runs
    notification.refresh_from_db()
    assert notification.enqueued_at == NOW

    services.dispatch_due_notifications(now=NOW + timedelta(minutes=10), deliver="inline")

    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_batch_past_its_time_budget_hands_the_rest_to_a_new_task():
    first, second, third = (_queued() for _ in range(3))
    ids = [first.pk, second.pk, third.pk]

    report = services.notification_batch_deliver(ids=ids, now=NOW, budget_seconds=0)

    assert report.unstarted_ids == [second.pk, third.pk]
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=second.pk).status == Status.QUEUED


@pytest.mark.django_db
def test_the_delivery_task_queues_the_rest_of_a_long_batch(settings):
    from apps.reminders.tasks import deliver_notifications

    settings.REMINDERS_DELIVERY_BUDGET_SECONDS = 0
    ids = [_queued().pk for _ in range(3)]

    with time_machine.travel(NOW, tick=False):
        deliver_notifications.delay(ids)  # eager: each new task runs at once

    assert sorted(Notification.objects.values_list("status", flat=True)) == [Status.SENT] * 3
    assert len(mail.outbox) == 3
