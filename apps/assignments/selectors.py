"""Scoped reads of assignments, shared by the web views and the API.

Nothing here takes a request: callers pass the user. Every lookup of one assignment or one
patient goes through a `*_get_for_*` function that raises Http404 for anything outside the
caller's scope, so nobody learns that it exists. List pages run a constant number of queries
however many patients and assignments there are (see tests/assignments/test_query_counts.py).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, User, zone_named
from apps.accounts.selectors import patient_get_for_user, patient_list_for_user
from apps.caregivers.selectors import active_link_for_caregiver, active_links_for_caregiver
from apps.library.models import Module, ModuleVersion
from apps.library.selectors import module_list_published
from apps.questions.models import Question

from .grading import MarkedAnswer, mark_answers
from .models import Assignment, CaregiverProgress, CheckAttempt, SectionProgress

Status = Assignment.Status
OPEN = Assignment.OPEN_STATUSES


# --- Time zones -------------------------------------------------------------------------------


def patient_today(*, patient: User, now: datetime | None = None) -> date:
    """Today's date where the patient lives: due dates and "overdue" are about their calendar."""
    return timezone.localdate(now or timezone.now(), timezone=patient.tzinfo)


def local_today_expression(*, timezones: Iterable[str], field: str):
    """Today's date in each row's patient time zone, as an SQL expression.

    SQLite has no portable time-zone arithmetic, and a clinic's patients use only a handful of
    zones, so we work out today's date for each zone in Python and map the zones with CASE.
    `field` is the path to the patient's `timezone` column from the queried model.
    """
    now = timezone.now()
    default_day = timezone.localdate(now, timezone=ZoneInfo(settings.DEFAULT_PATIENT_TIME_ZONE))
    zones_by_day: dict[date, list[str]] = defaultdict(list)
    for name in set(timezones):
        zones_by_day[timezone.localdate(now, timezone=zone_named(name))].append(name)
    if not zones_by_day or set(zones_by_day) == {default_day}:
        return Value(default_day, output_field=DateField())
    whens = [
        When(**{f"{field}__in": sorted(names)}, then=Value(day))
        for day, names in sorted(zones_by_day.items())
    ]
    return Case(*whens, default=Value(default_day), output_field=DateField())


def _timezones_of(patients: QuerySet[User]) -> list[str]:
    return list(patients.order_by().values_list("timezone", flat=True).distinct())


# --- Modules ----------------------------------------------------------------------------------


def module_list_assignable() -> QuerySet[Module]:
    """Published modules a clinician can assign: the library's own list (a current version
    patients can read, not retired), without loading the versions' content."""
    return module_list_published().select_related(None).order_by("title", "id")


# --- Which module a patient reads -------------------------------------------------------------


def _published_translations(language: str) -> QuerySet[Module]:
    return (
        Module.objects.published()
        .filter(language=language)
        .select_related("current_version")
        .defer("current_version__snapshot")
        .order_by("pk")
    )


def reading_module(*, assignment: Assignment, language: str | None = None) -> Module:
    """The module a patient actually reads for an assignment.

    A patient whose preferred language differs from the assigned module's reads its published
    translation in that language when there is one (Module.translation_of), and the assigned
    module otherwise. Progress, the check and completion all use this module's current
    version, so the reading pages, the services and the API agree. `language` defaults to the
    patient's; the answer is kept on the assignment for the rest of the request. A list can
    prefetch the translations (see assignment_list_for_patient) to avoid a query per row.
    """
    cached = getattr(assignment, "_reading_module", None)
    if cached is not None:
        return cached
    module = assignment.module
    language = language or assignment.patient.preferred_language
    chosen = module
    if language and language != module.language:
        prefetched = getattr(module, "published_translations", None)
        if prefetched is not None:
            candidates = [m for m in prefetched if m.language == language]
        else:
            candidates = list(
                Module.objects.published()
                .filter(translation_of=module, language=language)
                .select_related("current_version")
                .order_by("pk")[:1]
            )
        if candidates:
            chosen = candidates[0]
    assignment._reading_module = chosen
    return chosen


def reading_version(*, assignment: Assignment) -> ModuleVersion | None:
    return reading_module(assignment=assignment).current_version


# --- Patients' own assignments ----------------------------------------------------------------


def sections_viewed():
    """How many sections of an assignment the patient opened, as an annotation.

    A correlated subquery rather than JOIN + GROUP BY: the database counts only for the rows
    it returns (a page), and the rest of the query needs no grouping over every joined column.
    """
    opened = (
        SectionProgress.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(opened, output_field=IntegerField()), 0)


# Columns of joined rows that list pages never show (each list defers the ones it needs not).
UNSHOWN_VERSION_COLUMNS = (
    "snapshot",
    "published_at",
    "published_by",
    "reviewed_by",
    "content_hash",
)
UNSHOWN_MODULE_COLUMNS = (
    "sources",
    "reading_grade",
    "last_reviewed",
    "source_hash",
    "created_at",
    "updated_at",
    "last_edited_by",
    "reviewed_by",
    "has_unpublished_changes",
)
UNSHOWN_PERSON_COLUMNS = (
    "password",
    "last_login",
    "is_superuser",
    "email",
    "role",
    "timezone",
    "preferred_language",
    "text_size",
    "is_active",
    "is_staff",
    "date_joined",
)


def _visible_to_patients() -> QuerySet[Assignment]:
    """What a patient may see of their assignments: published content, never cancelled."""
    return Assignment.objects.filter(Module.published_q("module__")).exclude(
        status=Status.CANCELLED
    )


def own_assignments_base(*, for_reading: bool) -> QuerySet[Assignment]:
    """assignment_list_for_patient without the patient (the API's list adds its own joins)."""
    assignments = (
        _visible_to_patients()
        .annotate(sections_viewed=sections_viewed())
        .order_by("due_on", "-assigned_at", "-id")
    )
    if not for_reading:
        return assignments
    # Only what the list shows is loaded from the joined rows: the version's text is the whole
    # module (the reading list's query-count test would notice a deferred column read later).
    return assignments.select_related("module", "module__current_version", "assigned_by").defer(
        *(f"module__current_version__{name}" for name in UNSHOWN_VERSION_COLUMNS),
        *(f"module__{name}" for name in UNSHOWN_MODULE_COLUMNS),
        *(f"assigned_by__{name}" for name in UNSHOWN_PERSON_COLUMNS),
    )


def assignment_list_for_patient(*, patient: User) -> QuerySet[Assignment]:
    """What a patient sees: their own assignments of published content, never cancelled ones.

    `sections_viewed` is annotated; the module, its version (snapshot deferred: a list needs
    only its section count) and who assigned each one are loaded, as "My reading" shows them.
    The API's list starts from own_assignments_base(for_reading=False) and joins its own.
    For the module the patient actually reads, see with_reading_modules.
    """
    return own_assignments_base(for_reading=True).filter(patient=patient)


def reading_list_for_patient(*, patient: User) -> list[Assignment]:
    """assignment_list_for_patient, loaded, each row knowing its patient (no query for it)."""
    assignments = list(assignment_list_for_patient(patient=patient))
    for assignment in assignments:
        assignment.patient = patient
    return assignments


def with_reading_modules(assignments: Iterable[Assignment], *, language: str) -> list[Assignment]:
    """The assignments, each with `.reading`: the module the patient reads (reading_module).

    Translations are looked up, in one query, only for modules in another language than the
    patient's; most lists have none, and then this costs no query at all.
    """
    assignments = list(assignments)
    foreign = [a.module for a in assignments if language and a.module.language != language]
    if foreign:
        prefetch_related_objects(
            foreign,
            Prefetch(
                "translations",
                queryset=_published_translations(language),
                to_attr="published_translations",
            ),
        )
    for assignment in assignments:
        assignment.reading = reading_module(assignment=assignment, language=language)
    return assignments


# Ids are bigint: anything outside that range cannot be an assignment (and must not reach the
# database, which would refuse it rather than find nothing).
_ID_RANGE = range(1, 2**63)


def assignment_get_for_patient(*, patient: User, assignment_id) -> Assignment:
    """One of the patient's own assignments with its current version loaded, or 404."""
    try:
        assignment_id = int(assignment_id)
    except (ValueError, TypeError):
        raise Http404("No such reading.") from None
    assignment = None
    if assignment_id in _ID_RANGE:
        assignment = (
            _visible_to_patients()
            .filter(patient=patient, pk=assignment_id)
            .select_related("module", "module__current_version")
            .first()
        )
    if assignment is None:
        raise Http404("No such reading.")
    assignment.patient = patient
    return assignment


def progress_positions(*, assignment: Assignment) -> set[int]:
    """Positions of the sections the patient has opened."""
    return set(
        SectionProgress.objects.filter(assignment=assignment)
        .order_by()
        .values_list("position", flat=True)
    )


def caregiver_progress_positions(*, assignment: Assignment, reader: User) -> set[int]:
    """Positions of the sections this caregiver has opened (their own, not the patient's)."""
    return set(
        CaregiverProgress.objects.filter(assignment=assignment, reader=reader).values_list(
            "position", flat=True
        )
    )


def caregiver_reading_by_assignment(*, patient_id) -> dict[int, list[tuple[str, int]]]:
    """For the care team's patient page: per assignment, each caregiver who read some of it
    and how many sections they opened, in one query."""
    rows = (
        CaregiverProgress.objects.filter(assignment__patient_id=patient_id)
        .order_by()
        .values("assignment_id", "reader__name")
        .annotate(sections=Count("id"))
        .order_by("assignment_id", "reader__name")
    )
    reading: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        reading[row["assignment_id"]].append((row["reader__name"], row["sections"]))
    return dict(reading)


def resume_position(*, assignment: Assignment, viewed: set[int]) -> int | None:
    """Where to pick up reading: the first section not opened yet (None when all were)."""
    for section in reading_version(assignment=assignment).sections:
        if section["position"] not in viewed:
            return section["position"]
    return None


def latest_attempt(*, assignment: Assignment, version: ModuleVersion) -> CheckAttempt | None:
    """The patient's most recent check answers for this version."""
    return (
        CheckAttempt.objects.filter(assignment=assignment, version=version)
        .order_by("-submitted_at", "-id")
        .first()
    )


# --- Scoping for staff ------------------------------------------------------------------------


def assignment_list_for_user(*, user: User) -> QuerySet[Assignment]:
    """Assignments a user may see: a patient their own (not cancelled), a clinician their care
    team's (cancelled included, it is history), an admin everyone's."""
    if user.is_patient:
        return assignment_list_for_patient(patient=user)
    return staff_scope(
        Assignment.objects.select_related("patient", "module", "assigned_by"), user=user
    )


def staff_scope(assignments: QuerySet[Assignment], *, user: User) -> QuerySet[Assignment]:
    """Narrow a queryset of assignments to what a clinician or admin may see (their care
    team's, cancelled included; an admin everyone's; anyone else nothing)."""
    if user.is_portal_admin:
        return assignments
    if user.is_clinician:
        return clinician_scope(assignments, clinician_id=user.pk)
    return assignments.none()


def caregiver_scope(assignments: QuerySet[Assignment], *, caregiver: User) -> QuerySet[Assignment]:
    """Narrow assignments to what a caregiver may see: what each patient who gave them access
    (an active link, now) sees of their own reading: published content, never cancelled."""
    return assignments.filter(
        Module.published_q("module__"),
        patient_id__in=active_links_for_caregiver(caregiver=caregiver).values("patient_id"),
    ).exclude(status=Status.CANCELLED)


def assignment_get_for_caregiver(*, caregiver: User, assignment_id) -> Assignment:
    """One assignment of a patient who gave this caregiver access, as that patient sees it,
    or 404 (another patient's, an ended link's, a cancelled one: never say it exists)."""
    try:
        patient_id = (
            Assignment.objects.filter(pk=int(assignment_id))
            .values_list("patient_id", flat=True)
            .first()
        )
    except (ValueError, TypeError):
        raise Http404("No such assignment.") from None
    link = active_link_for_caregiver(caregiver=caregiver, patient_id=patient_id)
    if link is None:
        raise Http404("No such assignment.")
    return assignment_get_for_patient(patient=link.patient, assignment_id=assignment_id)


def clinician_scope(assignments: QuerySet[Assignment], *, clinician_id) -> QuerySet[Assignment]:
    """The assignments of a clinician's care team (staff_scope for a clinician)."""
    # The same patients as patient_list_for_user, as EXISTS on the care-team link plus the
    # patient's role: PostgreSQL answers this shape a little faster than `patient IN (...)`.
    return assignments.filter(
        Exists(
            CareTeamMembership.objects.filter(
                clinician_id=clinician_id, patient=OuterRef("patient_id")
            )
        ),
        User.patients_q("patient__"),
    )


def assignment_get_for_clinician(*, user: User, assignment_id) -> Assignment:
    """One assignment of a patient in the user's care team (any status), or 404."""
    if user.is_patient:
        raise Http404("No such assignment.")
    try:
        return (
            assignment_list_for_user(user=user)
            .select_related("module__current_version", "completed_version")
            .get(pk=int(assignment_id))
        )
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such assignment.") from None


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
            "assignments",
            filter=Q(assignments__status__in=OPEN, assignments__due_on__lt=today),
        ),
        "failed_check_count": Count(
            "assignments",
            filter=Q(assignments__check_failed=True) & ~Q(assignments__status=Status.CANCELLED),
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
        **_dashboard_counts(timezones=_timezones_of(patients)),
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
    need), and whether a question waits."""
    return (
        patients.only("id", "name", "email", "timezone")
        .annotate(has_open_questions=_has_open_questions())
        .order_by("name", "id")
    )


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
    200 or 2,000. Otherwise the whole care team is counted and sorted, as the order needs.
    """
    filters = set(filters)
    if sort in ("recent_activity", "least_activity", "overdue") or filters & {
        "overdue",
        "not_started",
    }:
        rows = patient_dashboard_rows(user=user, search=search, filters=filters, sort=sort)
        page = Paginator(rows, per_page).get_page(page_number)
        page.object_list = list(page.object_list)
        return page
    patients = _by_name(_dashboard_search(patient_list_for_user(user=user), search))
    if "open_questions" in filters:
        patients = patients.filter(has_open_questions=True)
    page = Paginator(patients, per_page).get_page(page_number)
    shown = list(page.object_list)
    counts = _counts_of(shown)
    for patient in shown:
        for name, value in zip(DASHBOARD_COUNTS, counts[patient.pk], strict=True):
            setattr(patient, name, value)
    page.object_list = shown
    return page


def _counts_of(patients: list[User]) -> dict[int, tuple]:
    """DASHBOARD_COUNTS of these patients, by id, in the order DASHBOARD_COUNTS names them."""
    if not patients:
        return {}
    return {
        row[0]: row[1:]
        for row in User.objects.filter(pk__in=[patient.pk for patient in patients])
        .annotate(**_dashboard_counts(timezones={patient.timezone for patient in patients}))
        .order_by()
        .values_list("pk", *DASHBOARD_COUNTS)
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
    open_question_count: int

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
        is_overdue=assignment.is_open
        and assignment.due_on is not None
        and assignment.due_on < today,
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
    open_question_count = Question.objects.filter(
        patient=patient, status=Question.Status.OPEN, withdrawn_at__isnull=True
    ).count()
    return PatientDetail(
        patient=patient,
        today=today,
        summaries=summaries,
        open_question_count=open_question_count,
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
    first_attempts: int = 0
    most_missed: list[MissedQuestion] = field(default_factory=list)

    @property
    def completion_percent(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0


MOST_MISSED_SHOWN = 3


def module_overview_for_clinician(*, user: User) -> list[ModuleOverviewRow]:
    """Per module, among the user's patients: assigned, in progress, completed, overdue, and the
    check questions most often missed.

    "Missed" counts each assignment's first attempt only: later tries come after the patient
    has seen the explanations, so first tries show where the content or the teaching fails.
    Cancelled assignments are left out. Five queries whatever the numbers.
    """
    patients = patient_list_for_user(user=user)
    today = local_today_expression(timezones=_timezones_of(patients), field="patient__timezone")
    mine = Assignment.objects.filter(patient__in=patients.values("pk")).exclude(
        status=Status.CANCELLED
    )
    counts = {
        row["module_id"]: row
        for row in mine.order_by()
        .values("module_id")
        .annotate(
            assigned=Count("pk"),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            overdue=Count("pk", filter=Q(status__in=OPEN, due_on__lt=today)),
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
    return list(rows.values())


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
