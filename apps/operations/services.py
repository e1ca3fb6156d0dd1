"""Writes for running the portal: the heartbeat and the retention jobs."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.assignments.models import Assignment
from apps.reminders.models import Notification

from .models import Heartbeat

SCHEDULER = "scheduler"


def heartbeat_record(*, name: str = SCHEDULER) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@dataclass(frozen=True)
class RetentionReport:
    sessions_deleted: int
    notifications_deleted: int

    def as_dict(self) -> dict:
        return {
            "sessions_deleted": self.sessions_deleted,
            "notifications_deleted": self.notifications_deleted,
        }


def purgeable_notifications():
    """Notification rows past NOTIFICATION_RETENTION_DAYS that can never be needed again.

    A row also stands for "this reminder was sent", which the unique constraints use to
    never send it twice; rows of reading that is still open are kept so a very late sweep
    cannot send them again.
    """
    cutoff = timezone.now() - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    finished = [Assignment.Status.COMPLETED, Assignment.Status.CANCELLED]
    return Notification.objects.filter(created_at__lt=cutoff).filter(
        Q(assignment__isnull=True) | Q(assignment__status__in=finished)
    )


@transaction.atomic
def retention_run(*, dry_run: bool = False) -> RetentionReport:
    expired_sessions = Session.objects.filter(expire_date__lt=timezone.now())
    old_notifications = purgeable_notifications()
    if dry_run:
        return RetentionReport(
            sessions_deleted=expired_sessions.count(),
            notifications_deleted=old_notifications.count(),
        )
    sessions_deleted, _ = expired_sessions.delete()
    notifications_deleted, _ = Notification.objects.filter(
        pk__in=old_notifications.values("pk")
    ).delete()
    return RetentionReport(
        sessions_deleted=sessions_deleted, notifications_deleted=notifications_deleted
    )
