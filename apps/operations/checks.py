"""Readiness checks: each answers True/False (or a state) and never raises."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .models import Heartbeat
from .services import SCHEDULER

logger = logging.getLogger(__name__)


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("Readiness: the database is unreachable", exc_info=True)
        return False


def migrations_applied() -> bool:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False
    return not plan


def redis_ready() -> bool | None:
    """None when the deployment has no Redis (the embedded development broker)."""
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        return bool(
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            ).ping()
        )
    except redis.RedisError:
        logger.warning("Readiness: Redis is unreachable", exc_info=True)
        return False


def scheduler_state() -> str:
    """'ok', 'stale' or 'never': whether beat and a worker ran the heartbeat task lately."""
    try:
        beat_at = Heartbeat.objects.filter(name=SCHEDULER).values_list("beat_at", flat=True).first()
    except DatabaseError:
        return "unknown"
    if beat_at is None:
        return "never"
    stale_after = timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    return "ok" if timezone.now() - beat_at <= stale_after else "stale"
