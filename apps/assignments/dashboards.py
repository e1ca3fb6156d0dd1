"""The clinician's dashboards: "My patients", one patient's page, and the module overview and
results. Scoped with the same selectors as everything else (apps/assignments/selectors.py).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from apps.accounts.models import User
from apps.accounts.selectors import patient_get_for_user, patient_list_for_user
from apps.accounts.team_counts import scope_of, team_count
from apps.library.models import Module, ModuleVersion
from apps.questions.models import Question

from .grading import MarkedAnswer, mark_answers
from .models import Assignment, CheckAttempt, PatientTreatment, check_missed_q, overdue_q
from .selectors import (
    local_today_expression,
    patient_today,
    sections_viewed,
    timezones_of,
    treatment_get_for_patient,
)

Status = Assignment.Status
OPEN = Assignment.OPEN_STATUSES


# --- "My patients" ----------------------------------------------------------------------------

DASHBOARD_FILTERS = ("overdue", "open_questions", "not_started")
DASHBOARD_SORTS = ("name", "recent_activity", "least_activity", "overdue")


def _dashboard_counts(*, timezones: Iterable[str]) -> dict:
    """The per-patient counts of "My patients", as annotations on a User queryset."""
    today = local_today_expression(timezones=timezones, field="timezone")
    return {
        "assigned_count": Count("assignments", filter=Q(assignments__status=Status.ASSIGNED)),
        "in_progress_count": Count("assignments", filter=Q(assignments__status=Status.IN_PROGRESS)),
        "completed_count": Count("assignments", filter=Q(assignments__status=Status.COMPLETED)),
        "overdue_count": Count(
            "assignments", filter=overdue_q(today=today, prefix="assignments__")
        ),
        "failed_check_count": Count(
            "assignments",
            filter=check_missed_q(prefix="assignments__"),
        ),
        "last_activity": Max("assignments__last_activity_at"),
    }


DASHBOARD_COUNTS = (
    "assigned_count",
    "in_progress_count",
    "completed_count",
    "overdue_count",
    "failed_check_count",
    "last_activity",
)


def _has_open_questions() -> Exists:
    return Exists(
        Question.objects.filter(
            patient=OuterRef("pk"), status=Question.Status.OPEN, withdrawn_at__isnull=True
        )
    )


def _dashboard_search(patients: QuerySet[User], search: str) -> QuerySet[User]:
    search = search.strip()
    if search:
        patients = patients.filter(Q(name__icontains=search) | Q(email__icontains=search))
    return patients


def patient_dashboard_rows(
    *,
    user: User,
    search: str = "",
    filters: Iterable[str] = (),
    sort: str = "name",
) -> QuerySet[User]:
    """The care team list, one row per patient, counted in one grouped query.

    Annotations: assigned_count (not opened yet), in_progress_count, completed_count,
    overdue_count (open and past the due date where the patient lives), failed_check_count,
    last_activity, has_open_questions. Filters: "overdue", "open_questions", "not_started"
    (something assigned and not opened yet). This counts for every patient of the care team
    (the CSV export, and sorting or filtering by a count); a page of the list is
    patient_dashboard_page, which counts only the rows it shows when it can.
    """
    patients = patient_list_for_user(user=user)
    rows = patients.annotate(
        **_dashboard_counts(timezones=timezones_of(patients)),
        has_open_questions=_has_open_questions(),
    )
    rows = _dashboard_search(rows, search)
    filters = set(filters)
    if "overdue" in filters:
        rows = rows.filter(overdue_count__gt=0)
    if "open_questions" in filters:
        rows = rows.filter(has_open_questions=True)
    if "not_started" in filters:
        rows = rows.filter(assigned_count__gt=0)
    ordering = {
        "name": ["name", "id"],
        "recent_activity": [F("last_activity").desc(nulls_last=True), "name", "id"],
        "least_activity": [F("last_activity").asc(nulls_first=True), "name", "id"],
        "overdue": ["-overdue_count", "name", "id"],
    }
    return rows.order_by(*ordering.get(sort, ordering["name"]))


def _by_name(patients: QuerySet[User]) -> QuerySet[User]:
    """A page's rows before counting: only what a row shows (and the time zone its counts
    need), by name."""
    return patients.only("id", "name", "email", "timezone").order_by("name", "id")


def _paginator(rows: QuerySet[User], per_page: int, *, user: User, search: str, filters):
    """A Paginator of the list. The whole care team (no search, no filter) is counted once
    and kept (apps.accounts.team_counts): counting takes longer the larger the team, and the
    number is shown on every page. Paginator.count is a cached property, so the number given
    here is the one every page uses."""
    paginator = Paginator(rows, per_page)
    if not search.strip() and not filters:
        paginator.count = team_count(
            kind="patients",
            scope=scope_of(user),
            count=lambda: patient_list_for_user(user=user).count(),
        )
    return paginator


def patient_dashboard_page(
    *,
    user: User,
    search: str = "",
    filters: Iterable[str] = (),
    sort: str = "name",
    page_number=None,
    per_page: int = 25,
) -> Page:
    """One page of "My patients", its rows annotated as in patient_dashboard_rows.

    When neither the order nor a filter depends on the counts (the usual view: by name,
    maybe searched, maybe only patients with a question waiting), the patients of the page
    are picked first and only they are counted, so a page costs the same for a care team of
    200 or 20,000. Otherwise the whole care team is counted and sorted, as the order needs.
    """
    filters = set(filters)
    paginator_of = partial(_paginator, per_page=per_page, user=user, search=search, filters=filters)
    if sort in ("recent_activity", "least_activity", "overdue") or filters & {
        "overdue",
        "not_started",
    }:
        rows = patient_dashboard_rows(user=user, search=search, filters=filters, sort=sort)
        page = paginator_of(rows).get_page(page_number)
        page.object_list = list(page.object_list)
        return page
    patients = _by_name(_dashboard_search(patient_list_for_user(user=user), search))
    if "open_questions" in filters:
        patients = patients.filter(_has_open_questions())
    page = paginator_of(patients).get_page(page_number)
    shown = list(page.object_list)
    counts = _counts_of(shown)
    for patient in shown:
        for name, value in zip(
            (*DASHBOARD_COUNTS, "has_open_questions"), counts[patient.pk], strict=True
        ):
            setattr(patient, name, value)
    page.object_list = shown
    return page


def _counts_of(patients: list[User]) -> dict[int, tuple]:
    """DASHBOARD_COUNTS and has_open_questions of these patients, by id, in that order.

    Whether a question waits is asked here, for the page's rows only: in the query that
    picks the page, PostgreSQL answered it by reading every open question of the clinic."""
    if not patients:
        return {}
    return {
        row[0]: row[1:]
        for row in User.objects.filter(pk__in=[patient.pk for patient in patients])
        .annotate(
            **_dashboard_counts(timezones={patient.timezone for patient in patients}),
            has_open_questions=_has_open_questions(),
        )
        .order_by()
        .values_list("pk", *DASHBOARD_COUNTS, "has_open_questions")
    }


# --- The patient page -------------------------------------------------------------------------


@dataclass
class AssignmentSummary:
    """One assignment as a clinician sees it on the patient page or a module's results."""

    assignment: Assignment
    sections_viewed: int
    sections_total: int
    is_overdue: bool
    attempt_count: int = 0
    latest_attempt: CheckAttempt | None = None
    latest_answers: list[MarkedAnswer] = field(default_factory=list)
    changed_since_completion: bool = False
    can_request_reread: bool = False
    # (caregiver's name, sections they opened): their reading, apart from the patient's.
    caregiver_reading: list[tuple[str, int]] = field(default_factory=list)
    # Set by the patient page when the note went with several readings (notes.shared_notes).
    shared_note: object | None = None

    @property
    def missed(self) -> list[MarkedAnswer]:
        return [answer for answer in self.latest_answers if not answer.is_correct]

    @property
    def version_read(self) -> ModuleVersion | None:
        if self.assignment.status == Status.COMPLETED:
            return self.assignment.completed_version
        return self.assignment.module.current_version


@dataclass
class PatientDetail:
    patient: User
    today: date
    summaries: list[AssignmentSummary]
    waiting_questions: list[Question]
    treatment: PatientTreatment

    @property
    def open_question_count(self) -> int:
        return len(self.waiting_questions)

    @property
    def open_summaries(self) -> list[AssignmentSummary]:
        return [s for s in self.summaries if s.assignment.is_open]

    @property
    def completed_summaries(self) -> list[AssignmentSummary]:
        return [s for s in self.summaries if s.assignment.status == Status.COMPLETED]

    @property
    def cancelled_summaries(self) -> list[AssignmentSummary]:
        return [s for s in self.summaries if s.assignment.status == Status.CANCELLED]


def _summaries_queryset() -> QuerySet[Assignment]:
    return (
        Assignment.objects.select_related(
            "patient",
            "module",
            "module__current_version",
            "completed_version__module__current_version",
            "assigned_by",
            "cancelled_by",
        )
        .defer(
            "module__current_version__snapshot",
            "completed_version__snapshot",
            "completed_version__module__current_version__snapshot",
        )
        .annotate(sections_viewed=sections_viewed())
        .prefetch_related(
            Prefetch(
                "attempts",
                queryset=CheckAttempt.objects.select_related("version").order_by(
                    "-submitted_at", "-id"
                ),
            )
        )
    )


def _summarise(assignment: Assignment, *, today: date) -> AssignmentSummary:
    current = assignment.module.current_version
    completed = assignment.completed_version
    version = completed if assignment.status == Status.COMPLETED else current
    attempts = list(assignment.attempts.all())
    latest = attempts[0] if attempts else None
    # Changed since completion: the module that was read (maybe a translation of the assigned
    # one) has a newer version with different content.
    current_of_read = completed.module.current_version if completed is not None else None
    changed = (
        assignment.status == Status.COMPLETED
        and current_of_read is not None
        and current_of_read.pk != completed.pk
        and current_of_read.content_hash != completed.content_hash
    )
    return AssignmentSummary(
        assignment=assignment,
        sections_viewed=assignment.sections_viewed,
        sections_total=version.section_count if version is not None else 0,
        is_overdue=assignment.is_overdue(today),
        attempt_count=len(attempts),
        latest_attempt=latest,
        latest_answers=(
            mark_answers(checks=latest.version.checks, answers=latest.answers) if latest else []
        ),
        changed_since_completion=changed,
    )


def patient_detail(*, user: User, patient_id) -> PatientDetail:
    """Everything the patient page shows, in a fixed number of queries (404 outside scope)."""
    patient = patient_get_for_user(user=user, patient_id=patient_id)
    today = patient_today(patient=patient)
    assignments = _summaries_queryset().filter(patient=patient).order_by("-assigned_at", "-id")
    summaries = [_summarise(assignment, today=today) for assignment in assignments]
    open_modules = {s.assignment.module_id for s in summaries if s.assignment.is_open}
    for summary in summaries:
        # Offer "ask to re-read" once: not while a newer assignment of the module is open.
        summary.can_request_reread = (
            summary.changed_since_completion
            and summary.assignment.module_id not in open_modules
            and summary.assignment.module.status != Module.Status.RETIRED
        )
    # The questions waiting for an answer, longest-waiting first (as in the team's inbox);
    # only what the list shows is loaded (not the version read, whose snapshot is the text).
    waiting_questions = list(
        Question.objects.filter(
            patient=patient, status=Question.Status.OPEN, withdrawn_at__isnull=True
        )
        .select_related("module")
        .only("id", "body", "created_at", "waiting_since", "section_title", "module__title")
        .order_by(F("waiting_since").asc(nulls_last=True), "created_at", "id")
    )
    return PatientDetail(
        patient=patient,
        today=today,
        summaries=summaries,
        waiting_questions=waiting_questions,
        treatment=treatment_get_for_patient(patient=patient),
    )


# --- Module overview and results --------------------------------------------------------------


@dataclass(frozen=True)
class MissedQuestion:
    prompt: str
    missed: int
    answered: int

    @property
    def percent(self) -> int:
        return round(100 * self.missed / self.answered) if self.answered else 0


@dataclass
class ModuleOverviewRow:
    module: Module
    assigned: int = 0
    in_progress: int = 0
    completed: int = 0
    overdue: int = 0
    checks_missed: int = 0
    questions_waiting: int = 0
    first_attempts: int = 0
    most_missed: list[MissedQuestion] = field(default_factory=list)

    @property
    def completion_percent(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0

    @property
    def needs_action(self) -> bool:
        return bool(self.overdue or self.checks_missed or self.questions_waiting)


MOST_MISSED_SHOWN = 3


def module_overview_for_clinician(*, user: User) -> list[ModuleOverviewRow]:
    """Per module, among the user's patients: assigned, in progress, completed, overdue, checks
    missed (the latest check of the reading had wrong answers), questions waiting (open
    questions asked from an assignment of the module), and the check questions most often
    missed. Modules that need action come first (most to do first), then the ones given to
    someone, by title, then the rest.

    "Missed" counts each assignment's first attempt only: later tries come after the patient
    has seen the explanations, so first tries show where the content or the teaching fails.
    Cancelled assignments are left out. Five queries whatever the numbers.
    """
    patients = patient_list_for_user(user=user)
    today = local_today_expression(timezones=timezones_of(patients), field="patient__timezone")
    mine = Assignment.objects.filter(patient__in=patients.values("pk")).exclude(
        status=Status.CANCELLED
    )
    counts = {
        row["module_id"]: row
        for row in mine.order_by()
        .values("module_id")
        .annotate(
            # The questions join repeats an assignment once per question: count distinct rows.
            assigned=Count("pk", distinct=True),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS), distinct=True),
            completed=Count("pk", filter=Q(status=Status.COMPLETED), distinct=True),
            overdue=Count("pk", filter=overdue_q(today=today), distinct=True),
            checks_missed=Count("pk", filter=check_missed_q(), distinct=True),
            questions_waiting=Count(
                "questions",
                filter=Q(
                    questions__status=Question.Status.OPEN,
                    questions__withdrawn_at__isnull=True,
                ),
                distinct=True,
            ),
        )
    }
    modules = (
        (Module.objects.published() | Module.objects.filter(pk__in=list(counts)))
        .only("pk", "title", "slug", "topic", "status", "language")
        .order_by("title", "id")
    )
    rows = {module.pk: ModuleOverviewRow(module=module) for module in modules}
    for module_id, row in counts.items():
        overview = rows[module_id]
        overview.assigned = row["assigned"]
        overview.in_progress = row["in_progress"]
        overview.completed = row["completed"]
        overview.overdue = row["overdue"]
        overview.checks_missed = row["checks_missed"]
        overview.questions_waiting = row["questions_waiting"]

    first_attempt = CheckAttempt.objects.filter(assignment=OuterRef("assignment")).order_by(
        "submitted_at", "id"
    )
    attempts = list(
        CheckAttempt.objects.filter(assignment__in=mine.values("pk"))
        .filter(pk=Subquery(first_attempt.values("pk")[:1]))
        .values_list("assignment__module_id", "version_id", "answers")
    )
    checks_by_version = dict(
        ModuleVersion.objects.filter(pk__in={version_id for _, version_id, _ in attempts})
        .order_by()
        .values_list("pk", "snapshot__checks")
    )
    missed: dict[int, Counter] = defaultdict(Counter)
    answered: dict[int, Counter] = defaultdict(Counter)
    for module_id, version_id, answers in attempts:
        rows[module_id].first_attempts += 1
        # Questions are matched by their wording, so a re-publish that keeps a question
        # adds up its answers across versions.
        for answer in mark_answers(checks=checks_by_version.get(version_id) or [], answers=answers):
            answered[module_id][answer.prompt] += 1
            if not answer.is_correct:
                missed[module_id][answer.prompt] += 1
    for module_id, counter in missed.items():
        rows[module_id].most_missed = [
            MissedQuestion(prompt=prompt, missed=count, answered=answered[module_id][prompt])
            for prompt, count in counter.most_common(MOST_MISSED_SHOWN)
        ]
    # sorted() keeps the title order within each group.
    return sorted(
        rows.values(),
        key=lambda row: (
            not row.needs_action,
            -(row.overdue + row.checks_missed + row.questions_waiting),
            not row.assigned,
        ),
    )


@dataclass
class ModuleResults:
    module: Module
    summaries: list[AssignmentSummary]


def module_get_with_versions(*, module_id) -> Module:
    """A module that has been published at some time (what clinicians can report on), or 404."""
    try:
        return Module.objects.exclude(current_version=None).get(pk=int(module_id))
    except (Module.DoesNotExist, ValueError, TypeError):
        raise Http404("No such module.") from None


def module_results_for_clinician(*, user: User, module_id) -> ModuleResults:
    """Each of the user's patients' assignments of one module, with their latest check answers.

    Cancelled assignments are left out; a patient may appear twice (a finished assignment and
    a re-read).
    """
    module = module_get_with_versions(module_id=module_id)
    patients = patient_list_for_user(user=user)
    today_by_zone: dict[str, date] = {}
    assignments = (
        _summaries_queryset()
        .filter(module=module, patient__in=patients.values("pk"))
        .exclude(status=Status.CANCELLED)
        .order_by("patient__name", "patient_id", "-assigned_at", "-id")
    )
    summaries = []
    for assignment in assignments:
        zone = assignment.patient.timezone
        if zone not in today_by_zone:
            today_by_zone[zone] = patient_today(patient=assignment.patient)
        summaries.append(_summarise(assignment, today=today_by_zone[zone]))
    return ModuleResults(module=module, summaries=summaries)
