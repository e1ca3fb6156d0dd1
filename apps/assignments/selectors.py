"""Scoped reads of assignments, shared by the web views and the API.

Nothing here takes a request: callers pass the user. Every lookup of one assignment or one
patient goes through a `*_get_for_*` function that raises Http404 for anything outside the
caller's scope, so nobody learns that it exists. List pages run a constant number of queries
however many patients and assignments there are (see tests/assignments/test_query_counts.py).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User, zone_named
from apps.accounts.selectors import in_care_team
from apps.caregivers.selectors import active_link_for_caregiver, active_links_for_caregiver
from apps.library.models import Module, ModuleVersion
from apps.library.selectors import module_list_published

from .models import Assignment, CaregiverProgress, CheckAttempt, PatientTreatment, SectionProgress

Status = Assignment.Status
OPEN = Assignment.OPEN_STATUSES


# --- Modules a user may read ------------------------------------------------------------------


def module_list_for_user(*, user: User, language: str | None = None) -> QuerySet[Module]:
    """Published modules: every one for staff, only the ones assigned to them for a patient,
    and for a caregiver the ones assigned to the patients they read for now (active links)."""
    modules = module_list_published(language=language)
    if not user.is_authenticated or not user.is_active:
        return modules.none()
    if user.is_staff_role:
        return modules
    if user.is_patient:
        assigned = Assignment.objects.filter(module=OuterRef("pk"), patient=user)
    elif user.is_caregiver:
        assigned = Assignment.objects.filter(
            module=OuterRef("pk"),
            patient_id__in=active_links_for_caregiver(caregiver=user).values("patient_id"),
        )
    else:
        return modules.none()
    return modules.filter(Exists(assigned.exclude(status=Assignment.Status.CANCELLED)))


def module_get_for_user(*, user: User, slug: str) -> Module:
    """One readable module in the user's scope, or 404 (never say whether it exists)."""
    try:
        return module_list_for_user(user=user).get(slug=slug)
    except Module.DoesNotExist:
        raise Http404("No such module.") from None


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


def timezones_of(patients: QuerySet[User]) -> list[str]:
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
    # The same patients as patient_list_for_user (care team and role), as EXISTS.
    return assignments.filter(in_care_team(clinician_id=clinician_id), User.patients_q("patient__"))


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


# --- The wallet card --------------------------------------------------------------------------


def treatment_get_for_patient(*, patient: User) -> PatientTreatment:
    """The patient's treatment name as their clinician set it; an unsaved blank one, with no
    time, if it never was."""
    treatment = PatientTreatment.objects.filter(patient=patient).first()
    if treatment is None:
        return PatientTreatment(patient=patient, name="", updated_at=None)
    return treatment


@dataclass(frozen=True)
class WalletCard:
    """What the patient's wallet card says. The name only when the patient chose to show it."""

    patient_name: str
    treatment_name: str
    care_team_phone: str
    emergency_number: str


def wallet_card_for_patient(*, patient: User, with_name: bool) -> WalletCard:
    return WalletCard(
        patient_name=patient.name if with_name else "",
        treatment_name=treatment_get_for_patient(patient=patient).name,
        care_team_phone=settings.CARE_TEAM_PHONE,
        emergency_number=settings.EMERGENCY_NUMBER,
    )
