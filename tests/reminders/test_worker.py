"""A real Celery worker on the real Redis: a question reply produces exactly one email."""

import time
import uuid

import pytest
from django.conf import settings

from apps.questions import services as question_services
from apps.reminders.models import Notification
from apps.reminders.tasks import deliver_notifications
from portal.celery import app as celery_app

from .factories import NotificationPreferenceFactory
from .workers import start_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

QUESTION_TEXT = "Will immunotherapy clash with my vaccine?"
REPLY_TEXT = "No, but talk to us before any live vaccine during chemotherapy."


@pytest.fixture
def worker(require_services, tmp_path, monkeypatch):
    """A worker process consuming a queue of its own, so no other worker on this Redis
    takes the test's tasks; the test process publishes to that queue for real."""
    queue = f"reminders-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    process = start_worker(queue=queue, mail_dir=mail_dir)
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "task_default_queue", queue)
    monkeypatch.setattr(celery_app.conf, "broker_url", settings.REDIS_URL)
    try:
        yield {"mail_dir": mail_dir, "log": process.log}
    finally:
        process.stop()


def test_a_reply_sends_exactly_one_email_through_a_real_worker(worker, patient, clinician):
    # Quiet hours off, so the test does not depend on the time of day it runs at.
    NotificationPreferenceFactory(user=patient, quiet_start="00:00", quiet_end="00:00")
    question = question_services.question_ask(patient=patient, body=QUESTION_TEXT)

    question_services.reply_post(question=question, author=clinician, body=REPLY_TEXT)

    def sent():
        return Notification.objects.filter(
            kind=Notification.Kind.REPLY, status=Notification.Status.SENT
        ).exists()

    assert wait_for(sent, timeout=60), "no reply email was sent:\n" + "".join(worker["log"][-40:])
    [notice] = Notification.objects.filter(kind=Notification.Kind.REPLY)
    assert notice.recipient == patient
    assert notice.attempts == 1

    # The broker redelivering the task (or a second copy) sends nothing more.
    deliver_notifications.delay([notice.pk])
    time.sleep(3)

    files = sorted(worker["mail_dir"].iterdir())
    messages = [path.read_text() for path in files]
    to_patient = [m for m in messages if f"To: {patient.email}" in m]
    assert len(to_patient) == 1, messages
    email = to_patient[0]
    assert "Subject: Your care team replied" in email
    for private in ("immunotherapy", "vaccine", "chemotherapy", QUESTION_TEXT, REPLY_TEXT):
        assert private not in email
