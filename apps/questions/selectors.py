"""Scoped reads of questions, shared by the web views and the API.

Who sees what:
- a patient: their own questions, withdrawn ones included (shown as withdrawn);
- a clinician: the questions of the patients in their care team;
- an admin: every question, withdrawn ones included.
Withdrawn questions never appear in a care team's lists, inbox or counts, but anyone in scope
who opens one by its link still sees it, marked as withdrawn.
"""

from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.http import Http404

from apps.accounts.models import User
from apps.accounts.selectors import in_care_team, patient_list_for_user
from apps.accounts.team_counts import scope_of, team_count
from apps.caregivers.selectors import active_links_for_caregiver
from apps.library.models import Module

from .models import Question, QuestionEvent, Reply

INBOX_ALL = "all"


def _questions_in_scope(*, user: User) -> QuerySet[Question]:
    questions = Question.objects.all()
    if user.is_portal_admin:
        return questions
    if user.is_clinician:
        return _team_questions(user.pk)
    if user.is_patient:
        return questions.filter(patient=user)
    if user.is_caregiver:
        # Only what they asked themselves, for a patient whose link is active now.
        return questions.filter(
            asked_by=user,
            patient_id__in=active_links_for_caregiver(caregiver=user).values("patient_id"),
        )
    return questions.none()


def question_list_for_user(*, user: User) -> QuerySet[Question]:
    """The questions a user may list: see the module docstring for who sees what."""
    questions = _questions_in_scope(user=user).select_related(
        "patient", "module", "version", "asked_by"
    )
    if user.is_clinician and not user.is_portal_admin:
        questions = questions.filter(withdrawn_at__isnull=True)
    return questions


def question_get_for_user(*, user: User, question_id) -> Question:
    """One question in the user's scope, or 404 (never reveal that it exists)."""
    try:
        return (
            _questions_in_scope(user=user)
            .select_related("patient", "module", "version", "assignment", "asked_by")
            .get(pk=int(question_id))
        )
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404("No such question.") from None


def question_replies(*, question: Question) -> QuerySet[Reply]:
    """The thread under a question, oldest first. Call only with a question already scoped."""
    return question.replies.select_related("author").order_by("created_at", "id")


def question_events(*, question: Question) -> QuerySet[QuestionEvent]:
    """Who changed the question and when. Call only with a question already scoped."""
    return question.events.select_related("actor").order_by("at", "id")


def question_inbox_for_clinician(
    *,
    user: User,
    status: str | None = Question.Status.OPEN,
    patient_id: int | None = None,
    module_id: int | None = None,
) -> QuerySet[Question]:
    """Rows for the care team's inbox: the longest-waiting question first.

    Questions waiting for an answer come first, ordered by how long the patient has waited;
    answered and closed ones follow, most recent activity first. `status` is one of
    Question.Status or INBOX_ALL. One query however many rows: patient, module and version
    come joined, and the number of replies is counted in the same statement.
    """
    rows = question_list_for_user(user=user).filter(withdrawn_at__isnull=True)
    if status != INBOX_ALL:
        rows = rows.filter(status=status or Question.Status.OPEN)
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    if module_id is not None:
        rows = rows.filter(module_id=module_id)
    waiting_first = Case(
        When(status=Question.Status.OPEN, then=Value(0)),
        When(status=Question.Status.ANSWERED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return rows.annotate(reply_count=Count("replies")).order_by(
        waiting_first,
        F("waiting_since").asc(nulls_last=True),
        F("last_activity_at").desc(),
        "id",
    )


def inbox_patient_choices(*, user: User) -> list[tuple[int, str]]:
    """The patients a clinician may filter the inbox by: their care team."""
    return list(patient_list_for_user(user=user).order_by("name", "id").values_list("id", "name"))


def inbox_module_choices(*, user: User) -> list[tuple[int, str]]:
    """Modules that the user's patients have asked about, for the inbox filter."""
    asked_about = question_list_for_user(user=user).filter(module__isnull=False)
    return list(
        Module.objects.filter(pk__in=asked_about.values("module_id"))
        .order_by("title", "id")
        .values_list("id", "title")
    )


def _team_questions(clinician_id) -> QuerySet[Question]:
    return Question.objects.filter(in_care_team(clinician_id=clinician_id))


def _waiting(questions: QuerySet[Question]) -> QuerySet[Question]:
    return questions.filter(status=Question.Status.OPEN, withdrawn_at__isnull=True)


def open_question_count_for_clinician(*, user: User) -> int:
    """How many questions wait for an answer from this clinician's care team (the nav badge).

    Read on every page a clinician opens, and counting takes longer the larger the team, so
    the number is cached until a question or the team changes (apps.accounts.team_counts)."""
    return team_count(
        kind="open_questions",
        scope=scope_of(user),
        count=lambda: _waiting(_questions_in_scope(user=user)).count(),
    )


def question_list_answered_for_patient(*, patient: User) -> QuerySet[Question]:
    """A patient's questions that have a reply waiting for them to read, newest first.

    For "My reading" to point the patient at their answers.
    """
    # Only what the banner shows (which module, when): not the version read, whose snapshot
    # is the whole text of the module.
    return (
        Question.objects.filter(
            patient=patient, status=Question.Status.ANSWERED, withdrawn_at__isnull=True
        )
        .select_related("module")
        .only("id", "patient_id", "last_activity_at", "module__id", "module__title")
        .order_by("-last_activity_at", "-id")
    )


def answered_banner_for_patient(*, patient: User) -> list[Question]:
    """The ten newest of question_list_answered_for_patient, for the banner on "My reading"."""
    return list(question_list_answered_for_patient(patient=patient)[:10])
