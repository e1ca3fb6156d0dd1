"""Prometheus metrics the portal adds to django-prometheus's: the state of background work."""

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from apps.reminders.models import Notification

from .models import Heartbeat
from .services import SCHEDULER


def celery_queue_length() -> int | None:
    """Messages waiting in Celery's default queue (a Redis list), or None without Redis."""
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        return int(client.llen("celery"))
    except redis.RedisError:
        return None


class BackgroundWorkCollector:
    """Read on every scrape, so the figures are never older than the scrape."""

    def collect(self):
        now = timezone.now()
        queue = GaugeMetricFamily(
            "portal_celery_queue_length", "Tasks waiting in the Celery queue."
        )
        length = celery_queue_length()
        if length is not None:
            queue.add_metric([], length)
        yield queue

        try:
            oldest_due = Notification.objects.filter(
                status=Notification.Status.QUEUED, send_after__lte=now
            ).aggregate(oldest=Min("send_after"))["oldest"]
            beat_at = (
                Heartbeat.objects.filter(name=SCHEDULER).values_list("beat_at", flat=True).first()
            )
        except DatabaseError:
            return
        due = GaugeMetricFamily(
            "portal_oldest_due_reminder_age_seconds",
            "How long the oldest reminder that is due has waited to be sent (0: none waiting).",
        )
        due.add_metric([], (now - oldest_due).total_seconds() if oldest_due else 0)
        yield due
        heartbeat = GaugeMetricFamily(
            "portal_scheduler_heartbeat_age_seconds",
            "Seconds since beat and a worker last ran the heartbeat task.",
        )
        if beat_at is not None:
            heartbeat.add_metric([], (now - beat_at).total_seconds())
        yield heartbeat
