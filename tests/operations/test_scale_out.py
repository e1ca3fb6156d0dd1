"""Scale-out on real processes: two gunicorn web nodes, two Celery workers and one beat on
PostgreSQL and Redis. Patients ask questions through both web nodes while beat's schedule
sends reading reminders; one worker is killed with SIGKILL in the middle of the batch.
Every notification is still sent, none is lost, and only the send the kill cut short may be
repeated (issue 18, item 9)."""

import signal
import socket
import subprocess
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from apps.accounts.models import CareTeamMembership
from apps.questions.models import Question
from apps.questions.services import reply_post
from apps.reminders.models import Notification
from tests.factories import TEST_PASSWORD, ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.reminders.factories import AssignmentFactory, NotificationPreferenceFactory
from tests.reminders.workers import (
    BASE_DIR,
    CELERY,
    emails_by_recipient,
    service_env,
    start_worker,
    use_real_queue,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

READERS = 16
ASKERS = 4
KILL_AFTER_EMAILS = 6
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
Status = Notification.Status


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def queue(require_services, monkeypatch, settings):
    name = use_real_queue(monkeypatch, settings, prefix="scale-out")
    settings.REMINDERS_DELIVERY_BATCH_SIZE = 4
    return name


@pytest.fixture
def clinic():
    """A clinician, READERS patients with reading due in two days, ASKERS patients who will
    ask questions; quiet hours off for everyone."""
    clinician = ClinicianFactory(email="doctor@scale.example")
    NotificationPreferenceFactory(user=clinician, quiet_start="00:00", quiet_end="00:00")
    module = PublishedModuleFactory()
    today = timezone.now().date()
    readers = []
    for number in range(READERS):
        patient = PatientFactory(email=f"reader-{number}@scale.example", timezone="UTC")
        NotificationPreferenceFactory(user=patient, quiet_start="00:00", quiet_end="00:00")
        AssignmentFactory(
            patient=patient, module=module, assigned_by=clinician, due_on=today + timedelta(2)
        )
        readers.append(patient)
    askers = []
    for number in range(ASKERS):
        patient = PatientFactory(email=f"asker-{number}@scale.example", timezone="UTC")
        NotificationPreferenceFactory(user=patient, quiet_start="00:00", quiet_end="00:00")
        askers.append(patient)
    for patient in readers + askers:
        CareTeamMembership.objects.get_or_create(clinician=clinician, patient=patient)
    return clinician, readers, askers


def start_web(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "portal.wsgi"],
        cwd=BASE_DIR,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(base + "/healthz", timeout=5).status_code in (200, 503)
        except requests.RequestException:
            return False

    if not wait_for(answers, 60, 0.3):
        process.kill()
        pytest.fail("a web node did not start")
    return process, base


def start_beat(env: dict, tmp_path) -> subprocess.Popen:
    return subprocess.Popen(
        [CELERY, "-A", "portal", "beat", "--loglevel=INFO", "-s", str(tmp_path / "beat")],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def schedule_dispatch_every_two_seconds(queue: str) -> None:
    # Only this schedule: the migrations' own (digests, heartbeat, retention) would add messages.
    PeriodicTask.objects.update(enabled=False)
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="scale-out: dispatch",
        defaults={
            "task": "apps.reminders.tasks.dispatch_reminders",
            "interval": every,
            "queue": queue,
            "enabled": True,
        },
    )
    PeriodicTasks.update_changed()


def ask_through(base: str, patient, body: str) -> None:
    login = requests.post(
        base + "/_allauth/app/v1/auth/login",
        json={"email": patient.email, "password": TEST_PASSWORD},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    token = login.json()["meta"]["session_token"]
    asked = requests.post(
        base + "/api/v1/questions/",
        json={"body": body},
        headers={"X-Session-Token": token, "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert asked.status_code == 201, asked.text


def test_two_web_nodes_two_workers_one_beat_and_a_killed_worker_lose_nothing(
    queue, clinic, tmp_path
):
    clinician, readers, askers = clinic
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = service_env(
        PORTAL_TEST_MAIL_DIR=str(mail_dir),
        PORTAL_TEST_QUEUE=queue,
        PORTAL_TEST_SEND_LEASE_SECONDS="3",
        PORTAL_TEST_VISIBILITY_TIMEOUT="5",
        PORTAL_TEST_EMAIL_BACKEND="tests.reminders.backends.SlowFileBackend",
    )
    extra = {
        key: env[key]
        for key in (
            "PORTAL_TEST_QUEUE",
            "PORTAL_TEST_SEND_LEASE_SECONDS",
            "PORTAL_TEST_VISIBILITY_TIMEOUT",
            "PORTAL_TEST_EMAIL_BACKEND",
        )
    }
    processes = []
    workers = []
    try:
        for _node in range(2):
            web, base = start_web(env)
            processes.append((web, base))
        workers = [start_worker(queue=queue, mail_dir=mail_dir, **extra) for _ in range(2)]
        for number, patient in enumerate(askers):
            _web, base = processes[number % 2]
            ask_through(base, patient, f"Question {number} asked through node {number % 2}.")
        schedule_dispatch_every_two_seconds(queue)
        beat = start_beat(env, tmp_path)
        processes.append((beat, None))

        assert wait_for(
            lambda: sum(emails_by_recipient(mail_dir).values()) >= KILL_AFTER_EMAILS, 90, 0.05
        ), workers[0].tail()
        workers[0].process.send_signal(signal.SIGKILL)
        workers[0].process.wait(timeout=10)

        # The clinician answers; the surviving worker sends the reply notices too.
        questions = list(Question.objects.filter(patient__in=askers))
        assert len(questions) == ASKERS
        for question in questions:
            reply_post(question=question, author=clinician, body="We will call you today.")

        expected = READERS + 2 * ASKERS  # reminders, new-question notices, reply notices

        def all_sent():
            rows = Notification.objects.all()
            return rows.count() == expected and not rows.exclude(status=Status.SENT).exists()

        assert wait_for(all_sent, 120, 0.5), (
            list(Notification.objects.values_list("kind", "status")),
            workers[1].tail(),
        )
    finally:
        for process, _base in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        for worker in workers:
            worker.stop()

    rows = list(Notification.objects.select_related("recipient"))
    emails = emails_by_recipient(mail_dir)
    by_recipient = Counter(row.recipient.email for row in rows)
    interrupted = sum(row.interrupted_sends for row in rows)
    for address, wanted in by_recipient.items():
        assert emails[address] >= wanted, f"{address} is missing an email"
    duplicates = sum(emails.values()) - len(rows)
    # Only a send cut short by the kill may go out twice, and it is counted on its row.
    assert 0 <= duplicates <= interrupted <= 1
    assert set(emails) == set(by_recipient)
