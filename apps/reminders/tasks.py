"""Celery tasks: short, take ids, call a service. The rules live in services.py.

Every task is acks_late with reject_on_worker_lost: a worker killed mid-task leaves the
message on the broker to be redelivered, which is safe because delivery claims each row
(committed) before sending it, so a redelivered task skips rows sent or being sent.
Every task also has the hard time limit CELERY_TASK_TIME_LIMIT; the broker's visibility
timeout and the reminder lease are set longer than it (portal/settings/base.py).
"""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import DatabaseError

from . import services
from .conf import reminder_setting

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 15
# A worker holds a message waiting for its retry countdown unacknowledged: the longest
# countdown plus the time limit stays under the broker's visibility timeout.
RETRY_BACKOFF_MAX_SECONDS = 120
MAX_RETRIES = 5


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_reminders() -> dict:
    """Beat, every 5 minutes: insert due reminders, queue their delivery."""
    report = services.reminder_sweep()
    logger.info("Reminder sweep: %s", report.as_dict())
    return report.as_dict()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_digests() -> dict:
    """Beat, hourly: clinicians whose morning it is get their daily summary."""
    report = services.digest_sweep()
    logger.info("Digest sweep: %s", report.as_dict())
    return report.as_dict()


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def deliver_notifications(self, notification_ids: list[int]) -> None:
    """Send these Notification rows. Rows already sent (a redelivered message) are no-ops;
    rows whose email failed are retried alone, with exponential backoff and full jitter."""
    report = services.notification_batch_deliver(
        ids=notification_ids, budget_seconds=reminder_setting("DELIVERY_BUDGET_SECONDS")
    )
    if report.unstarted_ids:
        deliver_notifications.delay(report.unstarted_ids)
    if report.retry_ids:
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(args=[report.retry_ids], countdown=countdown, max_retries=MAX_RETRIES)
