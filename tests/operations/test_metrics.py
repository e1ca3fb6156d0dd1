"""/metrics: Prometheus text for allowed scrapers only, with the background work's figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.operations import services
from apps.reminders.models import Notification
from tests.reminders.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def gauge(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the metrics")


def test_a_scraper_on_an_allowed_network_reads_the_metrics(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert gauge(text, "portal_oldest_due_reminder_age_seconds") == 0


def test_anyone_else_gets_a_404(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = "s3cret-token-for-metrics"
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    wrong = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer not-the-token"
    )
    assert wrong.status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_token_lets_a_scraper_from_anywhere_in(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = "s3cret-token-for-metrics"
    response = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer s3cret-token-for-metrics"
    )
    assert response.status_code == 200


def test_an_empty_token_setting_never_matches(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = ""
    assert (
        client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer ").status_code
        == 404
    )


def test_the_oldest_due_reminder_and_the_heartbeat_age_are_reported(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    NotificationFactory(
        status=Notification.Status.QUEUED, send_after=timezone.now() - timedelta(minutes=30)
    )
    # Deferred by quiet hours: not due yet, so not late.
    NotificationFactory(
        kind=Notification.Kind.OVERDUE,
        status=Notification.Status.QUEUED,
        send_after=timezone.now() + timedelta(hours=5),
    )
    services.heartbeat_record()
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 1790 <= gauge(text, "portal_oldest_due_reminder_age_seconds") <= 1900
    assert 0 <= gauge(text, "portal_scheduler_heartbeat_age_seconds") < 60
