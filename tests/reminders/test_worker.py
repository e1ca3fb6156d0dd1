"""A real Celery worker on the real Redis: a question reply produces exactly one email."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.questions import services as question_services
from apps.reminders.models import Notification
from apps.reminders.tasks import deliver_notifications
from portal.celery import app as celery_app

from .factories import NotificationPreferenceFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
QUESTION_TEXT = "Will immunotherapy clash with my vaccine?"
REPLY_TEXT = "No, but talk to us before any live vaccine during chemotherapy."


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(require_services, tmp_path, monkeypatch):
    """A worker process consuming a queue of its own, so no other worker on this Redis
    takes the test's tasks; the test process publishes to that queue for real."""
    queue = f"reminders-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PORTAL_TEST_MAIL_DIR": str(mail_dir),
        "PYTHONPATH": str(BASE_DIR),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    log: list[str] = []

    def read_output():
        for line in process.stdout:
            log.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read_output, daemon=True).start()
    if not ready.wait(timeout=90):
        process.kill()
        pytest.fail("the Celery worker did not start:\n" + "".join(log[-40:]))

    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "task_default_queue", queue)
    monkeypatch.setattr(celery_app.conf, "broker_url", settings.REDIS_URL)
    try:
        yield {"mail_dir": mail_dir, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_reply_sends_exactly_one_email_through_a_real_worker(worker, patient, clinician):
    # Quiet hours off, so the test does not depend on the time of day it runs at.
    NotificationPreferenceFactory(user=patient, quiet_start="00:00", quiet_end="00:00")
    question = question_services.question_ask(patient=patient, body=QUESTION_TEXT)

    question_services.reply_post(question=question, author=clinician, body=REPLY_TEXT)

    def sent():
        return Notification.objects.filter(
            kind=Notification.Kind.REPLY, status=Notification.Status.SENT
        ).exists()

    assert _wait_for(sent), "no reply email was sent:\n" + "".join(worker["log"][-40:])
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
