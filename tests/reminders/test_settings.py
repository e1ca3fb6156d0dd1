"""The settings that bound database connections and bring delivery back after a crash."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from apps.reminders import tasks
from apps.reminders.conf import reminder_setting
from portal.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)
BEAT_SWEEP_MINUTES = 5  # apps/reminders/migrations/0003_beat_schedules.py

READ_SETTINGS = """
import json, sys
sys.argv = json.loads(sys.argv[1])
from portal.settings import base
print(json.dumps({
    "conn_max_age": base.DATABASES["default"]["CONN_MAX_AGE"],
    "transport": base.CELERY_BROKER_TRANSPORT_OPTIONS,
}))
"""


def _settings_of(argv: list[str], **extra_env: str) -> dict:
    """portal.settings.base as a process started with `argv` sees it, on PostgreSQL and Redis
    (nothing connects: the settings are only read)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CONN_", "CELERY_"))
    }
    env.update(
        DJANGO_ENV="development",
        DATABASE_URL="postgres://portal@127.0.0.1:5432/portal",
        REDIS_URL="redis://127.0.0.1:6379/0",
        **extra_env,
    )
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, json.dumps(argv)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_runserver_closes_its_database_connection_after_each_request():
    # A thread per request: a kept connection would stay open, idle, after its thread ended.
    runserver = ["manage.py", "runserver", "127.0.0.1:8000"]
    assert _settings_of(runserver)["conn_max_age"] == 0
    # Even when a .env copied from .env.example asks to keep connections.
    assert _settings_of(runserver, CONN_MAX_AGE="60")["conn_max_age"] == 0


def test_long_lived_processes_keep_their_connection_for_a_minute():
    for argv in (["gunicorn", "portal.wsgi"], ["celery", "-A", "portal", "worker"]):
        assert _settings_of(argv)["conn_max_age"] == 60
        assert _settings_of(argv, CONN_MAX_AGE="600")["conn_max_age"] == 600


def test_a_celery_worker_runs_a_bounded_number_of_processes():
    # One database connection per process: not one per CPU of the machine.
    assert celery_app.conf.worker_concurrency == 2


def test_redis_hands_a_dead_workers_task_on_after_the_visibility_timeout():
    transport = _settings_of(["celery", "-A", "portal", "worker"])["transport"]
    assert transport["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT


def test_crash_recovery_settings_agree_with_the_task_time_limit():
    time_limit = settings.CELERY_TASK_TIME_LIMIT
    assert celery_app.conf.task_time_limit == time_limit
    # A live task is never handed to a second worker: it ends (or is killed) before its
    # message becomes visible again, even when it waits out its longest retry countdown.
    assert time_limit + tasks.RETRY_BACKOFF_MAX_SECONDS < settings.BROKER_VISIBILITY_TIMEOUT
    # A row is taken over as "interrupted" only once the task that claimed it is gone.
    assert reminder_setting("SEND_LEASE_SECONDS") > time_limit
    # A task stops starting sends well before its time limit kills it.
    assert reminder_setting("DELIVERY_BUDGET_SECONDS") * 2 <= time_limit
    # A row whose task is waiting for a retry is not handed out again meanwhile.
    requeue_seconds = reminder_setting("REQUEUE_AFTER_MINUTES") * 60
    assert requeue_seconds >= tasks.RETRY_BACKOFF_MAX_SECONDS + time_limit


def test_delivery_comes_back_within_minutes_of_a_worker_being_killed():
    """The slowest path back for each row a killed worker held: its lease or requeue age
    has to pass, then the next sweep (every five minutes) hands it over again."""
    waits = (
        reminder_setting("SEND_LEASE_SECONDS"),
        reminder_setting("REQUEUE_AFTER_MINUTES") * 60,
    )
    worst = max(waits) + BEAT_SWEEP_MINUTES * 60
    assert worst <= 10 * 60
    assert settings.BROKER_VISIBILITY_TIMEOUT <= 10 * 60
