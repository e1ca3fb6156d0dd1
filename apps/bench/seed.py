"""Benchmark data: many patients, their care teams and a plausible reading history, in bulk.

Everything here writes with bulk_create in large batches inside one transaction, and every
bench account shares one password hash computed once: hashing 10,000 passwords one by one
would take longer than the rest of the seeding together.

Bench accounts all have an email at BENCH_EMAIL_DOMAIN, which is how `bench_data_delete`
finds what to remove and nothing else. The data is only for a benchmark database: the
commands that call this refuse to run in production.
"""

import base64
import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, NotificationPreference, User
from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from apps.audit.models import AuditEvent
from apps.library.models import Module, ModuleVersion
from apps.questions.models import Question, QuestionEvent, Reply
from apps.reminders.models import Notification

from .bulk import RowWriter

BENCH_EMAIL_DOMAIN = "bench.invalid"
BENCH_PASSWORD = "bench-portal-2026"  # noqa: S105 - bench accounts in a bench database only

# "My patients" is measured for one clinician with a panel this large; the other
# clinicians share the remaining patients in panels of PANEL_SIZE.
BIG_PANEL_SIZE = 2000
PANEL_SIZE = 250
# The growth sizes: clinicians with these panels, measured side by side (the big clinician is
# the middle one). They come first, in this order, as far as the number of patients allows.
GROWTH_PANEL_SIZES = (200, BIG_PANEL_SIZE, 20_000)

# Proportions, chosen to look like an oncology clinic a few months after go-live.
ASSIGNMENTS_PER_PATIENT = (8, 12)  # inclusive range, about 10 on average
STATUS_WEIGHTS = {
    Assignment.Status.ASSIGNED: 0.40,
    Assignment.Status.IN_PROGRESS: 0.25,
    Assignment.Status.COMPLETED: 0.30,
    Assignment.Status.CANCELLED: 0.05,
}
DUE_DATE_SHARE = 0.75  # the rest have no due date
CHECK_FAILED_SHARE = 0.15  # of completed assignments, the latest check had a wrong answer
RETRIED_CHECK_SHARE = 0.10  # of passed checks, a failed attempt came first
SECOND_CLINICIAN_EVERY = 5  # every 5th patient also has a second clinician
QUESTION_EVERY = 4  # every 4th patient asked one question
QUESTION_STATUS_WEIGHTS = {
    Question.Status.ANSWERED: 0.50,
    Question.Status.OPEN: 0.35,
    Question.Status.CLOSED: 0.15,
}
PREFERENCES_EVERY = 10  # every 10th patient changed their notification settings
UNSUBSCRIBED_EVERY = 33  # of everyone, about 3% turned all email off
SPANISH_EVERY = 10
TIME_ZONES = [
    "America/New_York",
    "America/New_York",
    "America/New_York",
    "America/Chicago",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Los_Angeles",
    "America/Phoenix",
    "Pacific/Honolulu",
]

PATIENT_CHUNK = 1000  # patients built in memory at a time


def bench_email(kind: str, number: int) -> str:
    return f"bench-{kind}-{number:06d}@{BENCH_EMAIL_DOMAIN}"


BIG_CLINICIAN_EMAIL = bench_email("clinician", 0)


def bench_totp_secret(*, email: str) -> str:
    """The TOTP secret of a bench clinician, derived from the email so that the benchmark
    can answer the second login step. Bench databases only: seeding refuses production."""
    digest = hashlib.sha256(f"portal-bench-totp:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def bench_users() -> QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")


@dataclass(frozen=True)
class LibraryModule:
    """What seeding needs to know about a published module, read once."""

    module_id: int
    version_id: int
    section_count: int
    first_section_title: str
    correct_answers: tuple[int | list[int], ...]
    wrong_answers: tuple[int, ...]


@dataclass
class SeedResult:
    patients: int = 0
    clinicians: int = 0
    care_team_links: int = 0
    preferences: int = 0
    assignments: int = 0
    assignments_by_status: dict[str, int] = field(default_factory=dict)
    section_progress: int = 0
    check_attempts: int = 0
    questions: int = 0
    replies: int = 0
    question_events: int = 0
    notifications: int = 0
    modules: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def published_library() -> list[LibraryModule]:
    modules = (
        Module.objects.filter(status=Module.Status.PUBLISHED, current_version__isnull=False)
        .select_related("current_version")
        .order_by("id")
    )
    library = []
    for module in modules:
        version: ModuleVersion = module.current_version
        sections = version.sections
        checks = version.checks
        correct = tuple(
            list(check["correct_indexes"])
            if check.get("correct_indexes")
            else int(check["correct_index"])
            for check in checks
        )
        wrong = tuple(
            (int(check["correct_index"]) + 1) % max(len(check["choices"]), 2) for check in checks
        )
        library.append(
            LibraryModule(
                module_id=module.pk,
                version_id=version.pk,
                section_count=max(version.section_count, 1),
                first_section_title=sections[0]["title"] if sections else "",
                correct_answers=correct,
                wrong_answers=wrong,
            )
        )
    return library


def bench_data_exists() -> bool:
    return bench_users().exists()


def bench_patient_count() -> int:
    return bench_users().filter(role=User.Role.PATIENT).count()


def _delete_in_sql(model, queryset) -> int:
    """DELETE the rows of `queryset` in one statement, without loading them.

    Django's delete() collects every row in memory first to run cascades, which takes
    minutes for a few hundred thousand rows. The callers delete dependants first, so a
    plain DELETE is enough. For the audit trail it also bypasses the model's append-only
    guard, on purpose, and only for events whose actor or patient is a bench account; the
    database trigger on PostgreSQL still refuses (see _delete_bench_audit_events).
    """
    pk_sql, params = queryset.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        # Wrapped once more so SQLite and PostgreSQL both accept a subquery on the same table.
        cursor.execute(
            f"DELETE FROM {table} WHERE {column} IN (SELECT bench_ids.pk FROM ({pk_sql}) AS bench_ids)",  # noqa: S608 - identifiers from model meta, values as parameters
            params,
        )
        return cursor.rowcount


class BenchDataLocked(Exception):
    """Bench accounts appear in an append-only audit trail and cannot be removed."""


def _delete_bench_audit_events(users) -> int:
    events = AuditEvent.objects.filter(Q(actor__in=users) | Q(subject_patient__in=users))
    if not events.exists():
        return 0
    try:
        with transaction.atomic():
            return _delete_in_sql(AuditEvent, events)
    except DatabaseError as error:
        # On PostgreSQL a trigger keeps the audit trail append-only, for bench rows too.
        raise BenchDataLocked(
            "The audit trail records what the bench accounts did and cannot be changed, so "
            "they cannot be removed. Seed a fresh database instead (run_bench recreates its "
            "own database on every run)."
        ) from error


@transaction.atomic
def bench_data_delete() -> dict[str, int]:
    """Remove every bench account and everything that hangs off them; nothing else."""
    users = bench_users().values("pk")
    assignments = Assignment.objects.filter(
        Q(patient__in=users) | Q(assigned_by__in=users) | Q(cancelled_by__in=users)
    ).values("pk")
    questions = Question.objects.filter(Q(patient__in=users) | Q(assignment__in=assignments))
    question_ids = questions.values("pk")
    deleted = {
        "notifications": _delete_in_sql(
            Notification,
            Notification.objects.filter(
                Q(recipient__in=users)
                | Q(assignment__in=assignments)
                | Q(question__in=question_ids)
            ),
        ),
        "question_events": _delete_in_sql(
            QuestionEvent,
            QuestionEvent.objects.filter(Q(question__in=question_ids) | Q(actor__in=users)),
        ),
        "replies": _delete_in_sql(
            Reply, Reply.objects.filter(Q(question__in=question_ids) | Q(author__in=users))
        ),
    }
    deleted["questions"] = _delete_in_sql(Question, questions)
    deleted["check_attempts"] = _delete_in_sql(
        CheckAttempt, CheckAttempt.objects.filter(assignment__in=assignments)
    )
    deleted["section_progress"] = _delete_in_sql(
        SectionProgress, SectionProgress.objects.filter(assignment__in=assignments)
    )
    deleted["assignments"] = _delete_in_sql(
        Assignment, Assignment.objects.filter(pk__in=assignments)
    )
    deleted["audit_events"] = _delete_bench_audit_events(users)
    deleted["care_team_links"] = _delete_in_sql(
        CareTeamMembership,
        CareTeamMembership.objects.filter(Q(clinician__in=users) | Q(patient__in=users)),
    )
    deleted["preferences"] = _delete_in_sql(
        NotificationPreference, NotificationPreference.objects.filter(user__in=users)
    )
    from allauth.usersessions.models import UserSession

    deleted["sessions"] = _delete_in_sql(
        Session,
        Session.objects.filter(
            session_key__in=UserSession.objects.filter(user__in=users).values("session_key")
        ),
    )
    # The few remaining links (allauth emails, sessions, authenticators) cascade normally.
    deleted["users"], _detail = bench_users().delete()
    return deleted


def _weighted(rng: random.Random, weights: dict) -> str:
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


def leading_panels(patients: int) -> tuple[int, ...]:
    """The exact panels the first clinicians get: the big clinician's, then the other growth
    sizes that fit in `patients` (the big clinician first, so its address never moves)."""
    panels = [BIG_PANEL_SIZE]
    for size in GROWTH_PANEL_SIZES:
        if size != BIG_PANEL_SIZE and sum(panels) + size <= patients:
            panels.append(size)
    return tuple(panels)


def _clinician_count(patients: int) -> int:
    leading = leading_panels(patients)
    others = math.ceil(max(patients - sum(leading), 0) / PANEL_SIZE)
    return len(leading) + max(others, 1)


def _primary_clinician_index(patient_number: int, leading: tuple[int, ...]) -> int:
    """0..k-1 the clinicians with the leading panels; then the others, PANEL_SIZE each."""
    end = 0
    for index, size in enumerate(leading):
        end += size
        if patient_number < end:
            return index
    return len(leading) + (patient_number - end) // PANEL_SIZE


def growth_clinician_emails(patients: int) -> dict[int, str]:
    """Panel size -> email of the clinician who has exactly that many patients, smallest
    panel first."""
    panels = sorted(enumerate(leading_panels(patients)), key=lambda pair: pair[1])
    return {size: bench_email("clinician", index) for index, size in panels}


USER_COLUMNS = (
    "id",
    "email",
    "name",
    "role",
    "is_staff",
    "password",
    "timezone",
    "preferred_language",
    "date_joined",
)


def _create_clinicians(*, writer: RowWriter, count: int, password_hash: str, now: datetime):
    ids = writer.reserve_ids(User, count)
    emails = [bench_email("clinician", number) for number in range(count)]
    writer.write(
        User,
        USER_COLUMNS,
        (
            (
                pk,
                emails[number],
                f"Bench Clinician {number:04d}",
                User.Role.CLINICIAN.value,
                True,
                password_hash,
                "America/New_York",
                "en",
                now - timedelta(days=400),
            )
            for number, pk in enumerate(ids)
        ),
    )
    _give_clinicians_totp(writer, dict(zip(ids, emails, strict=True)))
    return ids


def _give_clinicians_totp(writer: RowWriter, emails_by_id: dict[int, str]) -> None:
    """Staff must pass a second login step; the bench clinicians do it with TOTP, as
    clinicians would in production, rather than with the demo-only relaxation."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    writer.write(
        Authenticator,
        ("user_id", "type", "data"),
        (
            (
                pk,
                Authenticator.Type.TOTP.value,
                json.dumps({"secret": encrypt(bench_totp_secret(email=email))}),
            )
            for pk, email in emails_by_id.items()
        ),
    )


@dataclass(slots=True)
class _Plan:
    """One assignment being built, with what its history needs to know."""

    pk: int
    number: int
    patient_id: int
    clinician_id: int
    module: LibraryModule
    status: str
    assigned_at: datetime
    due_on: date | None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    check_failed: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in Assignment.OPEN_STATUSES


class _Seeder:
    """Builds one chunk of patients and their history at a time, to bound memory."""

    def __init__(self, *, writer, library, clinician_ids, leading, password_hash, rng, now, result):
        self.writer = writer
        self.leading = leading
        self.library = library
        self.clinician_ids = clinician_ids
        self.password_hash = password_hash
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.result = result

    def seed_chunk(self, numbers: range) -> None:
        patient_ids = self._create_patients(numbers)
        primaries = self._create_care_teams(numbers, patient_ids)
        self._create_preferences(numbers, patient_ids)
        plans = self._create_assignments(numbers, patient_ids, primaries)
        self._create_progress_and_checks(plans)
        self._create_assignment_notifications(plans)
        self._create_questions(numbers, patient_ids, primaries, plans)

    def _create_patients(self, numbers: range) -> list[int]:
        rng = self.rng
        ids = self.writer.reserve_ids(User, len(numbers))
        self.result.patients += self.writer.write(
            User,
            USER_COLUMNS,
            (
                (
                    pk,
                    bench_email("patient", number),
                    f"Bench Patient {number:06d}",
                    User.Role.PATIENT.value,
                    False,
                    self.password_hash,
                    TIME_ZONES[number % len(TIME_ZONES)],
                    "es" if number % SPANISH_EVERY == 7 else "en",
                    self.now - timedelta(days=rng.randint(60, 365)),
                )
                for number, pk in zip(numbers, ids, strict=True)
            ),
        )
        return ids

    def _create_care_teams(self, numbers: range, patient_ids: list[int]) -> list[int]:
        first_other = len(self.leading)
        others = len(self.clinician_ids) - first_other
        links = []
        primaries = []
        for number, patient_id in zip(numbers, patient_ids, strict=True):
            primary_index = _primary_clinician_index(number, self.leading)
            primaries.append(self.clinician_ids[primary_index])
            links.append((self.clinician_ids[primary_index], patient_id, self.now))
            if number % SECOND_CLINICIAN_EVERY == 0:
                # Never a clinician with a leading panel: those stay at exactly their size.
                second_index = first_other + (number + primary_index) % others
                if second_index != primary_index:
                    links.append((self.clinician_ids[second_index], patient_id, self.now))
        self.result.care_team_links += self.writer.write(
            CareTeamMembership, ("clinician_id", "patient_id", "created_at"), links
        )
        return primaries

    def _create_preferences(self, numbers: range, patient_ids: list[int]) -> None:
        rows = []
        for number, patient_id in zip(numbers, patient_ids, strict=True):
            unsubscribed = number % UNSUBSCRIBED_EVERY == 5
            if not unsubscribed and number % PREFERENCES_EVERY != 3:
                continue
            rows.append(
                (
                    patient_id,
                    number % 2 == 0,
                    time(20, 0),
                    time(9, 0),
                    self.now - timedelta(days=10) if unsubscribed else None,
                    self.now,
                )
            )
        self.result.preferences += self.writer.write(
            NotificationPreference,
            (
                "user_id",
                "not_started",
                "quiet_start",
                "quiet_end",
                "unsubscribed_all_at",
                "updated_at",
            ),
            rows,
        )

    def _create_assignments(self, numbers, patient_ids, primaries) -> list[_Plan]:
        rng = self.rng
        low, high = ASSIGNMENTS_PER_PATIENT
        plans: list[_Plan] = []
        for number, patient_id, clinician_id in zip(numbers, patient_ids, primaries, strict=True):
            count = min(rng.randint(low, high), len(self.library))
            for module in rng.sample(self.library, count):
                assigned_at = self.now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
                due_on = None
                if rng.random() < DUE_DATE_SHARE:
                    due_on = assigned_at.date() + timedelta(days=rng.randint(7, 35))
                plan = _Plan(
                    pk=0,
                    number=number,
                    patient_id=patient_id,
                    clinician_id=clinician_id,
                    module=module,
                    status=_weighted(rng, STATUS_WEIGHTS),
                    assigned_at=assigned_at,
                    due_on=due_on,
                )
                self._fill_timeline(plan)
                plans.append(plan)
        for plan, pk in zip(plans, self.writer.reserve_ids(Assignment, len(plans)), strict=True):
            plan.pk = pk
        self.result.assignments += self.writer.write(
            Assignment,
            (
                "id",
                "patient_id",
                "module_id",
                "assigned_by_id",
                "assigned_at",
                "due_on",
                "note",
                "status",
                "started_at",
                "completed_at",
                "completed_version_id",
                "cancelled_at",
                "cancelled_by_id",
                "last_activity_at",
                "check_failed",
            ),
            (
                (
                    plan.pk,
                    plan.patient_id,
                    plan.module.module_id,
                    plan.clinician_id,
                    plan.assigned_at,
                    plan.due_on,
                    "",
                    plan.status,
                    plan.started_at,
                    plan.completed_at,
                    plan.module.version_id if plan.completed_at else None,
                    plan.cancelled_at,
                    plan.clinician_id if plan.cancelled_at else None,
                    plan.completed_at or plan.started_at,
                    plan.check_failed,
                )
                for plan in plans
            ),
        )
        for plan in plans:
            self.result.assignments_by_status[plan.status] = (
                self.result.assignments_by_status.get(plan.status, 0) + 1
            )
        return plans

    def _fill_timeline(self, plan: _Plan) -> None:
        rng = self.rng
        if plan.status == Assignment.Status.CANCELLED:
            plan.cancelled_at = plan.assigned_at + timedelta(days=1)
            return
        if plan.status == Assignment.Status.ASSIGNED:
            return
        elapsed = self.now - plan.assigned_at
        plan.started_at = plan.assigned_at + elapsed * rng.uniform(0.05, 0.5)
        if plan.status == Assignment.Status.COMPLETED:
            plan.completed_at = plan.started_at + timedelta(minutes=rng.randint(2, 40))
            plan.check_failed = bool(plan.module.correct_answers) and (
                rng.random() < CHECK_FAILED_SHARE
            )

    def _create_progress_and_checks(self, plans: list[_Plan]) -> None:
        rng = self.rng
        progress = []
        attempts = []
        for plan in plans:
            if plan.status == Assignment.Status.COMPLETED:
                viewed = plan.module.section_count
            elif plan.status == Assignment.Status.IN_PROGRESS:
                viewed = rng.randint(1, max(plan.module.section_count - 1, 1))
            else:
                continue
            for position in range(1, viewed + 1):
                progress.append(
                    (
                        plan.pk,
                        position,
                        plan.module.version_id,
                        plan.started_at + timedelta(minutes=position),
                    )
                )
            if plan.status == Assignment.Status.COMPLETED and plan.module.correct_answers:
                attempts.extend(self._attempts_for(plan))
        self.result.section_progress += self.writer.write(
            SectionProgress,
            ("assignment_id", "position", "version_id", "first_viewed_at"),
            progress,
        )
        self.result.check_attempts += self.writer.write(
            CheckAttempt,
            ("assignment_id", "version_id", "answers", "score", "total", "submitted_at"),
            attempts,
        )

    def _attempts_for(self, plan: _Plan) -> list[tuple]:
        module = plan.module
        total = len(module.correct_answers)
        failed = [*module.correct_answers]
        failed[0] = module.wrong_answers[0]

        def attempt(answers, score, minutes_before):
            submitted_at = plan.completed_at - timedelta(minutes=minutes_before)
            return (
                plan.pk,
                module.version_id,
                json.dumps(list(answers)),
                score,
                total,
                submitted_at,
            )

        if plan.check_failed:
            return [attempt(failed, total - 1, 0)]
        if self.rng.random() < RETRIED_CHECK_SHARE:
            return [attempt(failed, total - 1, 5), attempt(module.correct_answers, total, 0)]
        return [attempt(module.correct_answers, total, 0)]

    def _create_assignment_notifications(self, plans: list[_Plan]) -> None:
        """The reminders already sent, following the rules in DESIGN.md (and the sequence
        numbers apps.reminders uses: 1 for the once-only kinds, 1..3 for overdue)."""
        today = self.today
        rows = []
        for plan in plans:
            if plan.number % UNSUBSCRIBED_EVERY == 5 or plan.status == Assignment.Status.CANCELLED:
                continue
            sends = []
            if plan.due_on is None:
                if plan.status == Assignment.Status.ASSIGNED and (
                    (today - plan.assigned_at.date()).days > 3
                ):
                    sends.append((Notification.Kind.NOT_STARTED, 1, plan.assigned_at.date()))
            else:
                due_soon_day = plan.due_on - timedelta(days=2)
                finished_before = plan.completed_at is not None and (
                    plan.completed_at.date() < due_soon_day
                )
                if due_soon_day <= today and not finished_before:
                    sends.append((Notification.Kind.DUE_SOON, 1, due_soon_day))
                if plan.is_open and plan.due_on < today:
                    days_late = (today - plan.due_on).days
                    for step in range(min(1 + (days_late - 1) // 7, 3)):
                        sends.append(
                            (
                                Notification.Kind.OVERDUE,
                                step + 1,
                                plan.due_on + timedelta(days=1 + 7 * step),
                            )
                        )
            for kind, sequence, day in sends:
                sent_at = datetime.combine(day, time(14, 0), tzinfo=UTC)
                rows.append((plan.patient_id, kind.value, plan.pk, None, None, sequence, sent_at))
        self._write_sent_notifications(rows)

    def _write_sent_notifications(self, rows: list[tuple]) -> None:
        """rows: (recipient_id, kind, assignment_id, question_id, reply_id, sequence, sent_at)."""
        self.result.notifications += self.writer.write(
            Notification,
            (
                "recipient_id",
                "kind",
                "assignment_id",
                "question_id",
                "reply_id",
                "sequence",
                "status",
                "attempts",
                "created_at",
                "send_after",
                "enqueued_at",
                "sent_at",
            ),
            (
                (*row[:6], Notification.Status.SENT.value, 1, row[6], row[6], row[6], row[6])
                for row in rows
            ),
        )

    def _create_questions(self, numbers, patient_ids, primaries, plans: list[_Plan]) -> None:
        rng = self.rng
        first_open: dict[int, _Plan] = {}
        for plan in plans:
            if plan.status != Assignment.Status.CANCELLED:
                first_open.setdefault(plan.number, plan)
        asked = [
            (number, patient_id, clinician_id)
            for number, patient_id, clinician_id in zip(
                numbers, patient_ids, primaries, strict=True
            )
            if number % QUESTION_EVERY == 1 and number in first_open
        ]
        question_ids = self.writer.reserve_ids(Question, len(asked))
        questions = []  # (pk, patient_id, clinician_id, status, created_at)
        question_rows = []
        for pk, (number, patient_id, clinician_id) in zip(question_ids, asked, strict=True):
            plan = first_open[number]
            created_at = plan.assigned_at + timedelta(hours=rng.randint(2, 48))
            status = _weighted(rng, QUESTION_STATUS_WEIGHTS)
            questions.append((pk, patient_id, clinician_id, status, created_at))
            question_rows.append(
                (
                    pk,
                    patient_id,
                    plan.pk,
                    plan.module.module_id,
                    plan.module.version_id,
                    1,
                    plan.module.first_section_title,
                    "Can I still have my flu shot while I am on this treatment?",
                    status,
                    created_at,
                    created_at,
                )
            )
        self.result.questions += self.writer.write(
            Question,
            (
                "id",
                "patient_id",
                "assignment_id",
                "module_id",
                "version_id",
                "section_position",
                "section_title",
                "body",
                "status",
                "created_at",
                "last_activity_at",
            ),
            question_rows,
        )

        answered = [q for q in questions if q[3] != Question.Status.OPEN]
        reply_ids = self.writer.reserve_ids(Reply, len(answered))
        replies = {
            question[0]: (reply_pk, question[4] + timedelta(hours=4))
            for reply_pk, question in zip(reply_ids, answered, strict=True)
        }
        self.result.replies += self.writer.write(
            Reply,
            ("id", "question_id", "author_id", "body", "created_at"),
            (
                (
                    replies[q[0]][0],
                    q[0],
                    q[2],
                    "Yes, the inactivated flu shot is safe. We can give it at your next visit.",
                    replies[q[0]][1],
                )
                for q in answered
            ),
        )

        events = []
        notices = []
        for pk, patient_id, clinician_id, status, created_at in questions:
            events.append((pk, patient_id, QuestionEvent.Action.ASKED.value, created_at))
            notices.append(
                (clinician_id, Notification.Kind.NEW_QUESTION.value, None, pk, None, 0, created_at)
            )
            if pk not in replies:
                continue
            reply_pk, replied_at = replies[pk]
            events.append((pk, clinician_id, QuestionEvent.Action.REPLIED.value, replied_at))
            notices.append(
                (patient_id, Notification.Kind.REPLY.value, None, pk, reply_pk, 0, replied_at)
            )
            if status == Question.Status.CLOSED:
                events.append(
                    (
                        pk,
                        clinician_id,
                        QuestionEvent.Action.CLOSED.value,
                        replied_at + timedelta(days=1),
                    )
                )
        self.result.question_events += self.writer.write(
            QuestionEvent, ("question_id", "actor_id", "action", "at"), events
        )
        self._write_sent_notifications(notices)


def bench_data_seed(*, patients: int, seed: int = 2026, now: datetime | None = None) -> SeedResult:
    """Create `patients` bench patients, their clinicians and history. Needs a published
    library and no bench data yet (see bench_data_delete)."""
    started = timezone.now()
    now = now or started
    library = published_library()
    if not library:
        raise ValueError(
            "No module is published. Run `python manage.py load_library --demo` first."
        )
    result = SeedResult(modules=len(library))
    # One hash for everyone: the hasher's cost is the point of a password hash.
    password_hash = make_password(BENCH_PASSWORD)
    rng = random.Random(seed)
    writer = RowWriter()
    with transaction.atomic():
        clinician_ids = _create_clinicians(
            writer=writer,
            count=_clinician_count(patients),
            password_hash=password_hash,
            now=now,
        )
        result.clinicians = len(clinician_ids)
        seeder = _Seeder(
            writer=writer,
            library=library,
            clinician_ids=clinician_ids,
            leading=leading_panels(patients),
            password_hash=password_hash,
            rng=rng,
            now=now,
            result=result,
        )
        for start in range(0, patients, PATIENT_CHUNK):
            seeder.seed_chunk(range(start, min(start + PATIENT_CHUNK, patients)))
    writer.analyze()
    result.seconds = round((timezone.now() - started).total_seconds(), 2)
    return result
