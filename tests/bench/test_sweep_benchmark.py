"""The sweep benchmark's set-up: exactly N due assignments, a baseline insert that leaves
nothing behind, and the child command's measurement."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.assignments.models import Assignment
from apps.bench import seed, sweep
from apps.reminders.models import Notification
from tests.factories import ClinicianFactory
from tests.reminders.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment():
    return sweep.sweep_moment()


@pytest.fixture
def sweep_data(library, moment):
    clinician = ClinicianFactory(email=seed.BIG_CLINICIAN_EMAIL)
    return sweep.sweep_patients_seed(assignments=30, clinician_id=clinician.pk, now=moment)


def test_sweep_patients_have_one_open_assignment_per_module(sweep_data, library):
    assert sweep_data == 33  # three patients, eleven modules each
    assert sweep.sweep_assignments().filter(status=Assignment.Status.ASSIGNED).count() == 33


def test_exactly_the_asked_number_is_due_and_the_baseline_leaves_nothing(sweep_data, moment):
    watermark = sweep.notification_watermark()
    assert sweep.sweep_prepare(due=12, moment=moment, watermark=watermark) == 12

    seconds, rows = sweep.plain_insert_seconds(moment=moment, watermark=watermark)

    assert rows == 12
    assert seconds >= 0
    assert not Notification.objects.filter(assignment__in=sweep.sweep_assignments()).exists()


def test_the_child_command_sweeps_the_due_ones_and_reports_its_memory(sweep_data, moment):
    sweep.sweep_prepare(due=12, moment=moment, watermark=sweep.notification_watermark())
    out = StringIO()

    call_command("bench_sweep_once", now=moment.isoformat(), deliver="none", stdout=out)

    measured = json.loads(out.getvalue().strip().splitlines()[-1])
    assert measured["created"] == 12
    assert measured["seconds"] >= 0
    assert measured["peak_rss_mb"] is None or measured["peak_rss_mb"] > 0
    assert (
        Notification.objects.filter(
            kind=Notification.Kind.DUE_SOON, assignment__in=sweep.sweep_assignments()
        ).count()
        == 12
    )


def test_preparing_again_removes_the_sweeps_reminders_and_keeps_earlier_ones(sweep_data, moment):
    earlier = NotificationFactory()
    watermark = sweep.notification_watermark()
    sweep.sweep_prepare(due=12, moment=moment, watermark=watermark)
    call_command("bench_sweep_once", now=moment.isoformat(), deliver="none", stdout=StringIO())
    assert Notification.objects.filter(assignment__in=sweep.sweep_assignments()).count() == 12

    assert sweep.sweep_prepare(due=20, moment=moment, watermark=watermark) == 20

    assert not Notification.objects.filter(assignment__in=sweep.sweep_assignments()).exists()
    assert list(Notification.objects.values_list("pk", flat=True)) == [earlier.pk]
