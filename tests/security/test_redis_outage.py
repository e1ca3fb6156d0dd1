"""Redis unreachable (issue 18, item 6): logins and API writes keep working, the rate limits
fall back to a count in each process's memory, the outage is logged, and a question asked
meanwhile still reaches the care team once the sweep runs.

"Unreachable" here is the real thing: the cache points at a local port nobody listens on, so
every Redis command fails with a refused connection, as in an outage.
"""

import logging
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from kombu.exceptions import OperationalError

from apps.questions.models import Question
from apps.reminders import services as reminder_services
from apps.reminders.conf import reminder_setting
from apps.reminders.models import Notification
from apps.reminders.tasks import deliver_notifications
from portal import cache as portal_cache
from tests.api.conftest import LOGIN_URL, client_with_token
from tests.factories import TEST_PASSWORD
from tests.reminders.helpers import NEW_YORK, local

pytestmark = pytest.mark.django_db

DAYTIME = local(NEW_YORK, 2026, 6, 10, 11, 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        **settings.CACHES,  # the page frame's "frames" cache stays
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "KEY_PREFIX": "portal-outage-test",
        },
    }
    # A new port each time, so the memory the cache falls back to starts empty too.
    portal_cache.unreachable_since.clear()
    yield
    portal_cache.unreachable_since.clear()


@pytest.fixture
def two_writes_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "2/min"},
    }


def test_the_web_login_works_and_the_outage_is_logged_once(patient, redis_down, caplog):
    # The patient is made before Redis goes down: saving a user clears a care team's cached
    # numbers, which would notice the outage (and log it) before the logins below.
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        for _ in range(2):
            client = Client()
            response = client.post(
                "/accounts/login/", {"login": patient.email, "password": TEST_PASSWORD}
            )
            assert response.status_code == 302
            assert client.get("/").status_code in (200, 302)
    outage_logs = [r for r in caplog.records if r.name == "portal.cache"]
    assert len(outage_logs) == 1
    assert "Redis cache unreachable" in outage_logs[0].getMessage()


def test_the_api_login_and_api_writes_work(redis_down, patient):
    response = Client().post(
        LOGIN_URL,
        {"email": patient.email, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    client = client_with_token(response.json()["meta"]["session_token"])
    created = client.post("/api/v1/questions/", {"body": "Can I swim?"}, format="json")
    assert created.status_code == 201


def test_the_write_limit_still_applies_per_process(redis_down, two_writes_a_minute, patient):
    response = Client().post(
        LOGIN_URL,
        {"email": patient.email, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    client = client_with_token(response.json()["meta"]["session_token"])
    statuses = [
        client.post("/api/v1/questions/", {"body": "Hi"}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_the_login_limit_still_applies_per_process(redis_down, patient, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    client = Client()
    wrong = {"login": patient.email, "password": "not-the-password"}
    pages = [client.post("/accounts/login/", wrong).content.decode() for _ in range(3)]
    assert "Too many failed attempts to log in" not in pages[1]
    assert "Too many failed attempts to log in" in pages[2]


def test_redis_is_tried_again_after_a_pause(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        cache.set("k", 1)
        assert cache.get("k") == 1  # from memory, without trying Redis again
        with time_machine.travel(timedelta(seconds=portal_cache.OUTAGE_RETRY_SECONDS + 1)):
            cache.get("k")
    assert len([r for r in caplog.records if r.name == "portal.cache"]) == 2


def test_a_question_asked_while_redis_is_down_is_delivered_by_the_next_sweep(
    redis_down, patient, clinician, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # The Celery broker is the same Redis: handing the notice to a worker fails too.
    monkeypatch.setattr(deliver_notifications, "delay", broker_down)
    with time_machine.travel(DAYTIME, tick=False):
        response = Client().post(
            LOGIN_URL,
            {"email": patient.email, "password": TEST_PASSWORD},
            content_type="application/json",
        )
        client = client_with_token(response.json()["meta"]["session_token"])
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post("/api/v1/questions/", {"body": "Can I swim?"}, format="json")
    assert created.status_code == 201
    question = Question.objects.get(pk=created.json()["id"])
    notice = Notification.objects.get(question=question, recipient=clinician)
    assert notice.status == Notification.Status.QUEUED
    assert mail.outbox == []

    # Redis is back; the sweep hands over rows whose task never reached a worker.
    monkeypatch.undo()
    later = DAYTIME + timedelta(minutes=reminder_setting("REQUEUE_AFTER_MINUTES") + 1)
    with time_machine.travel(later, tick=False):
        reminder_services.dispatch_due_notifications(now=later, deliver="inline")
    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [[clinician.email]]
