"""Writes for reminders: the sweep, event notices, delivery and email preferences.

How a reminder travels (an outbox):

1. A sweep (beat, every 5 minutes; digests hourly) selects due work with set-based queries
   in id-ordered batches and inserts Notification rows in bulk, ignoring conflicts.
   The database's unique constraints, not a check-then-send, make a second row for the
   same reminder impossible, even when two sweeps run at once.
2. Rows that may be sent now (outside the recipient's quiet hours) are claimed in batches
   (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, then enqueued_at is set) and a
   delivery task is queued per batch of ids once the claim has committed.
3. The delivery task claims each row that is still queued (locked with skip_locked, so a
   task redelivered by the broker cannot take a row twice), checks the rules once more
   (account active, not opted out, reading not finished or cancelled, quiet hours), marks
   it "sending" with one more attempt and commits; only then does it send, and it records
   sent or failed in a second commit. A worker that dies mid-send leaves that one row
   "sending": an unknown outcome, resent at most once after SEND_LEASE_SECONDS and counted
   in interrupted_sends, never resent silently.

Caregivers: each caregiver whose patient lets them receive the reading reminders (an active
CaregiverLink with receives_reminders) gets a row of their own for the same event, decided
on the patient's calendar like the patient's own, held to the caregiver's own preferences,
caps (the unique constraint is per recipient) and quiet hours in the caregiver's time zone,
and checked again before sending: ending the link or turning the choice off stops it.

A row whose task was lost (broker restart, worker killed) stays queued and the next sweep
queues it again after REQUEUE_AFTER_MINUTES; the broker also hands an unacknowledged task
to another worker after its visibility timeout (settings). Nothing is scheduled far ahead
with ETAs, which Redis would redeliver after its visibility timeout.
"""

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import NotificationPreference, User
from apps.assignments.models import Assignment
from apps.caregivers import selectors as caregiver_selectors
from apps.caregivers.models import CaregiverLink
from apps.questions.models import Question, Reply

from . import rules, selectors
from .conf import reminder_setting
from .emails import DigestCounts, build_email
from .models import Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Status = Notification.Status
SkipReason = Notification.SkipReason

# How a sweep hands claimed rows to delivery: queue Celery tasks (beat), send in this
# process (the management command), or leave them queued (a benchmark of the sweep alone).
Deliver = Literal["enqueue", "inline", "none"]

SENT, SKIPPED, DEFERRED, RETRY, FAILED, ALREADY_HANDLED = (
    "sent",
    "skipped",
    "deferred",
    "retry",
    "failed",
    "already_handled",
)


@dataclass
class SweepReport:
    """What one sweep did (or, in a dry run, would do). Counts only: nothing about health.

    created: kind -> reminder rows inserted (dry run: rows that would be inserted; under a
        concurrent sweep a row the other sweep inserted first may be counted by both);
    dispatched: kind -> rows handed to delivery (dry run: rows that would be sent now);
    outcomes: (kind, outcome) -> count, when delivery ran in this process.
    """

    now: datetime
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    dispatched: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)

    def merge(self, other: "SweepReport") -> "SweepReport":
        self.created.update(other.created)
        self.dispatched.update(other.dispatched)
        self.outcomes.update(other.outcomes)
        return self

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "created": dict(self.created),
            "dispatched": dict(self.dispatched),
            "outcomes": {f"{kind}:{outcome}": n for (kind, outcome), n in self.outcomes.items()},
        }


@dataclass
class DeliveryReport:
    outcomes: Counter = field(default_factory=Counter)
    retry_ids: list[int] = field(default_factory=list)
    unstarted_ids: list[int] = field(default_factory=list)


def _id_windows(queryset: QuerySet, size: int) -> Iterator[tuple[int, int]]:
    """(after_id, upto_id] windows covering the rows of `queryset` in id order, each wide
    enough to hold about `size` of them on average.

    Bounding every batch query by an id range keeps its cost proportional to the batch: a
    plain "id > last ORDER BY id LIMIT n" over a join lets the planner rescan everything
    due for every batch, which turns a 100,000-row sweep quadratic.
    """
    bounds = queryset.order_by().aggregate(low=Min("id"), high=Max("id"), count=Count("id"))
    if not bounds["count"]:
        return
    span = bounds["high"] - bounds["low"] + 1
    step = max(size, math.ceil(span * size / bounds["count"]))
    after = bounds["low"] - 1
    while after < bounds["high"]:
        yield after, min(after + step, bounds["high"])
        after += step


def _id_batches(queryset: QuerySet, fields: tuple[str, ...], size: int) -> Iterator[list[dict]]:
    """Rows of `queryset` as dicts, at most `size` at a time, by ascending id: each batch is
    a fresh, bounded query, so memory stays flat however many rows match."""
    for after, upto in _id_windows(queryset, size):
        window = queryset.filter(id__lte=upto)
        while True:
            rows = list(window.filter(id__gt=after).order_by("id").values(*fields)[:size])
            if rows:
                yield rows
            if len(rows) < size:
                break
            after = rows[-1]["id"]


class _NewRow(NamedTuple):
    recipient_id: int
    assignment_id: int | None
    digest_date: date | None
    send_after: datetime


def _insert_new(
    *, kind: str, sequence: int, rows: list[_NewRow], now: datetime, claim: bool
) -> tuple[int, list[int] | None]:
    """Insert reminder rows of one kind; a row for a reminder that already exists is dropped
    by the unique constraints (ON CONFLICT DO NOTHING), never an error and never a second row.

    On PostgreSQL this is one INSERT ... SELECT FROM unnest() with one array per column: the
    statement bulk_create(ignore_conflicts=True) issues, without building a model instance
    and a dozen query parameters per row, which made the Python side of a 100,000-row sweep
    several times slower than the database's own work. With `claim`, rows that may be sent
    now are marked as handed over in the same statement and their ids returned, so the
    caller queues them without searching for them again.

    Returns (rows inserted, ids claimed). Elsewhere (SQLite in development) it is bulk_create,
    which cannot tell: it returns (rows offered, None) and the hand-over pass finds them.
    """
    if not rows:
        return 0, []
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=row.recipient_id,
                    kind=kind,
                    assignment_id=row.assignment_id,
                    digest_date=row.digest_date,
                    sequence=sequence,
                    created_at=now,
                    send_after=row.send_after,
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
        return len(rows), None
    recipients, assignments, digest_dates, send_afters = zip(*rows, strict=True)
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 - the table name comes from the model
            "(recipient_id, assignment_id, digest_date, send_after, enqueued_at, kind, sequence,"
            " channel, status, attempts, created_at, skip_reason, last_error) "
            "SELECT r, a, d, s, CASE WHEN %s AND s <= %s THEN %s END, %s, %s,"
            " 'email', %s, 0, %s, '', '' "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::timestamptz[])"
            " AS new(r, a, d, s) "
            "ON CONFLICT DO NOTHING "
            "RETURNING id, enqueued_at IS NOT NULL",
            [
                claim,
                now,
                now,
                kind,
                sequence,
                Notification.Status.QUEUED,
                now,
                list(recipients),
                list(assignments),
                list(digest_dates),
                list(send_afters),
            ],
        )
        inserted = cursor.fetchall()
    return len(inserted), [pk for pk, claimed in inserted if claimed]


class _LocalClock:
    """Per-sweep memo of each time zone's date and each quiet-hours deferral at `now`."""

    def __init__(self, now: datetime):
        self.now = now
        self._today: dict[str, date] = {}
        self._send_after: dict[tuple[str, time | None, time | None], datetime] = {}

    def today(self, tz_name: str) -> date:
        if tz_name not in self._today:
            self._today[tz_name] = rules.local_today(now=self.now, tz=rules.zone(tz_name))
        return self._today[tz_name]

    def send_after(self, tz_name: str, quiet_start: time | None, quiet_end: time | None):
        key = (tz_name, quiet_start, quiet_end)
        if key not in self._send_after:
            quiet = rules.QuietHours.of(quiet_start, quiet_end)
            self._send_after[key] = quiet.send_after(now=self.now, tz=rules.zone(tz_name))
        return self._send_after[key]


# ---------------------------------------------------------------------------------------
# Assignment reminders: due soon, overdue (1..3), not started


@dataclass(frozen=True)
class _AssignmentRule:
    kind: str
    sequence: int
    # A superset of the due assignments, true for every time zone (local dates are within a
    # day of the UTC date), so the database narrows the work and Python decides exactly.
    window: Q
    applies: Callable[[dict, date, ZoneInfo], bool]


_ASSIGNMENT_FIELDS = (
    "id",
    "patient_id",
    "due_on",
    "assigned_at",
    "patient__timezone",
    "patient__notification_prefs__quiet_start",
    "patient__notification_prefs__quiet_end",
)


def _assignment_rules(now: datetime) -> list[_AssignmentRule]:
    utc_today = now.astimezone(UTC).date()
    open_statuses = Assignment.OPEN_STATUSES
    due_soon_days = reminder_setting("DUE_SOON_DAYS")
    every = reminder_setting("OVERDUE_EVERY_DAYS")
    not_started_after = reminder_setting("NOT_STARTED_AFTER_DAYS")
    catch_up = reminder_setting("CATCH_UP_DAYS")

    found = [
        _AssignmentRule(
            kind=Kind.DUE_SOON,
            sequence=1,
            window=Q(
                status__in=open_statuses,
                due_on__gte=utc_today,
                due_on__lte=utc_today + timedelta(days=due_soon_days + 1),
            ),
            applies=lambda row, today, tz: rules.due_soon_applies(
                today=today, due_on=row["due_on"]
            ),
        )
    ]
    for sequence in range(1, reminder_setting("OVERDUE_MAX") + 1):
        found.append(
            _AssignmentRule(
                kind=Kind.OVERDUE,
                sequence=sequence,
                window=Q(
                    status__in=open_statuses,
                    due_on__gte=utc_today - timedelta(days=every * sequence + 1),
                    due_on__lte=utc_today - timedelta(days=every * (sequence - 1)),
                ),
                applies=lambda row, today, tz, sequence=sequence: (
                    rules.overdue_sequence(today=today, due_on=row["due_on"]) == sequence
                ),
            )
        )
    found.append(
        _AssignmentRule(
            kind=Kind.NOT_STARTED,
            sequence=1,
            window=Q(
                status=Assignment.Status.ASSIGNED,
                due_on__isnull=True,
                # Calendar days, not hours: allow a day either side and a daylight-saving hour.
                assigned_at__lte=now - timedelta(days=not_started_after - 1) + timedelta(hours=2),
                assigned_at__gte=now
                - timedelta(days=not_started_after + catch_up + 1)
                - timedelta(hours=2),
            ),
            applies=lambda row, today, tz: rules.not_started_applies(
                today=today, assigned_on=row["assigned_at"].astimezone(tz).date()
            ),
        )
    )
    return found


def _assignment_candidates(rule: _AssignmentRule) -> QuerySet[Assignment]:
    already = Notification.objects.filter(
        kind=rule.kind,
        assignment=OuterRef("pk"),
        sequence=rule.sequence,
        recipient_id=OuterRef("patient_id"),
    )
    return (
        Assignment.objects.filter(rule.window, patient__is_active=True)
        .filter(selectors.wants_email_q(kind=rule.kind, prefix="patient__"))
        .filter(~Exists(already))
    )


def _sweep_assignment_rule(
    rule: _AssignmentRule,
    *,
    clock: _LocalClock,
    dry_run: bool,
    deliver: Deliver,
    report: SweepReport,
) -> None:
    for rows in _id_batches(
        _assignment_candidates(rule), _ASSIGNMENT_FIELDS, reminder_setting("SWEEP_BATCH_SIZE")
    ):
        new = []
        for row in rows:
            tz_name = row["patient__timezone"]
            if not rule.applies(row, clock.today(tz_name), rules.zone(tz_name)):
                continue
            new.append(
                _NewRow(
                    recipient_id=row["patient_id"],
                    assignment_id=row["id"],
                    digest_date=None,
                    send_after=clock.send_after(
                        tz_name,
                        row["patient__notification_prefs__quiet_start"],
                        row["patient__notification_prefs__quiet_end"],
                    ),
                )
            )
        _store_new(rule, new, clock=clock, dry_run=dry_run, deliver=deliver, report=report)


def _store_new(
    rule: _AssignmentRule,
    new: list[_NewRow],
    *,
    clock: _LocalClock,
    dry_run: bool,
    deliver: Deliver,
    report: SweepReport,
) -> None:
    """Insert one batch of new rows of `rule` and hand the ones due now to delivery."""
    if dry_run:
        report.created[rule.kind] += len(new)
        return
    created, claimed = _insert_new(
        kind=rule.kind, sequence=rule.sequence, rows=new, now=clock.now, claim=deliver != "none"
    )
    report.created[rule.kind] += created
    if claimed:
        _hand_over(
            [(pk, rule.kind) for pk in claimed], deliver=deliver, now=clock.now, report=report
        )


# ---------------------------------------------------------------------------------------
# The same reminders for caregivers the patient lets receive them


_CAREGIVER_ASSIGNMENT_FIELDS = ("id", "patient_id", "due_on", "assigned_at", "patient__timezone")
_CAREGIVER_FIELDS = (
    "patient_id",
    "caregiver_id",
    "caregiver__timezone",
    "caregiver__notification_prefs__quiet_start",
    "caregiver__notification_prefs__quiet_end",
)


def _caregiver_links(kind: str) -> QuerySet[CaregiverLink]:
    """Links whose caregiver gets reminders of `kind` now (the patient allowed it, both
    accounts active, and the caregiver has not turned that email off)."""
    return caregiver_selectors.links_receiving_reminders().filter(
        selectors.wants_email_q(kind=kind, prefix="caregiver__")
    )


def _caregiver_patient_chunks(size: int) -> Iterator[list[int]]:
    """Ids of the patients who share their reminders with a caregiver, `size` at a time in
    ascending order: one indexed query per chunk, and nothing more when nobody does."""
    links = caregiver_selectors.links_receiving_reminders()
    after = 0
    while True:
        chunk = list(
            links.filter(patient_id__gt=after)
            .order_by("patient_id")
            .values_list("patient_id", flat=True)
            .distinct()[:size]
        )
        if chunk:
            yield chunk
        if len(chunk) < size:
            return
        after = chunk[-1]


def _caregiver_candidates(rule: _AssignmentRule, patient_ids: list[int]) -> QuerySet[Assignment]:
    """Those patients' assignments in the rule's window with a caregiver still to be reminded."""
    already = Notification.objects.filter(
        kind=rule.kind,
        sequence=rule.sequence,
        assignment=OuterRef(OuterRef("pk")),
        recipient_id=OuterRef("caregiver_id"),
    )
    # Only the link's own columns here, read by its patient_id index: joining the accounts
    # and preferences too made the planner scan every caregiver account for each chunk. A
    # caregiver who is inactive or turned this email off keeps the assignment a candidate,
    # and the query for the batch's caregivers (the full rule) leaves them out.
    waiting = CaregiverLink.objects.filter(
        patient_id__in=patient_ids,
        patient_id=OuterRef("patient_id"),
        status=CaregiverLink.Status.ACTIVE,
        receives_reminders=True,
    ).filter(~Exists(already))
    return Assignment.objects.filter(rule.window, patient_id__in=patient_ids).filter(
        Exists(waiting)
    )


def _sweep_caregiver_rule(
    rule: _AssignmentRule,
    patient_ids: list[int],
    *,
    clock: _LocalClock,
    dry_run: bool,
    deliver: Deliver,
    report: SweepReport,
) -> None:
    """The rule for the caregivers of one chunk of patients: one query for their due
    assignments, then per SWEEP_BATCH_SIZE of those one query for their caregivers, one for
    the rows those already have, one INSERT. The event is the patient's (their calendar,
    their reading); the row, its preferences and its quiet hours are the caregiver's.

    The chunk bounds the rows read (its patients' open reading inside the rule's window), so
    the query has no ORDER BY id LIMIT: with one, PostgreSQL walks the whole assignment
    table in id order testing each row against the chunk's ids, seconds per chunk."""
    size = reminder_setting("SWEEP_BATCH_SIZE")
    rows = list(_caregiver_candidates(rule, patient_ids).values(*_CAREGIVER_ASSIGNMENT_FIELDS))
    for start in range(0, len(rows), size):
        _remind_caregivers(
            rule,
            rows[start : start + size],
            clock=clock,
            dry_run=dry_run,
            deliver=deliver,
            report=report,
        )


def _remind_caregivers(
    rule: _AssignmentRule,
    rows: list[dict],
    *,
    clock: _LocalClock,
    dry_run: bool,
    deliver: Deliver,
    report: SweepReport,
) -> None:
    """Rows for the caregivers of one batch of candidate assignments, those due today."""
    due = [
        row
        for row in rows
        if rule.applies(
            row, clock.today(row["patient__timezone"]), rules.zone(row["patient__timezone"])
        )
    ]
    if not due:
        return
    caregivers_of: dict[int, list[dict]] = defaultdict(list)
    for link in (
        _caregiver_links(rule.kind)
        .filter(patient_id__in={row["patient_id"] for row in due})
        .values(*_CAREGIVER_FIELDS)
        .order_by("patient_id", "caregiver_id")
    ):
        caregivers_of[link["patient_id"]].append(link)
    existing = set(
        Notification.objects.filter(
            kind=rule.kind,
            sequence=rule.sequence,
            assignment_id__in=[row["id"] for row in due],
            recipient_id__in={
                link["caregiver_id"] for links in caregivers_of.values() for link in links
            },
        ).values_list("assignment_id", "recipient_id")
    )
    new = [
        _NewRow(
            recipient_id=link["caregiver_id"],
            assignment_id=row["id"],
            digest_date=None,
            send_after=clock.send_after(
                link["caregiver__timezone"],
                link["caregiver__notification_prefs__quiet_start"],
                link["caregiver__notification_prefs__quiet_end"],
            ),
        )
        for row in due
        for link in caregivers_of[row["patient_id"]]
        if (row["id"], link["caregiver_id"]) not in existing
    ]
    _store_new(rule, new, clock=clock, dry_run=dry_run, deliver=deliver, report=report)


def reminder_sweep(
    *, now: datetime | None = None, dry_run: bool = False, deliver: Deliver = "enqueue"
) -> SweepReport:
    """One pass of the assignment rules, for patients and then for the caregivers they let
    receive their reminders, then hand every row due now to delivery.

    This is what beat runs every few minutes (tasks.dispatch_reminders). Safe to run twice
    at once: the unique constraints drop the second insert and row locks the second send.
    """
    now = now or timezone.now()
    report = SweepReport(now=now, dry_run=dry_run)
    clock = _LocalClock(now)
    found = _assignment_rules(now)
    for rule in found:
        _sweep_assignment_rule(rule, clock=clock, dry_run=dry_run, deliver=deliver, report=report)
    # Caregivers, a chunk of the patients who share their reminders at a time: one query when
    # nobody does (most portals, and the benchmark).
    for patient_ids in _caregiver_patient_chunks(reminder_setting("SWEEP_BATCH_SIZE")):
        for rule in found:
            _sweep_caregiver_rule(
                rule, patient_ids, clock=clock, dry_run=dry_run, deliver=deliver, report=report
            )
    return report.merge(dispatch_due_notifications(now=now, dry_run=dry_run, deliver=deliver))


# ---------------------------------------------------------------------------------------
# Clinician digest


def digest_sweep(
    *, now: datetime | None = None, dry_run: bool = False, deliver: Deliver = "enqueue"
) -> SweepReport:
    """Create today's summary for each clinician whose morning it is, when there is
    something to say, then hand every row due now to delivery (tasks.dispatch_digests)."""
    now = now or timezone.now()
    report = SweepReport(now=now, dry_run=dry_run)
    clinicians = User.objects.filter(role=User.Role.CLINICIAN, is_active=True).filter(
        selectors.wants_email_q(kind=Kind.DIGEST)
    )
    fields = (
        "id",
        "timezone",
        "notification_prefs__quiet_start",
        "notification_prefs__quiet_end",
    )
    for rows in _id_batches(clinicians, fields, reminder_setting("SWEEP_BATCH_SIZE")):
        today_by_clinician: dict[int, date] = {}
        for row in rows:
            tz = rules.zone(row["timezone"])
            quiet = rules.QuietHours.of(
                row["notification_prefs__quiet_start"], row["notification_prefs__quiet_end"]
            )
            if rules.digest_time(now=now, tz=tz, quiet=quiet):
                today_by_clinician[row["id"]] = rules.local_today(now=now, tz=tz)
        if not today_by_clinician:
            continue
        existing = set(
            Notification.objects.filter(
                kind=Kind.DIGEST,
                recipient_id__in=today_by_clinician,
                digest_date__in=set(today_by_clinician.values()),
            ).values_list("recipient_id", "digest_date")
        )
        today_by_clinician = {
            clinician_id: day
            for clinician_id, day in today_by_clinician.items()
            if (clinician_id, day) not in existing
        }
        counts = selectors.digest_counts_for_clinicians(
            today_by_clinician=today_by_clinician, now=now
        )
        new = [
            _NewRow(recipient_id=clinician_id, assignment_id=None, digest_date=day, send_after=now)
            for clinician_id, day in today_by_clinician.items()
            if counts[clinician_id]
        ]
        if dry_run:
            report.created[Kind.DIGEST] += len(new)
            continue
        created, claimed = _insert_new(
            kind=Kind.DIGEST, sequence=0, rows=new, now=now, claim=deliver != "none"
        )
        report.created[Kind.DIGEST] += created
        if claimed:
            _hand_over(
                [(pk, Kind.DIGEST) for pk in claimed], deliver=deliver, now=now, report=report
            )
    return report.merge(dispatch_due_notifications(now=now, dry_run=dry_run, deliver=deliver))


def run_full_sweep(
    *, now: datetime | None = None, dry_run: bool = False, deliver: Deliver = "inline"
) -> SweepReport:
    """Run one complete sweep synchronously over the current database and return its counts.

    The core of `manage.py send_reminders`, and the entry point for benchmarks. It runs the
    same code as the beat tasks: the assignment rules (reminder_sweep), the clinician
    digests (digest_sweep), and the hand-over of every row due now.

    now: the moment to sweep at (default: the current time).
    dry_run: select and count only; nothing is inserted, claimed or sent.
    deliver: "inline" sends in this process (the command's default), "enqueue" queues
        Celery delivery tasks after commit (what beat does), "none" leaves the rows queued
        for a later sweep (measures the selection and insert alone).

    Returns a SweepReport: created[kind], dispatched[kind] and, for "inline",
    outcomes[(kind, "sent"|"skipped"|"deferred"|"failed"|...)]; report.as_dict() for JSON.
    """
    now = now or timezone.now()
    report = reminder_sweep(now=now, dry_run=dry_run, deliver=deliver)
    return report.merge(digest_sweep(now=now, dry_run=dry_run, deliver=deliver))


# ---------------------------------------------------------------------------------------
# Hand-over to delivery


def _due_queryset(*, now: datetime) -> QuerySet[Notification]:
    lost_before = now - timedelta(minutes=reminder_setting("REQUEUE_AFTER_MINUTES"))
    return Notification.objects.filter(status=Status.QUEUED, send_after__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_before)
    )


def _claim_batch(*, queryset: QuerySet, after_id: int, now: datetime) -> list[tuple[int, str]]:
    """Mark the next batch of due rows as handed over. Concurrent sweeps claim disjoint
    batches on PostgreSQL (SKIP LOCKED); elsewhere a double claim only costs a no-op task."""
    size = reminder_setting("DELIVERY_BATCH_SIZE")
    with transaction.atomic():
        claimed = list(
            queryset.filter(id__gt=after_id)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", "kind")[:size]
        )
        if claimed:
            Notification.objects.filter(id__in=[pk for pk, _kind in claimed]).update(
                enqueued_at=now
            )
    return claimed


def _enqueue_delivery(ids: list[int]) -> None:
    from .tasks import deliver_notifications

    # robust: if the broker is unreachable the rows stay queued and a later sweep hands them
    # over again, so the caller (maybe a web request that just saved a reply) carries on.
    transaction.on_commit(lambda: deliver_notifications.delay(ids), robust=True)


def _hand_over(
    claimed: list[tuple[int, str]], *, deliver: Deliver, now: datetime, report: SweepReport
) -> None:
    """Give claimed rows to delivery: a Celery task per DELIVERY_BATCH_SIZE ids, queued after
    commit, or sent right here for deliver="inline"."""
    size = reminder_setting("DELIVERY_BATCH_SIZE")
    for start in range(0, len(claimed), size):
        batch = claimed[start : start + size]
        ids = [pk for pk, _kind in batch]
        report.dispatched.update(kind for _pk, kind in batch)
        if deliver == "enqueue":
            _enqueue_delivery(ids)
        elif deliver == "inline":
            report.outcomes.update(notification_batch_deliver(ids=ids, now=now).outcomes)


def dispatch_due_notifications(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    deliver: Deliver = "enqueue",
    only: Q | None = None,
) -> SweepReport:
    """Hand every queued row that may be sent now, and is not with a worker already, to
    delivery, a batch at a time: rows deferred by quiet hours whose time has come, rows
    whose task was lost, and (off PostgreSQL) rows the sweep has just inserted."""
    now = now or timezone.now()
    report = SweepReport(now=now, dry_run=dry_run)
    queryset = _due_queryset(now=now)
    if only is not None:
        queryset = queryset.filter(only)
    if dry_run:
        for row in queryset.order_by().values("kind").annotate(n=Count("id")):
            report.dispatched[row["kind"]] += row["n"]
        return report
    if deliver == "none":
        return report
    if only is None:
        recover_interrupted_sends(now=now)
    size = reminder_setting("DELIVERY_BATCH_SIZE")
    for after, upto in _id_windows(queryset, size):
        window = queryset.filter(id__lte=upto)
        while claimed := _claim_batch(queryset=window, after_id=after, now=now):
            _hand_over(claimed, deliver=deliver, now=now, report=report)
            if len(claimed) < size:
                break
            after = claimed[-1][0]
    return report


# ---------------------------------------------------------------------------------------
# Question and reply notices (from apps.questions.signals, sent after commit)


_RECIPIENT_FIELDS = (
    "id",
    "timezone",
    "notification_prefs__quiet_start",
    "notification_prefs__quiet_end",
)


def _care_team_recipients(*, patient_id: int, kind: str) -> list[dict]:
    return list(
        User.objects.filter(
            care_team_patients_links__patient_id=patient_id,
            is_active=True,
            role__in=[User.Role.CLINICIAN, User.Role.ADMIN],
        )
        .filter(selectors.wants_email_q(kind=kind))
        .values(*_RECIPIENT_FIELDS)
        .order_by("id")
    )


def _insert_and_dispatch(*, rows: list[Notification], only: Q, now: datetime) -> int:
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    dispatch_due_notifications(now=now, deliver="enqueue", only=only)
    return len(rows)


def _notice(row: dict, *, clock: _LocalClock, **fields) -> Notification:
    return Notification(
        recipient_id=row["id"],
        created_at=clock.now,
        send_after=clock.send_after(
            row["timezone"],
            row["notification_prefs__quiet_start"],
            row["notification_prefs__quiet_end"],
        ),
        **fields,
    )


def notify_question_asked(*, question_id: int, now: datetime | None = None) -> int:
    """Tell each active clinician in the patient's care team that a question arrived.

    Returns the number of notices created (before the unique constraint drops repeats).
    """
    clock = _LocalClock(now or timezone.now())
    question = Question.objects.filter(pk=question_id, withdrawn_at__isnull=True).first()
    if question is None:
        return 0
    rows = [
        _notice(row, clock=clock, kind=Kind.NEW_QUESTION, question_id=question.pk)
        for row in _care_team_recipients(patient_id=question.patient_id, kind=Kind.NEW_QUESTION)
    ]
    only = Q(kind=Kind.NEW_QUESTION, question_id=question.pk, reply__isnull=True)
    return _insert_and_dispatch(rows=rows, only=only, now=clock.now)


def notify_reply_posted(*, reply_id: int, now: datetime | None = None) -> int:
    """A clinician's reply notifies the patient; the patient's own reply notifies the care
    team. Returns the number of notices created."""
    clock = _LocalClock(now or timezone.now())
    reply = Reply.objects.select_related("question").filter(pk=reply_id).first()
    if reply is None or reply.question.withdrawn_at is not None:
        return 0
    question = reply.question
    if reply.author_id == question.patient_id:
        recipients = _care_team_recipients(patient_id=question.patient_id, kind=Kind.REPLY)
    else:
        recipients = list(
            User.objects.filter(pk=question.patient_id, is_active=True)
            .filter(selectors.wants_email_q(kind=Kind.REPLY))
            .values(*_RECIPIENT_FIELDS)
        )
    rows = [
        _notice(row, clock=clock, kind=Kind.REPLY, question_id=question.pk, reply_id=reply.pk)
        for row in recipients
        if row["id"] != reply.author_id
    ]
    return _insert_and_dispatch(
        rows=rows, only=Q(kind=Kind.REPLY, reply_id=reply.pk), now=clock.now
    )


# ---------------------------------------------------------------------------------------
# Delivery


def _skip_reason(notification: Notification, *, now: datetime) -> str | None:
    """Why this row must not be sent now after all, re-checked at the moment of sending."""
    recipient = notification.recipient
    if not recipient.is_active:
        return SkipReason.INACTIVE_ACCOUNT
    if not selectors.wants_email(user=recipient, kind=notification.kind):
        return SkipReason.OPTED_OUT
    assignment = notification.assignment
    if assignment is not None:
        if (
            recipient.pk != assignment.patient_id
            and not caregiver_selectors.links_receiving_reminders()
            .filter(patient_id=assignment.patient_id, caregiver_id=recipient.pk)
            .exists()
        ):
            # A caregiver's copy: the patient ended the access or stopped sharing reminders.
            return SkipReason.CAREGIVER_STOPPED
        if assignment.status == Assignment.Status.COMPLETED:
            return SkipReason.ASSIGNMENT_COMPLETED
        if assignment.status == Assignment.Status.CANCELLED:
            return SkipReason.ASSIGNMENT_CANCELLED
        # The reading's dates are the patient's, for a caregiver's copy too.
        today = rules.local_today(now=now, tz=rules.zone(assignment.patient.timezone))
        if (
            notification.kind == Kind.NOT_STARTED
            and assignment.status != Assignment.Status.ASSIGNED
        ):
            return SkipReason.ALREADY_STARTED
        if notification.kind == Kind.DUE_SOON and not (
            # Quiet hours may carry it into the due day itself; a moved date cancels it.
            assignment.due_on is not None
            and 0 <= (assignment.due_on - today).days <= reminder_setting("DUE_SOON_DAYS")
        ):
            return SkipReason.NO_LONGER_DUE
        if notification.kind == Kind.OVERDUE and not assignment.is_overdue(today):
            return SkipReason.NO_LONGER_DUE
    question = notification.question
    if question is not None and question.withdrawn_at is not None:
        return SkipReason.QUESTION_WITHDRAWN
    return None


def recover_interrupted_sends(*, now: datetime, ids: list[int] | None = None) -> int:
    """Put rows whose send was interrupted back in the queue, once; fail them the next time.

    A row still "sending" past SEND_LEASE_SECONDS was claimed by a worker that stopped before
    it recorded the result, so nobody knows whether the email left. It is resent (possibly a
    duplicate, counted in interrupted_sends) at most INTERRUPTED_RETRIES times. Each
    interruption is counted once: the UPDATE re-reads the status of a row it waited for.
    Returns the number of rows put back in the queue.
    """
    stale = Notification.objects.filter(
        status=Status.SENDING,
        last_attempt_at__lt=now - timedelta(seconds=reminder_setting("SEND_LEASE_SECONDS")),
    )
    if ids is not None:
        stale = stale.filter(id__in=ids)
    counted = F("interrupted_sends") + 1
    with transaction.atomic():
        failed = stale.filter(
            interrupted_sends__gte=reminder_setting("INTERRUPTED_RETRIES")
        ).update(status=Status.FAILED, interrupted_sends=counted, last_error="Interrupted")
        requeued = stale.update(status=Status.QUEUED, interrupted_sends=counted, enqueued_at=None)
    if failed or requeued:
        logger.warning(
            "Interrupted sends (outcome unknown): %s queued again, %s failed", requeued, failed
        )
    return requeued


@dataclass
class _Claim:
    """The result of claiming one row: an outcome already decided, or a row to send now."""

    kind: str
    outcome: str
    notification: Notification | None = None
    digest: DigestCounts | None = None


def _claim_for_sending(notification_id: int, *, now: datetime) -> _Claim:
    """Lock the row if it is still queued, check the rules again, and either decide it
    (skipped, deferred) or mark it "sending" with one more attempt. The claim commits before
    any email leaves, so a worker that dies mid-send leaves a row that says so."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "recipient",
                "recipient__notification_prefs",
                "assignment__patient",
                "question",
            )
            .filter(pk=notification_id, status=Status.QUEUED)
            .first()
        )
        if notification is None:
            # Sent, skipped, failed or being sent already, or another worker holds it now.
            return _Claim("", ALREADY_HANDLED)
        kind = notification.kind
        recipient = notification.recipient

        reason = _skip_reason(notification, now=now)
        digest = None
        if reason is None and kind == Kind.DIGEST:
            tz = rules.zone(recipient.timezone)
            digest = selectors.digest_counts_for_clinicians(
                today_by_clinician={recipient.pk: rules.local_today(now=now, tz=tz)}, now=now
            )[recipient.pk]
            if not digest:
                reason = SkipReason.NOTHING_TO_REPORT
        if reason is not None:
            notification.status = Status.SKIPPED
            notification.skip_reason = reason
            notification.last_attempt_at = now
            notification.save(update_fields=["status", "skip_reason", "last_attempt_at"])
            return _Claim(kind, SKIPPED)

        quiet = selectors.quiet_hours_of(user=recipient)
        send_after = max(
            quiet.send_after(now=now, tz=rules.zone(recipient.timezone)), notification.send_after
        )
        if send_after > now:
            # Deferred, never dropped: the sweep hands it over again at send_after.
            notification.send_after = send_after
            notification.enqueued_at = None
            notification.save(update_fields=["send_after", "enqueued_at"])
            return _Claim(kind, DEFERRED)

        notification.status = Status.SENDING
        notification.attempts += 1
        notification.last_attempt_at = now
        notification.save(update_fields=["status", "attempts", "last_attempt_at"])
    return _Claim(kind, "", notification=notification, digest=digest)


def _record_failure(notification: Notification, error: Exception, *, now: datetime) -> str:
    # The error class only: messages can quote addresses.
    last_error = type(error).__name__[:200]
    logger.warning(
        "Notification %s not sent (attempt %s): %s",
        notification.pk,
        notification.attempts,
        last_error,
    )
    if notification.attempts >= reminder_setting("MAX_ATTEMPTS"):
        changes = {"status": Status.FAILED}
        outcome = FAILED
    else:
        changes = {"status": Status.QUEUED, "enqueued_at": now}
        outcome = RETRY
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
        last_error=last_error, **changes
    )
    return outcome


def _deliver_one(notification_id: int, *, now: datetime) -> tuple[str, str]:
    claim = _claim_for_sending(notification_id, now=now)
    notification = claim.notification
    if notification is None:
        return claim.kind, claim.outcome
    try:
        build_email(notification=notification, digest=claim.digest).send()
    except Exception as error:  # noqa: BLE001 - any transport failure is retried
        return claim.kind, _record_failure(notification, error, now=now)
    # Even if the lease ran out meanwhile and the row was failed, it did go out.
    Notification.objects.filter(pk=notification.pk).exclude(status=Status.SENT).update(
        status=Status.SENT, sent_at=now, last_error=""
    )
    return claim.kind, SENT


def notification_batch_deliver(
    *, ids: list[int], now: datetime | None = None, budget_seconds: float | None = None
) -> DeliveryReport:
    """Send each row in `ids` that is still queued: claim (commit), send, record (commit).

    A worker killed mid-batch leaves the rows it finished marked, the rest queued, and at
    most the row it was sending as "sending", which recover_interrupted_sends puts back once
    its lease has run out. With `budget_seconds`, no send starts after that long (the first
    always does): the ids not reached are returned in report.unstarted_ids for a new task.
    """
    report = DeliveryReport()
    recover_interrupted_sends(now=now or timezone.now(), ids=ids)
    started = monotonic()
    for position, notification_id in enumerate(ids):
        if position and budget_seconds is not None and monotonic() - started >= budget_seconds:
            report.unstarted_ids = ids[position:]
            break
        kind, outcome = _deliver_one(notification_id, now=now or timezone.now())
        report.outcomes[(kind, outcome)] += 1
        if outcome == RETRY:
            report.retry_ids.append(notification_id)
    return report


# ---------------------------------------------------------------------------------------
# Preferences


PATIENT_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.NOT_STARTED, Kind.REPLY)
# A caregiver gets the reading reminders of the patients who share them, nothing else.
CAREGIVER_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.NOT_STARTED)
STAFF_KINDS = (Kind.NEW_QUESTION, Kind.REPLY, Kind.DIGEST)


def kinds_for(*, user: User) -> tuple[str, ...]:
    """The emails a person can receive, and so choose on their preferences page."""
    if user.role == User.Role.PATIENT:
        return PATIENT_KINDS
    if user.role == User.Role.CAREGIVER:
        return CAREGIVER_KINDS
    return STAFF_KINDS


@transaction.atomic
def notification_preferences_update(
    *,
    user: User,
    wanted: dict[str, bool],
    quiet_start: time,
    quiet_end: time,
    all_off: bool,
) -> NotificationPreference:
    """Save a person's choices. Kinds they cannot receive keep their current value."""
    prefs, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for kind in kinds_for(user=user):
        if kind in wanted:
            setattr(prefs, kind, bool(wanted[kind]))
    prefs.quiet_start = quiet_start
    prefs.quiet_end = quiet_end
    if all_off and prefs.unsubscribed_all_at is None:
        prefs.unsubscribed_all_at = timezone.now()
    elif not all_off:
        prefs.unsubscribed_all_at = None
    prefs.save()
    return prefs


@transaction.atomic
def notifications_unsubscribe_all(*, user: User) -> NotificationPreference:
    """Stop every reminder email to this person (the one-click link). Idempotent."""
    prefs, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if prefs.unsubscribed_all_at is None:
        prefs.unsubscribed_all_at = timezone.now()
        prefs.save(update_fields=["unsubscribed_all_at", "updated_at"])
    return prefs
