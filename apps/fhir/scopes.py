"""What each person may see through FHIR: the portal's own scoping selectors, one per resource.

Patients see themselves and what is about them; clinicians their care team; admins everyone
(docs/fhir.md). Anything outside is 404, as in the API.
"""

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404

from apps.accounts.models import CareTeamMembership, User
from apps.accounts.selectors import patient_list_for_user
from apps.assignments import selectors as assignment_selectors
from apps.assignments.models import Assignment, CheckAttempt
from apps.library.models import ModuleVersion
from apps.questions import selectors as question_selectors
from apps.questions.models import Question, Reply

STAFF_ROLES = (User.Role.CLINICIAN, User.Role.ADMIN)

# Task.meta.lastUpdated (resources.task_last_updated) as SQL, for _lastUpdated searches.
LAST_UPDATED = Greatest(
    "assigned_at",
    Coalesce("last_activity_at", "assigned_at"),
    Coalesce("completed_at", "assigned_at"),
    Coalesce("cancelled_at", "assigned_at"),
    output_field=DateTimeField(),
)


def patients(*, user: User) -> QuerySet[User]:
    if user.is_patient:
        return User.objects.filter(pk=user.pk)
    return patient_list_for_user(user=user)


def practitioners(*, user: User) -> QuerySet[User]:
    """Staff see every clinician and admin (a directory, no health information). A patient
    sees their care team and the staff who assigned them reading or replied to them."""
    staff = User.objects.filter(role__in=STAFF_ROLES)
    if user.is_staff_role:
        return staff
    if not user.is_patient:
        return staff.none()
    return staff.filter(
        Exists(CareTeamMembership.objects.filter(clinician=OuterRef("pk"), patient=user))
        | Exists(Assignment.objects.filter(assigned_by=OuterRef("pk"), patient=user))
        | Exists(Reply.objects.filter(author=OuterRef("pk"), question__patient=user))
    )


def tasks(*, user: User) -> QuerySet[Assignment]:
    """A patient's own reading (published, never cancelled), a care team's assignments for
    staff (cancelled ones included), newest first; `sections_viewed` and `last_updated`
    annotated."""
    if user.is_patient:
        base = assignment_selectors.own_assignments_base(for_reading=False).filter(patient=user)
    else:
        base = assignment_selectors.staff_scope(Assignment.objects.all(), user=user).annotate(
            sections_viewed=assignment_selectors.sections_viewed()
        )
    return (
        base.select_related("module")
        .annotate(last_updated=LAST_UPDATED)
        .order_by("-assigned_at", "-id")
    )


def versions(*, user: User) -> QuerySet[ModuleVersion]:
    """Published versions: all of them for staff; for a patient, every version of a module
    they were given to read, or of its translations."""
    all_versions = ModuleVersion.objects.select_related("module")
    if user.is_staff_role:
        return all_versions
    if not user.is_patient:
        return all_versions.none()
    given = Assignment.objects.filter(patient=user).exclude(status=Assignment.Status.CANCELLED)
    return all_versions.filter(
        Q(module__in=given.values("module_id"))
        | Q(module__translation_of__in=given.values("module_id"))
    )


def attempts(*, user: User) -> QuerySet[CheckAttempt]:
    return CheckAttempt.objects.filter(assignment__in=tasks(user=user).values("pk")).select_related(
        "version", "assignment"
    )


def questions_listed(*, user: User) -> QuerySet[Question]:
    return question_selectors.question_list_for_user(user=user)


def question(*, user: User, question_id) -> Question:
    return question_selectors.question_get_for_user(user=user, question_id=question_id)


def replies(*, user: User) -> QuerySet[Reply]:
    return Reply.objects.filter(
        question__in=questions_listed(user=user).values("pk")
    ).select_related("question", "author")


def reply(*, user: User, reply_id) -> Reply:
    """One reply under a question the user may open (withdrawn ones included), or 404."""
    found = (
        Reply.objects.filter(pk=reply_id).select_related("question", "author").first()
        if isinstance(reply_id, int)
        else None
    )
    if found is None:
        raise Http404("No such reply.")
    question(user=user, question_id=found.question_id)  # 404 outside the user's scope
    return found
