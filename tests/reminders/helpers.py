"""Small helpers shared by the reminders tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.core import mail

from apps.reminders import services
from apps.reminders.models import Notification

NEW_YORK = "America/New_York"
AUCKLAND = "Pacific/Auckland"
LOS_ANGELES = "America/Los_Angeles"


def local(tz: str, *args) -> datetime:
    """An aware moment on the wall clock of `tz`: local(NEW_YORK, 2026, 3, 8, 0, 30)."""
    return datetime(*args, tzinfo=ZoneInfo(tz))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sweep(now: datetime) -> services.SweepReport:
    """One sweep at `now`, delivering in this process (what send_reminders does)."""
    return services.reminder_sweep(now=now, deliver="inline")


def rows(**filters) -> list[Notification]:
    return list(Notification.objects.filter(**filters).order_by("id"))


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]
