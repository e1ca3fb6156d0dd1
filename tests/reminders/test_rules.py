"""The reminder rules as pure functions: dates on the recipient's calendar, quiet hours."""

from datetime import date, time

import pytest

from apps.reminders import rules

from .helpers import AUCKLAND, NEW_YORK, local, utc

DEFAULT_QUIET = rules.QuietHours(start=time(21, 0), end=time(8, 0))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_default_quiet_hours_run_from_nine_in_the_evening_to_eight_in_the_morning(moment, quiet):
    assert DEFAULT_QUIET.contains(moment) is quiet


def test_quiet_hours_within_one_day_and_switched_off():
    afternoon_nap = rules.QuietHours(start=time(13, 0), end=time(15, 0))
    assert afternoon_nap.contains(time(14, 0))
    assert not afternoon_nap.contains(time(15, 0))
    assert not rules.QuietHours(start=time(0, 0), end=time(0, 0)).contains(time(3, 0))


def test_outside_quiet_hours_a_message_may_go_now():
    now = local(NEW_YORK, 2026, 6, 10, 12, 0)
    assert DEFAULT_QUIET.send_after(now=now, tz=rules.zone(NEW_YORK)) == now


def test_late_evening_waits_until_eight_next_morning_local_time():
    now = local(NEW_YORK, 2026, 6, 10, 22, 30)
    assert DEFAULT_QUIET.send_after(now=now, tz=rules.zone(NEW_YORK)) == local(
        NEW_YORK, 2026, 6, 11, 8, 0
    )


def test_after_midnight_waits_until_eight_the_same_morning():
    now = local(AUCKLAND, 2026, 6, 11, 2, 0)
    assert DEFAULT_QUIET.send_after(now=now, tz=rules.zone(AUCKLAND)) == local(
        AUCKLAND, 2026, 6, 11, 8, 0
    )


def test_on_the_spring_forward_day_eight_oclock_is_eight_oclock_daylight_time():
    # 8 March 2026: New York skips from 02:00 EST to 03:00 EDT.
    now = utc(2026, 3, 8, 5, 30)  # 00:30 EST
    assert DEFAULT_QUIET.send_after(now=now, tz=rules.zone(NEW_YORK)) == utc(2026, 3, 8, 12, 0)


def test_on_the_fall_back_day_eight_oclock_is_eight_oclock_standard_time():
    # 1 November 2026: New York repeats 01:00-02:00, then stays on EST.
    now = utc(2026, 11, 1, 4, 30)  # 00:30 EDT
    assert DEFAULT_QUIET.send_after(now=now, tz=rules.zone(NEW_YORK)) == utc(2026, 11, 1, 13, 0)


def test_unknown_time_zone_falls_back_to_the_portal_default(settings):
    assert rules.zone("Mars/Olympus_Mons").key == settings.DEFAULT_PATIENT_TIME_ZONE


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 5, 7), False),  # three days before
        (date(2026, 5, 8), True),  # two days before: the reminder day
        (date(2026, 5, 9), True),  # the day before: caught up if the sweep missed it
        (date(2026, 5, 10), False),  # the due day itself
        (date(2026, 5, 11), False),
    ],
)
def test_due_soon_is_two_days_before_the_due_date(today, expected):
    assert rules.due_soon_applies(today=today, due_on=date(2026, 5, 10)) is expected


def test_due_soon_needs_a_due_date():
    assert rules.due_soon_applies(today=date(2026, 5, 8), due_on=None) is False


def test_due_soon_days_can_be_configured(settings):
    settings.REMINDERS_DUE_SOON_DAYS = 5
    assert rules.due_soon_applies(today=date(2026, 5, 5), due_on=date(2026, 5, 10))
    assert not rules.due_soon_applies(today=date(2026, 5, 4), due_on=date(2026, 5, 10))


@pytest.mark.parametrize(
    ("days_late", "sequence"),
    [
        (0, None),
        (1, 1),
        (7, 1),
        (8, 2),
        (14, 2),
        (15, 3),
        (21, 3),
        (22, None),  # at most three
        (60, None),
    ],
)
def test_overdue_the_day_after_then_every_seven_days_at_most_three(days_late, sequence):
    due_on = date(2026, 4, 10)
    today = date.fromordinal(due_on.toordinal() + days_late)
    assert rules.overdue_sequence(today=today, due_on=due_on) == sequence


@pytest.mark.parametrize(("days", "expected"), [(2, False), (3, True), (9, True), (10, False)])
def test_not_started_three_days_after_assigning(days, expected):
    assigned = date(2026, 5, 1)
    today = date.fromordinal(assigned.toordinal() + days)
    assert rules.not_started_applies(today=today, assigned_on=assigned) is expected


def test_digest_time_is_the_morning_outside_quiet_hours():
    tz = rules.zone(NEW_YORK)
    assert not rules.digest_time(
        now=local(NEW_YORK, 2026, 6, 10, 7, 30), tz=tz, quiet=DEFAULT_QUIET
    )
    assert rules.digest_time(now=local(NEW_YORK, 2026, 6, 10, 8, 5), tz=tz, quiet=DEFAULT_QUIET)
    early_riser = rules.QuietHours(start=time(21, 0), end=time(7, 0))
    assert rules.digest_time(now=local(NEW_YORK, 2026, 6, 10, 7, 5), tz=tz, quiet=early_riser)
    assert not rules.digest_time(now=local(NEW_YORK, 2026, 6, 10, 12, 5), tz=tz, quiet=early_riser)
