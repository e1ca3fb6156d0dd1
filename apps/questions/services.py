"""Writes for questions: ask, reply, close, withdraw.

Shared by the web views and the API, so every rule about questions lives here. Nothing is
ever deleted: each change adds a QuestionEvent saying who did what and when. The functions
take people and rows, never a request; callers scope the question first with
selectors.question_get_for_user (404 outside the caller's scope) and write the audit trail
themselves (audit_log needs the request's channel and address).

Errors: ValidationError (a message per field, or a general one) for input a person can fix;
PermissionDenied for someone whose role may not do the action.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import CareTeamMembership, User
from apps.accounts.team_counts import forget_for_patients
from apps.assignments.models import Assignment
from apps.caregivers.selectors import active_link_for_caregiver

from .models import IDEMPOTENCY_KEY_MAX_LENGTH, QUESTION_MAX_LENGTH, Question, QuestionEvent, Reply
from .signals import question_asked, reply_posted

WITHDRAW_REFUSED_MESSAGE = gettext_lazy(
    "This question has an answer or is closed, so it cannot be withdrawn. "
    "You can still read it and reply."
)
# Quoted by the API schema's example of a 400 (apps.api.schema.validation_error_example).
WITHDRAWN_NO_REPLIES_MESSAGE = gettext_lazy(
    "This question was withdrawn, so it cannot get new replies. You can ask a new one."
)


def normalise_text(text: str | None) -> str:
    """The text as it will be stored and counted.

    Browsers send a textarea's line breaks as CRLF but count them as one character; storing
    LF keeps the server's count equal to the counter the person saw while typing.
    """
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean_body(body: str | None, *, is_reply: bool) -> str:
    text = normalise_text(body)
    if not text:
        raise ValidationError(
            _("Type your reply before sending it.")
            if is_reply
            else _("Type your question before sending it.")
        )
    if len(text) > QUESTION_MAX_LENGTH:
        values = {
            "length": number_format(len(text), force_grouping=True),
            "max": number_format(QUESTION_MAX_LENGTH, force_grouping=True),
        }
        if is_reply:
            message = _(
                "Your reply is %(length)s characters long. Please shorten it to %(max)s "
                "characters or fewer, or send it as two replies."
            )
        else:
            message = _(
                "Your question is %(length)s characters long. Please shorten it to %(max)s "
                "characters or fewer, or send the rest as a reply once it is sent."
            )
        raise ValidationError(message % values)
    if "\x00" in text:
        # PostgreSQL cannot store NUL; it usually arrives by pasting from another program.
        raise ValidationError(
            _("Your text contains a hidden character that cannot be saved. Please retype it.")
        )
    return text


_IDEMPOTENCY_KEY = re.compile(rf"[A-Za-z0-9_.:-]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}")
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


def clean_idempotency_key(key: str | None) -> str | None:
    """The key naming one submission, or None when the sender gave none (no protection)."""
    if key is None or key == "":
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError(
            {
                "idempotency_key": _(
                    "An idempotency key is 1 to %(max)d letters, digits, or the characters "
                    "- _ . : (a UUID will do)."
                )
                % {"max": IDEMPOTENCY_KEY_MAX_LENGTH}
            }
        )
    return key


def _already_sent(earlier: Question | Reply, *, text: str) -> Question | Reply:
    """The row a repeated submission saved before. The same key with other text is a mistake
    the sender must hear about: quietly dropping the new text would lose it."""
    if earlier.body != text:
        raise ValidationError(
            _(
                "This was already sent once with different text, so it was not sent again. "
                "Your text is kept below: send it now to send it as a new message."
            ),
            code=IDEMPOTENCY_KEY_REUSED,
        )
    return earlier


def _create_once(model, *, key: str | None, owner: dict, text: str, **fields):
    """Insert the row, or return the one this submission already saved.

    Two copies of one submission may arrive together (a double click): the unique constraint
    on (owner, key) lets only one insert win; the other waits for it to commit, fails, and
    returns the winner's row. Returns (row, created).
    """
    if key is not None:
        earlier = model.objects.filter(idempotency_key=key, **owner).first()
        if earlier is not None:
            return _already_sent(earlier, text=text), False
    try:
        with transaction.atomic():
            return model.objects.create(idempotency_key=key, body=text, **owner, **fields), True
    except IntegrityError:
        # The winner of a race has committed by now; anything else was another constraint.
        earlier = model.objects.filter(idempotency_key=key, **owner).first() if key else None
        if earlier is None:
            raise
        return _already_sent(earlier, text=text), False


def _is_care_team_clinician(*, user: User, patient_id: int) -> bool:
    return (
        user.is_clinician
        and CareTeamMembership.objects.filter(clinician=user, patient_id=patient_id).exists()
    )


def _check_may_take_part(*, question: Question, user: User) -> bool:
    """Return True for the patient who asked, False for one of their clinicians; else 403.

    Admins can read every question but do not answer them: replies come from the people
    caring for the patient.
    """
    if user.pk == question.patient_id:
        return True
    if _is_care_team_clinician(user=user, patient_id=question.patient_id):
        return False
    raise PermissionDenied(_("Only the patient and the clinicians in their care team can do this."))


def user_may_take_part(*, question: Question, user: User) -> bool:
    """Whether the user may reply to and close this question: decides which forms to show."""
    try:
        _check_may_take_part(question=question, user=user)
    except PermissionDenied:
        return False
    return True


def on_question_changed(sender, instance: Question, **kwargs) -> None:
    """Asked, answered, closed, withdrawn or removed: the care team's number of waiting
    questions (the menu badge) is counted again."""
    forget_for_patients(patient_ids=[instance.patient_id], kinds=("open_questions",))


def _lock(question: Question) -> None:
    """Lock the row and bring the caller's copy up to date, keeping its related objects.

    Two clinicians replying at the same moment then change the status one after the other.
    """
    locked = Question.objects.select_for_update().get(pk=question.pk)
    for field in ("status", "waiting_since", "withdrawn_at", "last_activity_at"):
        setattr(question, field, getattr(locked, field))


def _record(*, question: Question, actor: User, action: str, at) -> QuestionEvent:
    return QuestionEvent.objects.create(question=question, actor=actor, action=action, at=at)


def _resolve_subject(
    *, patient: User, assignment: Assignment | int | None, section_position
) -> tuple[Assignment | None, int | None, str, dict]:
    """Check what the question is about; return (assignment, position, section title, errors)."""
    errors: dict[str, str] = {}
    if assignment is None or assignment == "":
        if section_position not in (None, ""):
            errors["section_position"] = _(
                "Choose the reading module first, then the part of it your question is about."
            )
        return None, None, "", errors

    if not isinstance(assignment, Assignment):
        try:
            assignment_id = int(assignment)
        except (TypeError, ValueError):
            assignment_id = None
        assignment = (
            Assignment.objects.select_related("module__current_version")
            .filter(pk=assignment_id, patient=patient)
            .first()
            if assignment_id is not None
            else None
        )
    not_found = _(
        "We could not find that reading in your list. Choose one of your reading modules, "
        "or ask a general question."
    )
    # Someone else's assignment gets the same answer as a missing one: never reveal it exists.
    if assignment is None or assignment.patient_id != patient.pk:
        errors["assignment"] = not_found
        return None, None, "", errors
    if assignment.status == Assignment.Status.CANCELLED:
        errors["assignment"] = _(
            "Your care team has cancelled this reading, so questions about it cannot be "
            "sent from here. You can ask a general question instead."
        )
        return None, None, "", errors

    if section_position in (None, ""):
        return assignment, None, "", errors
    try:
        position = int(section_position)
    except (TypeError, ValueError):
        position = None
    version = assignment.module.current_version
    sections = version.sections if version is not None else []
    title = next(
        (
            s.get("title", "")
            for s in sections
            if position is not None and s.get("position") == position
        ),
        None,
    )
    if title is None:
        errors["section_position"] = _(
            "That part is not in this reading module. Choose a part from the list, or "
            "leave it as a question about the whole module."
        )
        return assignment, None, "", errors
    return assignment, position, title, errors


@transaction.atomic
def question_ask(
    *,
    patient: User,
    body: str,
    assignment: Assignment | int | None = None,
    section_position: int | None = None,
    idempotency_key: str | None = None,
    asked_by: User | None = None,
) -> Question:
    """A patient asks their care team, maybe about a module they were given and a part of it.

    `asked_by` is a caregiver asking for the patient; their active link must allow it.

    The question keeps the module's version and the section's title as they were when it was
    asked, so it still makes sense after the module is revised. A repeated submission (the
    same idempotency_key) returns the question it saved the first time and tells nobody again.
    """
    if not patient.is_patient:
        raise PermissionDenied(_("Only patients can ask questions here."))
    if asked_by is not None:
        link = active_link_for_caregiver(caregiver=asked_by, patient_id=patient.pk)
        if link is None or not link.can_ask_questions:
            raise PermissionDenied(
                _("%(name)s has not asked you to send questions for them.") % {"name": patient.name}
            )
    key = clean_idempotency_key(idempotency_key)
    assignment, position, section_title, errors = _resolve_subject(
        patient=patient, assignment=assignment, section_position=section_position
    )
    try:
        text = _clean_body(body, is_reply=False)
    except ValidationError as error:
        errors["body"] = error.messages[0]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    module = assignment.module if assignment is not None else None
    question, created = _create_once(
        Question,
        key=key,
        owner={"patient": patient},
        text=text,
        assignment=assignment,
        module=module,
        version=module.current_version if module is not None else None,
        section_position=position,
        section_title=section_title,
        status=Question.Status.OPEN,
        created_at=now,
        last_activity_at=now,
        waiting_since=now,
        asked_by=asked_by,
    )
    if not created:
        return question
    _record(question=question, actor=asked_by or patient, action=QuestionEvent.Action.ASKED, at=now)
    question_id = question.pk
    transaction.on_commit(
        lambda: question_asked.send_robust(sender=Question, question_id=question_id)
    )
    return question


@transaction.atomic
def reply_post(
    *, question: Question, author: User, body: str, idempotency_key: str | None = None
) -> Reply:
    """Add to the thread. A clinician's reply answers the question; the patient's reopens it.

    A patient adding to a question still waiting for an answer keeps its place in the inbox.
    A repeated submission (the same idempotency_key) returns the reply it saved the first time.
    """
    key = clean_idempotency_key(idempotency_key)
    _lock(question)
    by_patient = _check_may_take_part(question=question, user=author)
    if question.withdrawn_at is not None:
        raise ValidationError(str(WITHDRAWN_NO_REPLIES_MESSAGE))
    try:
        text = _clean_body(body, is_reply=True)
    except ValidationError as error:
        raise ValidationError({"body": error.messages[0]}) from None

    now = timezone.now()
    reply, created = _create_once(
        Reply,
        key=key,
        owner={"author": author},
        text=text,
        question=question,
        created_at=now,
    )
    if not created:
        if reply.question_id != question.pk:
            raise ValidationError(
                _("This was already sent, to another question, so it was not sent again."),
                code=IDEMPOTENCY_KEY_REUSED,
            )
        return reply
    _record(question=question, actor=author, action=QuestionEvent.Action.REPLIED, at=now)
    previous = question.status
    if by_patient:
        question.status = Question.Status.OPEN
        if previous != Question.Status.OPEN or question.waiting_since is None:
            question.waiting_since = now
        reopened = previous != Question.Status.OPEN
    else:
        question.status = Question.Status.ANSWERED
        question.waiting_since = None
        reopened = previous == Question.Status.CLOSED
    if reopened:
        _record(question=question, actor=author, action=QuestionEvent.Action.REOPENED, at=now)
    question.last_activity_at = now
    question.save(update_fields=["status", "waiting_since", "last_activity_at"])
    reply.question = question

    reply_id, question_id = reply.pk, question.pk
    transaction.on_commit(
        lambda: reply_posted.send_robust(sender=Reply, reply_id=reply_id, question_id=question_id)
    )
    return reply


@transaction.atomic
def question_close(*, question: Question, by: User) -> Question:
    """Either side closes the thread. Closing twice changes nothing and records nothing."""
    _lock(question)
    _check_may_take_part(question=question, user=by)
    if question.status == Question.Status.CLOSED:
        return question
    now = timezone.now()
    question.status = Question.Status.CLOSED
    question.waiting_since = None
    question.last_activity_at = now
    question.save(update_fields=["status", "waiting_since", "last_activity_at"])
    _record(question=question, actor=by, action=QuestionEvent.Action.CLOSED, at=now)
    return question


def question_may_withdraw(*, question: Question, has_team_reply: bool) -> bool:
    """A patient may take back a question only while it waits for its first answer: once the
    care team has replied (or it is closed), withdrawing would hide an answer, not a request."""
    return (
        question.withdrawn_at is None
        and question.status == Question.Status.OPEN
        and not has_team_reply
    )


@transaction.atomic
def question_withdraw(*, question: Question, by: User) -> Question:
    """The patient takes their question back: gone from the care team's inbox, kept on record.

    It is also closed, so nothing that counts open questions (the inbox badge, the daily
    digest) counts it as waiting. Withdrawing twice changes nothing; a question that has an
    answer or is closed cannot be withdrawn (question_may_withdraw).
    """
    _lock(question)
    if by.pk != question.patient_id:
        raise PermissionDenied(_("Only the patient who asked a question can withdraw it."))
    if question.withdrawn_at is not None:
        return question
    has_team_reply = question.replies.exclude(author_id=question.patient_id).exists()
    if not question_may_withdraw(question=question, has_team_reply=has_team_reply):
        raise ValidationError(str(WITHDRAW_REFUSED_MESSAGE))
    now = timezone.now()
    question.withdrawn_at = now
    question.status = Question.Status.CLOSED
    question.waiting_since = None
    question.last_activity_at = now
    question.save(update_fields=["withdrawn_at", "status", "waiting_since", "last_activity_at"])
    _record(question=question, actor=by, action=QuestionEvent.Action.WITHDRAWN, at=now)
    return question
