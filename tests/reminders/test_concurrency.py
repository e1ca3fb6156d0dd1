"""Two sweeps at once against the real PostgreSQL: exactly one row and one email each."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connections

from apps.reminders import services
from apps.reminders.models import Notification
from tests.factories import PatientFactory

from .factories import AssignmentFactory, NotificationFactory
from .helpers import NEW_YORK, local

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NOW = local(NEW_YORK, 2026, 6, 10, 10, 0)
PEOPLE = 40


def _at_once(*targets) -> None:
    """Run each target in its own thread (so its own database connection), all released
    together by a barrier, and re-raise the first error any of them hit."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.fixture
def small_batches(settings):
    # Many small batches make the two sweeps interleave instead of one finishing first.
    settings.REMINDERS_SWEEP_BATCH_SIZE = 5
    settings.REMINDERS_DELIVERY_BATCH_SIZE = 3


def test_two_sweeps_at_once_make_one_row_and_one_email_per_reminder(
    require_services, small_batches
):
    for n in range(PEOPLE):
        patient = PatientFactory(timezone=NEW_YORK, email=f"p{n}@example.org")
        AssignmentFactory(patient=patient, due_on=date(2026, 6, 12))  # due soon
        AssignmentFactory(patient=patient, due_on=date(2026, 6, 9))  # overdue

    def sweep():
        services.reminder_sweep(now=NOW, deliver="inline")

    _at_once(sweep, sweep)

    assert Notification.objects.count() == 2 * PEOPLE
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2 * PEOPLE
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert len(mail.outbox) == 2 * PEOPLE
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(f"p{n}@example.org" for n in range(PEOPLE) for _ in range(2))


def test_two_workers_given_the_same_ids_send_each_email_once(require_services):
    queued = [
        NotificationFactory(
            recipient=PatientFactory(timezone=NEW_YORK),
            assignment=None,
            kind=Notification.Kind.DUE_SOON,
            created_at=NOW,
            send_after=NOW,
        )
        for _ in range(PEOPLE)
    ]
    for notification in queued:
        notification.assignment = AssignmentFactory(
            patient=notification.recipient, due_on=date(2026, 6, 12)
        )
        notification.save(update_fields=["assignment"])
    ids = [notification.pk for notification in queued]

    def deliver():
        services.notification_batch_deliver(ids=ids, now=NOW)

    _at_once(deliver, deliver, deliver)

    assert len(mail.outbox) == PEOPLE
    assert (
        Notification.objects.filter(status=Notification.Status.SENT, attempts=1).count() == PEOPLE
    )
