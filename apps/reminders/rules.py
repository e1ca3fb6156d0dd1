"""The reminder rules as plain functions of dates and times, with no database access.

Every date here is a date on the recipient's own calendar and every clock time is their
own wall-clock time: the sweep and the delivery task both call these, so the rule that
decides whether a reminder is created is the same one that re-checks it before sending.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from .conf import reminder_setting


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for a stored time-zone name, falling back to the portal default."""
    try:
        return ZoneInfo(name or settings.DEFAULT_PATIENT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.DEFAULT_PATIENT_TIME_ZONE)


@dataclass(frozen=True)
class QuietHours:
    """A daily window without email, in local time. start == end means no quiet hours."""

    start: time
    end: time

    @classmethod
    def of(cls, start: time | None, end: time | None) -> "QuietHours":
        return cls(
            start=start if start is not None else reminder_setting("QUIET_START"),
            end=end if end is not None else reminder_setting("QUIET_END"),
        )

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def send_after(self, *, now: datetime, tz: ZoneInfo) -> datetime:
        """`now`, or the moment the quiet hours `now` falls in end on the recipient's clock.

        Computed on the local calendar, so on a daylight-saving change day 08:00 is still
        08:00 where the person lives.
        """
        local = now.astimezone(tz)
        if not self.contains(local.time()):
            return now
        end_day = local.date()
        if self.start > self.end and local.time() >= self.start:
            end_day += timedelta(days=1)
        end = datetime.combine(end_day, self.end, tzinfo=tz).astimezone(UTC)
        return max(end, now)


def local_today(*, now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def due_soon_applies(*, today: date, due_on: date | None) -> bool:
    """From DUE_SOON_DAYS before the due date until the day before it.

    The days after the first one only matter when the sweep missed it (downtime) or the
    reading was assigned at short notice; the unique constraint keeps it to one email.
    """
    if due_on is None:
        return False
    days_left = (due_on - today).days
    return 1 <= days_left <= reminder_setting("DUE_SOON_DAYS")


def overdue_sequence(*, today: date, due_on: date | None) -> int | None:
    """Which overdue reminder (1, 2, 3) belongs to `today`, or None.

    The first is due the day after the due date, the next every OVERDUE_EVERY_DAYS after,
    at most OVERDUE_MAX. Each one can be caught up during its own interval, never later.
    """
    if due_on is None:
        return None
    days_late = (today - due_on).days
    if days_late < 1:
        return None
    sequence = (days_late - 1) // reminder_setting("OVERDUE_EVERY_DAYS") + 1
    return sequence if sequence <= reminder_setting("OVERDUE_MAX") else None


def not_started_applies(*, today: date, assigned_on: date) -> bool:
    """NOT_STARTED_AFTER_DAYS after assigning (calendar days), caught up for a few days."""
    days = (today - assigned_on).days
    first = reminder_setting("NOT_STARTED_AFTER_DAYS")
    return first <= days <= first + reminder_setting("CATCH_UP_DAYS")


def digest_time(*, now: datetime, tz: ZoneInfo, quiet: QuietHours) -> bool:
    """Whether an hourly digest run at `now` should send this person's daily summary."""
    local = now.astimezone(tz)
    in_window = (
        reminder_setting("DIGEST_HOUR") <= local.hour < reminder_setting("DIGEST_LATEST_HOUR")
    )
    return in_window and not quiet.contains(local.time())
