"""The Notification log: read-only in the admin, and on the clinician's patient page."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.audit.models import AuditEvent
from apps.reminders.models import Notification
from apps.reminders.selectors import notification_list_for_patient
from tests.factories import PatientFactory, ensure_mfa
from tests.library.factories import PublishedModuleFactory

from .factories import AssignmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reminders_notification_changelist")


@pytest.fixture
def admin_client(client, admin_user):
    ensure_mfa(admin_user)  # staff must use two-step verification before the admin opens
    client.force_login(admin_user)
    return client


def test_admin_lists_the_log_with_a_bounded_number_of_queries(admin_client):
    NotificationFactory.create_batch(2)
    admin_client.get(CHANGELIST)  # the first request of a session does one-off work
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(CHANGELIST).status_code == 200
    NotificationFactory.create_batch(15)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_admin_filters_by_status_and_kind(admin_client):
    NotificationFactory(kind=Notification.Kind.OVERDUE, status=Notification.Status.FAILED)
    response = admin_client.get(CHANGELIST, {"status__exact": "failed", "kind__exact": "overdue"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_the_admin_log_is_read_only_and_viewing_it_is_audited(admin_client, admin_user):
    notification = NotificationFactory()
    url = reverse("admin:reminders_notification_change", args=[notification.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"status": "sent"}).status_code == 403
    assert admin_client.get(reverse("admin:reminders_notification_add")).status_code == 403
    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    event = AuditEvent.objects.filter(action="notification.view").get()
    assert (event.actor, event.subject_patient) == (admin_user, notification.recipient)


def test_a_patients_log_holds_only_their_messages_newest_first():
    patient = PatientFactory()
    first = NotificationFactory(recipient=patient)
    second = NotificationFactory(recipient=patient, kind=Notification.Kind.OVERDUE)
    NotificationFactory()  # someone else's

    assert list(notification_list_for_patient(patient=patient)) == [second, first]


def test_the_patient_page_include_shows_what_was_sent(clinician, patient):
    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    assignment = AssignmentFactory(patient=patient, module=module)
    NotificationFactory(
        recipient=patient, assignment=assignment, kind=Notification.Kind.OVERDUE, sequence=2
    )
    NotificationFactory(
        recipient=patient,
        status=Notification.Status.SKIPPED,
        skip_reason=Notification.SkipReason.ASSIGNMENT_COMPLETED,
    )
    request = RequestFactory().get("/")
    request.user = clinician

    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "reminders/_patient_notifications.html",
            {"notifications": notification_list_for_patient(patient=patient)},
            request=request,
        )

    assert len(queries) == 1
    assert "<caption" in html and 'scope="col"' in html
    assert "Reading overdue (reminder 2)" in html
    # The clinician, unlike the email, may see which reading it was about.
    assert "Checkpoint inhibitors" in html
    assert "Not sent: the reading was finished" in html


def test_an_empty_patient_log_says_so(clinician, patient):
    request = RequestFactory().get("/")
    request.user = clinician
    html = render_to_string(
        "reminders/_patient_notifications.html",
        {"notifications": notification_list_for_patient(patient=patient)},
        request=request,
    )
    assert "No emails have been sent to this patient yet." in html


def test_beat_schedules_are_created_by_migration_and_editable():
    dispatch = PeriodicTask.objects.get(task="apps.reminders.tasks.dispatch_reminders")
    assert (dispatch.interval.every, dispatch.interval.period) == (5, "minutes")
    assert dispatch.enabled and dispatch.expire_seconds < 300
    digests = PeriodicTask.objects.get(task="apps.reminders.tasks.dispatch_digests")
    assert digests.crontab.hour == "*" and digests.crontab.minute == "2"
    assert digests.enabled


def test_running_the_schedule_migration_again_does_not_duplicate_it():
    migration = importlib.import_module("apps.reminders.migrations.0003_beat_schedules")
    migration.create_schedules(django_apps, None)
    assert PeriodicTask.objects.filter(task__startswith="apps.reminders.tasks.").count() == 2
