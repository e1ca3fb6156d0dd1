"""Reminder rule settings. Each can be overridden in Django settings as REMINDERS_<NAME>."""

from datetime import time
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # due soon: this many days before the due date (the patient's calendar), once.
    "DUE_SOON_DAYS": 2,
    # overdue: the day after the due date, then every OVERDUE_EVERY_DAYS, at most OVERDUE_MAX.
    "OVERDUE_EVERY_DAYS": 7,
    "OVERDUE_MAX": 3,
    # not started: assignments without a due date, this many days after assigning, once.
    "NOT_STARTED_AFTER_DAYS": 3,
    # A once-only reminder missed because the sweep was not running (downtime) is still sent
    # for this many days after its day; later than that it would only confuse.
    "CATCH_UP_DAYS": 6,
    # Quiet hours for people who never changed theirs (NotificationPreference defaults).
    "QUIET_START": time(21, 0),
    "QUIET_END": time(8, 0),
    # The clinician digest goes out in the first hourly run at or after DIGEST_HOUR (their
    # time) outside quiet hours, and not after DIGEST_LATEST_HOUR.
    "DIGEST_HOUR": 7,
    "DIGEST_LATEST_HOUR": 12,
    # Rows read per query by the sweep, and ids per delivery task.
    "SWEEP_BATCH_SIZE": 2000,
    "DELIVERY_BATCH_SIZE": 200,
    # A queued row whose delivery task went missing (a worker killed, a broker restart) is
    # queued again by the next sweep after this long. Longer than a delivery task's budget
    # plus its longest retry countdown, so a task still on its way is rarely doubled.
    "REQUEUE_AFTER_MINUTES": 5,
    # A delivery task starts no new send after this long: it queues the rest of its ids as
    # a new task, well inside the hard time limit (CELERY_TASK_TIME_LIMIT).
    "DELIVERY_BUDGET_SECONDS": 60,
    # A row still "sending" this long after its claim belongs to a worker that died or hit
    # its time limit. Longer than CELERY_TASK_TIME_LIMIT, so a live send is never taken over.
    "SEND_LEASE_SECONDS": 240,
    # Resends after an interrupted send (each a possible duplicate) before the row fails.
    "INTERRUPTED_RETRIES": 1,
    # Sending attempts before a row is marked failed.
    "MAX_ATTEMPTS": 5,
}


def reminder_setting(name: str) -> Any:
    return getattr(settings, f"REMINDERS_{name}", DEFAULTS[name])
