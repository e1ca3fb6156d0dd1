"""/readyz: the database, Redis and migrations decide; the scheduler heartbeat is shown."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from apps.operations import checks, services
from apps.operations.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_ready_when_database_and_migrations_are(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] is True
    assert body["migrations"] is True


def test_unapplied_migrations_make_the_node_unready(client):
    with mock.patch.object(checks, "migrations_applied", return_value=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": True,
        "redis": checks.redis_ready(),
        "migrations": False,
        "scheduler": "never",
    }


def test_migrations_check_sees_a_missing_migration(django_db_blocker):
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    applied = recorder.migration_qs.get(app="operations", name="0002_schedules")
    applied.delete()
    try:
        assert checks.migrations_applied() is False
    finally:
        recorder.record_applied("operations", "0002_schedules")
    assert checks.migrations_applied() is True


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_redis_makes_the_node_unready(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["redis"] is False


def test_the_heartbeat_task_marks_the_scheduler_alive_and_it_goes_stale(client):
    assert client.get("/readyz").json()["scheduler"] == "never"
    from apps.operations.tasks import heartbeat

    heartbeat.delay()
    assert Heartbeat.objects.get(name=services.SCHEDULER)
    assert client.get("/readyz").json()["scheduler"] == "ok"
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        response = client.get("/readyz")
    assert response.json()["scheduler"] == "stale"
    # A stopped beat is reported, not a reason to take every web node out of service.
    assert response.status_code == 200


def test_beat_schedules_the_heartbeat_and_retention():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.filter(enabled=True).values_list("task", flat=True))
    assert {"apps.operations.tasks.heartbeat", "apps.operations.tasks.retention"} <= tasks
