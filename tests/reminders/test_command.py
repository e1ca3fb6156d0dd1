"""manage.py send_reminders [--dry-run]: one sweep, counts per kind, no health details."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from apps.reminders.models import Notification
from tests.factories import PatientFactory
from tests.library.factories import PublishedModuleFactory

from .factories import AssignmentFactory
from .helpers import NEW_YORK, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_work():
    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    patient = PatientFactory(timezone=NEW_YORK, name="Pat Example")
    AssignmentFactory(patient=patient, module=module, due_on=date(2026, 6, 12))
    AssignmentFactory(patient=patient, due_on=date(2026, 6, 9))
    return patient


def _run(*args) -> str:
    out = StringIO()
    with time_machine.travel(local(NEW_YORK, 2026, 6, 10, 10, 0), tick=False):
        call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(due_work):
    output = _run("--dry-run")

    assert "dry run" in output
    assert "Would create: 2" in output
    assert "due_soon (Reading due soon): 1" in output
    assert "overdue (Reading overdue): 1" in output
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_real_run_sends_and_prints_counts_only(due_work):
    output = _run()

    assert "Created: 2" in output
    assert "Sent: 2" in output
    assert len(mail.outbox) == 2
    assert "Checkpoint inhibitors" not in output
    assert "Pat Example" not in output
    assert due_work.email not in output

    again = _run()
    assert "Created: 0" in again
    assert "Sent: 0" in again
    assert len(mail.outbox) == 2
