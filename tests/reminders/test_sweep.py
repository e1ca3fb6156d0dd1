"""The assignment reminders, swept at frozen moments in the patient's own time zone."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments.models import Assignment
from apps.reminders import services
from apps.reminders.conf import reminder_setting
from apps.reminders.models import Notification
from tests.factories import PatientFactory

from .factories import AssignmentFactory, NotificationPreferenceFactory
from .helpers import AUCKLAND, LOS_ANGELES, NEW_YORK, emails_to, local, rows, sweep, utc

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def _patient(tz=NEW_YORK, **kwargs):
    return PatientFactory(timezone=tz, **kwargs)


def _assignment(patient, *, due_on=None, assigned_at=None, **kwargs):
    return AssignmentFactory(
        patient=patient,
        due_on=due_on,
        assigned_at=assigned_at or local(patient.timezone, 2026, 1, 5, 10, 0),
        **kwargs,
    )


# --- due soon ---------------------------------------------------------------------------


def test_due_soon_is_sent_once_two_days_before_the_due_date():
    patient = _patient()
    assignment = _assignment(patient, due_on=date(2026, 3, 20))

    sweep(local(NEW_YORK, 2026, 3, 17, 10, 0))
    assert rows() == []

    sweep(local(NEW_YORK, 2026, 3, 18, 10, 0))
    sweep(local(NEW_YORK, 2026, 3, 18, 10, 5))
    sweep(local(NEW_YORK, 2026, 3, 19, 10, 0))

    [notification] = rows()
    assert (notification.kind, notification.assignment, notification.sequence) == (
        Kind.DUE_SOON,
        assignment,
        1,
    )
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at == local(NEW_YORK, 2026, 3, 18, 10, 0)
    assert len(emails_to(patient.email)) == 1
    assert len(mail.outbox) == 1


def test_the_patients_calendar_decides_not_the_utc_date():
    patient = _patient(NEW_YORK)
    _assignment(patient, due_on=date(2026, 6, 12))

    # 02:00 UTC on 10 June is still 22:00 on 9 June in New York: three days before.
    sweep(utc(2026, 6, 10, 2, 0))
    assert rows() == []

    # Midnight in New York: the reminder day has begun, but it is quiet hours.
    sweep(utc(2026, 6, 10, 4, 0))
    [notification] = rows()
    assert notification.status == Notification.Status.QUEUED
    assert notification.send_after == local(NEW_YORK, 2026, 6, 10, 8, 0)
    assert mail.outbox == []


def test_auckland_and_los_angeles_get_theirs_on_their_own_day():
    kiwi = _patient(AUCKLAND, email="kiwi@example.org")
    angeleno = _patient(LOS_ANGELES, email="angeleno@example.org")
    _assignment(kiwi, due_on=date(2026, 6, 13))
    _assignment(angeleno, due_on=date(2026, 6, 13))

    # 20:00 UTC on 10 June: 08:00 on 11 June in Auckland, 13:00 on 10 June in Los Angeles.
    sweep(utc(2026, 6, 10, 20, 0))
    assert len(emails_to("kiwi@example.org")) == 1
    assert emails_to("angeleno@example.org") == []

    # 16:00 UTC on 11 June: 09:00 on 11 June in Los Angeles (04:00 the 12th in Auckland).
    sweep(utc(2026, 6, 11, 16, 0))
    assert len(emails_to("kiwi@example.org")) == 1
    assert len(emails_to("angeleno@example.org")) == 1
    assert Notification.objects.count() == 2


def test_on_the_dst_change_day_quiet_hours_end_at_eight_local_time():
    patient = _patient(NEW_YORK)
    _assignment(patient, due_on=date(2026, 3, 10))

    sweep(utc(2026, 3, 8, 5, 30))  # 00:30 EST on 8 March, two days before
    [notification] = rows()
    assert notification.send_after == utc(2026, 3, 8, 12, 0)  # 08:00 EDT

    sweep(utc(2026, 3, 8, 11, 55))  # 07:55 EDT: still quiet
    assert mail.outbox == []

    sweep(utc(2026, 3, 8, 12, 0))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_quiet_hours_defer_and_the_message_goes_later():
    patient = _patient(NEW_YORK)
    _assignment(patient, due_on=date(2026, 6, 12))

    sweep(local(NEW_YORK, 2026, 6, 10, 22, 15))
    [notification] = rows()
    assert notification.status == Notification.Status.QUEUED
    assert notification.send_after == local(NEW_YORK, 2026, 6, 11, 8, 0)
    assert mail.outbox == []

    sweep(local(NEW_YORK, 2026, 6, 11, 3, 0))
    assert mail.outbox == []

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at == local(NEW_YORK, 2026, 6, 11, 8, 5)
    assert len(mail.outbox) == 1


def test_a_patients_own_quiet_hours_are_respected():
    patient = _patient(NEW_YORK)
    NotificationPreferenceFactory(user=patient, quiet_start=time(9, 0), quiet_end=time(17, 0))
    _assignment(patient, due_on=date(2026, 6, 12))

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert mail.outbox == []
    assert rows()[0].send_after == local(NEW_YORK, 2026, 6, 10, 17, 0)

    sweep(local(NEW_YORK, 2026, 6, 10, 17, 0))
    assert len(mail.outbox) == 1


# --- overdue ----------------------------------------------------------------------------


def test_overdue_the_day_after_then_weekly_and_never_more_than_three():
    patient = _patient(NEW_YORK)
    assignment = _assignment(patient, due_on=date(2026, 4, 10))

    day = date(2026, 4, 10)  # the due day: too late for "due soon", too early for overdue
    sent_on = []
    while day <= date(2026, 5, 20):
        before = len(mail.outbox)
        sweep(local(NEW_YORK, day.year, day.month, day.day, 10, 0))
        if len(mail.outbox) > before:
            sent_on.append(day)
        day += timedelta(days=1)

    assert sent_on == [date(2026, 4, 11), date(2026, 4, 18), date(2026, 4, 25)]
    overdue = rows(kind=Kind.OVERDUE, assignment=assignment)
    assert [n.sequence for n in overdue] == [1, 2, 3]
    assert all(n.status == Notification.Status.SENT for n in overdue)


def test_a_missed_overdue_day_is_caught_up_within_its_week_only():
    patient = _patient(NEW_YORK)
    _assignment(patient, due_on=date(2026, 4, 10))

    sweep(local(NEW_YORK, 2026, 4, 13, 10, 0))  # the sweep was down on the 11th and 12th
    sweep(local(NEW_YORK, 2026, 4, 26, 10, 0))  # and again for the whole second week

    assert [n.sequence for n in rows(kind=Kind.OVERDUE)] == [1, 3]
    assert len(mail.outbox) == 2


# --- not started ------------------------------------------------------------------------


def test_not_started_three_calendar_days_after_assigning():
    patient = _patient(NEW_YORK)
    assignment = _assignment(patient, assigned_at=local(NEW_YORK, 2026, 5, 1, 23, 30))

    sweep(local(NEW_YORK, 2026, 5, 3, 20, 0))
    assert rows() == []

    sweep(local(NEW_YORK, 2026, 5, 4, 9, 0))
    sweep(local(NEW_YORK, 2026, 5, 6, 9, 0))
    [notification] = rows()
    assert (notification.kind, notification.assignment) == (Kind.NOT_STARTED, assignment)
    assert len(mail.outbox) == 1


def test_no_not_started_reminder_once_reading_has_begun_or_with_a_due_date():
    patient = _patient(NEW_YORK)
    _assignment(
        patient,
        assigned_at=local(NEW_YORK, 2026, 5, 1, 9, 0),
        status=Assignment.Status.IN_PROGRESS,
    )
    _assignment(patient, assigned_at=local(NEW_YORK, 2026, 5, 1, 9, 0), due_on=date(2026, 6, 30))

    sweep(local(NEW_YORK, 2026, 5, 4, 9, 0))
    assert rows() == []


# --- who never gets one -----------------------------------------------------------------


@pytest.mark.parametrize("status", [Assignment.Status.COMPLETED, Assignment.Status.CANCELLED])
def test_nothing_for_completed_or_cancelled_reading(status):
    patient = _patient()
    _assignment(patient, due_on=date(2026, 6, 12), status=status)
    _assignment(patient, due_on=date(2026, 6, 1), status=status)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert rows() == []
    assert mail.outbox == []


def test_nothing_for_an_inactive_account():
    patient = _patient(is_active=False)
    _assignment(patient, due_on=date(2026, 6, 12))

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert rows() == []


def test_nothing_for_a_patient_who_turned_that_reminder_off():
    patient = _patient()
    NotificationPreferenceFactory(user=patient, due_soon=False)
    _assignment(patient, due_on=date(2026, 6, 12))
    _assignment(patient, due_on=date(2026, 6, 5))

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    # Only the overdue one: due-soon emails are off, overdue ones are still on.
    assert [n.kind for n in rows()] == [Kind.OVERDUE]


def test_nothing_at_all_after_unsubscribing_from_everything():
    patient = _patient()
    services.notifications_unsubscribe_all(user=patient)
    _assignment(patient, due_on=date(2026, 6, 12))
    _assignment(patient, due_on=date(2026, 6, 5))

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert rows() == []


# --- re-checked when it is time to send ----------------------------------------------------


def _queued_overnight(patient, **assignment_kwargs):
    """A due-soon reminder created at 22:00, waiting for the morning."""
    assignment = _assignment(patient, due_on=date(2026, 6, 12), **assignment_kwargs)
    sweep(local(NEW_YORK, 2026, 6, 10, 22, 0))
    [notification] = rows()
    assert notification.status == Notification.Status.QUEUED
    return assignment, notification


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Assignment.Status.COMPLETED, Notification.SkipReason.ASSIGNMENT_COMPLETED),
        (Assignment.Status.CANCELLED, Notification.SkipReason.ASSIGNMENT_CANCELLED),
    ],
)
def test_reading_finished_or_cancelled_in_between_is_not_sent(status, reason):
    patient = _patient()
    assignment, notification = _queued_overnight(patient)
    Assignment.objects.filter(pk=assignment.pk).update(status=status)

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SKIPPED
    assert notification.skip_reason == reason
    assert notification.sent_at is None
    assert mail.outbox == []


def test_account_deactivated_in_between_is_not_sent():
    patient = _patient()
    _, notification = _queued_overnight(patient)
    patient.is_active = False
    patient.save(update_fields=["is_active"])

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    notification.refresh_from_db()
    assert notification.skip_reason == Notification.SkipReason.INACTIVE_ACCOUNT
    assert mail.outbox == []


def test_opting_out_in_between_is_respected():
    patient = _patient()
    _, notification = _queued_overnight(patient)
    NotificationPreferenceFactory(user=patient, due_soon=False)

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    notification.refresh_from_db()
    assert notification.skip_reason == Notification.SkipReason.OPTED_OUT
    assert mail.outbox == []


def test_a_due_date_moved_later_in_between_cancels_the_due_soon_email():
    patient = _patient()
    assignment, notification = _queued_overnight(patient)
    Assignment.objects.filter(pk=assignment.pk).update(due_on=date(2026, 7, 30))

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    notification.refresh_from_db()
    assert notification.skip_reason == Notification.SkipReason.NO_LONGER_DUE
    assert mail.outbox == []


def test_a_due_soon_deferred_into_the_due_day_is_still_sent():
    patient = _patient()
    _assignment(patient, due_on=date(2026, 6, 12))
    sweep(local(NEW_YORK, 2026, 6, 11, 23, 0))  # the day before, but quiet hours

    sweep(local(NEW_YORK, 2026, 6, 12, 8, 0))
    assert rows()[0].status == Notification.Status.SENT
    assert len(mail.outbox) == 1


# --- scale and wiring ---------------------------------------------------------------------


def test_the_sweep_reads_in_batches_without_a_query_per_assignment(settings):
    settings.REMINDERS_SWEEP_BATCH_SIZE = 1000
    now = local(NEW_YORK, 2026, 6, 10, 10, 0)

    def queries_for(count: int) -> int:
        for _ in range(count):
            _assignment(_patient(), due_on=date(2026, 6, 12))
        with CaptureQueriesContext(connection) as captured:
            services.reminder_sweep(now=now, deliver="none")
        return len(captured)

    few = queries_for(3)
    Notification.objects.all().delete()
    many = queries_for(40)
    assert few == many
    assert Notification.objects.count() == 43


def test_small_batches_still_cover_every_assignment(settings, django_capture_on_commit_callbacks):
    settings.REMINDERS_SWEEP_BATCH_SIZE = 2
    settings.REMINDERS_DELIVERY_BATCH_SIZE = 2
    for _ in range(5):
        _assignment(_patient(), due_on=date(2026, 6, 12))

    with (
        time_machine.travel(local(NEW_YORK, 2026, 6, 10, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        report = services.reminder_sweep()

    assert report.created[Kind.DUE_SOON] == 5
    assert report.dispatched[Kind.DUE_SOON] == 5
    assert len(callbacks) == 3  # one delivery task per batch of two ids
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 5
    assert len(mail.outbox) == 5


def test_the_beat_task_sweeps_and_delivers_through_celery(django_capture_on_commit_callbacks):
    from apps.reminders.tasks import dispatch_reminders

    patient = _patient()
    _assignment(patient, due_on=date(2026, 6, 12))

    with (
        time_machine.travel(local(NEW_YORK, 2026, 6, 10, 10, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = dispatch_reminders.delay()

    assert result.get()["created"] == {Kind.DUE_SOON: 1}
    assert len(emails_to(patient.email)) == 1
    assert rows()[0].status == Notification.Status.SENT


def test_a_row_whose_delivery_task_was_lost_is_handed_over_again():
    patient = _patient()
    _assignment(patient, due_on=date(2026, 6, 12))
    now = local(NEW_YORK, 2026, 6, 10, 10, 0)
    services.reminder_sweep(now=now, deliver="enqueue")  # task never runs: lost
    [notification] = rows()
    assert notification.enqueued_at == now

    sweep(now + timedelta(minutes=5))
    assert mail.outbox == []  # the first task might still be on its way

    sweep(now + timedelta(minutes=reminder_setting("REQUEUE_AFTER_MINUTES") + 1))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_dry_run_counts_and_changes_nothing():
    patient = _patient()
    _assignment(patient, due_on=date(2026, 6, 12))
    _assignment(patient, due_on=date(2026, 6, 9))

    report = services.reminder_sweep(now=local(NEW_YORK, 2026, 6, 10, 10, 0), dry_run=True)

    assert report.created == {Kind.DUE_SOON: 1, Kind.OVERDUE: 1}
    assert Notification.objects.count() == 0
    assert mail.outbox == []
