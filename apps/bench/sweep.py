"""The reminder sweep benchmark: N due assignments, swept by the real code in a child process,
against a plain INSERT ... SELECT of as many Notification rows in the same database.

Sweep patients (bench-sweep-*) each have one open assignment of every published module, none
due. Before each run exactly N of them are made due (due soon, two days ahead) and every other
open bench assignment is pushed out of every reminder window, so the sweep finds N and only N.
The sweep runs at a fixed moment in the afternoon in the United States, so no patient is in
quiet hours and every new reminder is also handed to delivery.
"""

import json
import math
import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.assignments.models import Assignment
from apps.reminders.models import Notification

from .bulk import RowWriter
from .seed import BENCH_PASSWORD, bench_email, bench_users, published_library

SWEEP_KIND = "sweep"
SWEEP_HOUR_UTC = 19  # 14:00 in New York, 09:00 in Honolulu: outside everyone's quiet hours
DUE_SOON_AHEAD_DAYS = 2
OUT_OF_WINDOW_DAYS = 60


def sweep_moment(today: date | None = None) -> datetime:
    today = today or timezone.now().astimezone(UTC).date()
    return datetime.combine(today, time(SWEEP_HOUR_UTC), tzinfo=UTC)


def sweep_assignments():
    return Assignment.objects.filter(patient__email__startswith=f"bench-{SWEEP_KIND}-")


def sweep_patients_seed(*, assignments: int, clinician_id: int, now: datetime) -> int:
    """Patients with one open, not-yet-due assignment per published module: `assignments`
    of them in all. Returns how many assignments exist for the sweep afterwards."""
    from django.contrib.auth.hashers import make_password

    library = published_library()
    if not library:
        raise ValueError("No module is published.")
    existing = sweep_assignments().count()
    if existing >= assignments:
        return existing
    patients = math.ceil((assignments - existing) / len(library))
    start = User.objects.filter(email__startswith=f"bench-{SWEEP_KIND}-").count()
    writer = RowWriter()
    far = now.date() + timedelta(days=OUT_OF_WINDOW_DAYS)
    password_hash = make_password(BENCH_PASSWORD)
    with transaction.atomic():
        patient_ids = writer.reserve_ids(User, patients)
        writer.write(
            User,
            ("id", "email", "name", "role", "password", "timezone", "date_joined"),
            (
                (
                    pk,
                    bench_email(SWEEP_KIND, start + offset),
                    f"Bench Sweep {start + offset:06d}",
                    User.Role.PATIENT.value,
                    password_hash,
                    "America/New_York",
                    now - timedelta(days=90),
                )
                for offset, pk in enumerate(patient_ids)
            ),
        )
        writer.write(
            Assignment,
            ("patient_id", "module_id", "assigned_by_id", "assigned_at", "due_on", "status"),
            (
                (
                    patient_id,
                    module.module_id,
                    clinician_id,
                    now - timedelta(days=1),
                    far,
                    Assignment.Status.ASSIGNED.value,
                )
                for patient_id in patient_ids
                for module in library
            ),
        )
    writer.analyze()
    return sweep_assignments().count()


def _vacuum_analyze(*models) -> None:
    """Clean up after the big UPDATEs and DELETEs between runs, so each run starts alike.
    (VACUUM cannot run inside a transaction, as in the test suite.)"""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def notification_watermark() -> int:
    """The highest Notification id so far: every reminder a later sweep or INSERT writes is
    above it (ids only grow), so removing them is one range on the primary key."""
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def sweep_prepare(*, due: int, moment: datetime, watermark: int) -> int:
    """Make exactly `due` sweep assignments due soon at `moment` and nothing else due.
    Removes the reminders earlier runs created (those above `watermark`), so each run starts
    from the same state."""
    sweep_day = moment.date()
    bench = bench_users().values("pk")
    with transaction.atomic():
        # No cascades and no delete signals hang off a Notification: one DELETE by id range.
        Notification.objects.filter(pk__gt=watermark).delete()
        out_of_window = sweep_day + timedelta(days=OUT_OF_WINDOW_DAYS)
        # Only rows not already out of every window are written: after the first run that
        # is just the previous run's due ones.
        Assignment.objects.filter(patient__in=bench, status__in=Assignment.OPEN_STATUSES).filter(
            Q(due_on__isnull=True) | ~Q(due_on=out_of_window)
        ).update(due_on=out_of_window)
        # A subquery, not a list of ids: 100,000 ids are more parameters than one statement
        # may carry with server-side binding (65,535).
        due_ids = sweep_assignments().order_by("id").values("id")[:due]
        made_due = Assignment.objects.filter(pk__in=due_ids).update(
            due_on=sweep_day + timedelta(days=DUE_SOON_AHEAD_DAYS)
        )
    _vacuum_analyze(Assignment, Notification)
    return made_due


def plain_insert_seconds(*, moment: datetime, watermark: int) -> tuple[float, int]:
    """The floor for writing the reminders: one INSERT ... SELECT of a due-soon Notification
    row for every due sweep assignment, with the same columns, indexes and constraints as the
    sweep's rows. Removed again afterwards (every row above `watermark`). Returns
    (seconds, rows)."""
    quote = connection.ops.quote_name
    table = quote(Notification._meta.db_table)
    due_on = moment.date() + timedelta(days=DUE_SOON_AHEAD_DAYS)
    source_sql, source_params = (
        sweep_assignments()
        .filter(due_on=due_on, status__in=Assignment.OPEN_STATUSES)
        .values("patient_id", "id")
        .query.sql_with_params()
    )
    columns = (
        "recipient_id, assignment_id, kind, sequence, channel, status, attempts, created_at, "
        "send_after, skip_reason, last_error"
    )
    statement = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - identifiers from model meta
        f"SELECT due.patient_id, due.id, %s, 1, 'email', %s, 0, %s, %s, '', '' "
        f"FROM ({source_sql}) AS due"
    )
    params = [Notification.Kind.DUE_SOON.value, Notification.Status.QUEUED.value, moment, moment]
    with connection.cursor() as cursor:
        started = clock.perf_counter()
        with transaction.atomic():
            cursor.execute(statement, [*params, *source_params])
            rows = cursor.rowcount
        seconds = clock.perf_counter() - started
    Notification.objects.filter(pk__gt=watermark).delete()
    _vacuum_analyze(Notification)
    return seconds, rows


def sweep_in_child(*, moment: datetime, deliver: str, env: dict[str, str], base_dir: Path) -> dict:
    """Run one full sweep in a fresh process (`manage.py bench_sweep_once`) and return what it
    measured there: seconds inside the sweep, peak RSS of that process, counts."""
    completed = subprocess.run(  # noqa: S603 - fixed argument list
        [
            sys.executable,
            "manage.py",
            "bench_sweep_once",
            "--now",
            moment.isoformat(),
            "--deliver",
            deliver,
        ],
        cwd=base_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float | None:
    """This process's peak resident memory (VmHWM), in MB; None where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def current_rss_mb() -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None
