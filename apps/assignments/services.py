"""Writes for assignments: assigning, reading progress, the comprehension check, completion.

Used by the web views and the API alike, so the rules live here once:
- status only moves forward (assigned → in progress → completed); cancelling is the one other
  exit, and only from an open assignment;
- a patient has at most one open assignment per module (a partial unique constraint);
- reading progress is one row per section, inserted with ON CONFLICT DO NOTHING, so two tabs
  opening the same section at once make one row and no error;
- completion needs every section of the current version opened; wrong check answers never
  block it.

Functions that change a patient's information on behalf of someone else write the audit trail
themselves. They take the request only to pass it to the audit trail (for the IP address) and
a `channel` ("web" or "api").
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.selectors import patient_list_for_user
from apps.accounts.team_counts import forget_for_patients
from apps.audit.services import audit_log, audit_log_many
from apps.library.models import Module, ModuleVersion

from .grading import MarkedAnswer, mark_answers, score
from .models import Assignment, CaregiverProgress, CheckAttempt, PatientTreatment, SectionProgress
from .selectors import module_list_assignable, patient_today, reading_version

# Messages that the API schema's examples quote (apps.api.schema.validation_error_example).
DUE_ON_IN_THE_PAST_MESSAGE = gettext_lazy(
    "The date to read by can't be in the past. Choose today or a later date."
)
ALREADY_OPEN_MESSAGE = gettext_lazy(
    "This patient already has this reading open. It was not assigned again."
)

Status = Assignment.Status
OPEN = Assignment.OPEN_STATUSES
NOTE_MAX_LENGTH = Assignment._meta.get_field("note").max_length
TREATMENT_NAME_MAX_LENGTH = PatientTreatment._meta.get_field("name").max_length

# The only moves a status may make. Everything else is refused.
_ALLOWED_MOVES = {
    Status.ASSIGNED: {Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.COMPLETED, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}


def status_can_move(*, current: str, new: str) -> bool:
    return new in _ALLOWED_MOVES.get(current, set())


def _refuse_move(*, current: str, new: str) -> None:
    if status_can_move(current=current, new=new):
        return
    if current == Status.CANCELLED:
        message = _("This reading was cancelled, so it can no longer be changed.")
    elif current == Status.COMPLETED:
        message = _("This reading is already finished. It stays in the record as it is.")
    else:
        message = _("This change is not possible for this reading.")
    raise ValidationError(message, code="invalid_status")


def _audit_many(
    *,
    actor: User,
    action: str,
    assignments: Sequence[Assignment],
    request=None,
    channel: str = "web",
) -> None:
    """One audit row per assignment, in one INSERT (a bulk assign must not cost N queries)."""
    audit_log_many(
        actor=actor,
        action=action,
        entries=[(assignment.patient_id, assignment) for assignment in assignments],
        request=request,
        channel=channel,
    )


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("The note can be at most %(limit)d characters. It has %(length)d.")
                % {"limit": NOTE_MAX_LENGTH, "length": len(note)}
            }
        )
    return note


def _check_due_on(*, due_on: date | None, patients: Iterable[User]) -> None:
    """A due date may be today or later, where each patient lives."""
    if due_on is None:
        return
    if any(due_on < patient_today(patient=patient) for patient in patients):
        raise ValidationError({"due_on": str(DUE_ON_IN_THE_PAST_MESSAGE)})


# --- Assigning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkAssignResult:
    """What a bulk assign did: new assignments, and the open ones that were already there."""

    created: list[Assignment]
    skipped: list[Assignment]


@transaction.atomic
def assignment_create_bulk(
    *,
    assigned_by: User,
    patient_ids: Iterable[int],
    module_ids: Iterable[int],
    due_on: date | None = None,
    note: str = "",
    for_caregiver: bool = False,
    request=None,
    channel: str = "web",
) -> BulkAssignResult:
    """Assign every module to every patient in one step.

    `for_caregiver`: for the patients' caregivers too, so the modules' caregiver notes show to
    the patient as well. Allowed for a patient with no caregiver yet (they may add one later).

    A pair the patient already has open is not duplicated: the insert skips it on the partial
    unique constraint (so a clinician assigning at the same moment can't cause a duplicate or
    an error either) and it is reported in `skipped`. The same few queries however many
    patients (on PostgreSQL; SQLite splits long inserts into batches).
    """
    patient_ids = list(dict.fromkeys(int(pk) for pk in patient_ids))
    module_ids = list(dict.fromkeys(int(pk) for pk in module_ids))
    errors = {}
    if not patient_ids:
        errors["patients"] = _("Choose at least one patient.")
    if not module_ids:
        errors["modules"] = _("Choose at least one reading.")
    if errors:
        raise ValidationError(errors)
    note = _clean_note(note)

    patients = list(patient_list_for_user(user=assigned_by).filter(pk__in=patient_ids))
    if len(patients) != len(patient_ids):
        raise ValidationError({"patients": _("Choose patients from your care team.")})
    modules = list(module_list_assignable().filter(pk__in=module_ids).only("pk", "title"))
    if len(modules) != len(module_ids):
        raise ValidationError(
            {"modules": _("Choose published readings. One of them is no longer available.")}
        )
    _check_due_on(due_on=due_on, patients=patients)

    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(
                patient=patient,
                module=module,
                assigned_by=assigned_by,
                assigned_at=now,
                due_on=due_on,
                note=note,
                for_caregiver=bool(for_caregiver),
            )
            for patient in patients
            for module in modules
        ],
        ignore_conflicts=True,
    )
    forget_for_patients(patient_ids=patient_ids, kinds=("assignments",))
    # With ignore_conflicts the database does not say which rows went in, so read back the
    # open assignments of these pairs: ours carry this call's assigned_by and timestamp.
    open_now = list(
        Assignment.objects.filter(
            patient_id__in=patient_ids, module_id__in=module_ids, status__in=OPEN
        )
        .select_related("patient", "module")
        .order_by("patient__name", "patient_id", "module__title", "module_id")
    )
    created = [a for a in open_now if a.assigned_by_id == assigned_by.pk and a.assigned_at == now]
    created_ids = {a.pk for a in created}
    skipped = [a for a in open_now if a.pk not in created_ids]
    _audit_many(
        actor=assigned_by,
        action="assignment.create",
        assignments=created,
        request=request,
        channel=channel,
    )
    return BulkAssignResult(created=created, skipped=skipped)


def on_assignment_saved(sender, instance: Assignment, created: bool, **kwargs) -> None:
    """A new assignment is one more in its patient's care teams' lists (bulk_create, which
    sends no signal, does the same in assignment_create_bulk)."""
    if created:
        forget_for_patients(patient_ids=[instance.patient_id], kinds=("assignments",))


def assignment_create(
    *,
    assigned_by: User,
    patient_id: int,
    module_id: int,
    due_on: date | None = None,
    note: str = "",
    for_caregiver: bool = False,
    request=None,
    channel: str = "web",
) -> Assignment:
    """Assign one module to one patient; refuses (400-style) if it is already open."""
    result = assignment_create_bulk(
        assigned_by=assigned_by,
        patient_ids=[patient_id],
        module_ids=[module_id],
        due_on=due_on,
        note=note,
        for_caregiver=for_caregiver,
        request=request,
        channel=channel,
    )
    if not result.created:
        raise ValidationError(
            {"module": str(ALREADY_OPEN_MESSAGE)},
            code="already_open",
        )
    return result.created[0]


_UNCHANGED = object()


@transaction.atomic
def assignment_update(
    *,
    assignment: Assignment,
    updated_by: User,
    due_on=_UNCHANGED,
    note=_UNCHANGED,
    for_caregiver=_UNCHANGED,
    request=None,
    channel: str = "web",
) -> Assignment:
    """Change the due date, the note or "for the caregiver too" of an open assignment."""
    locked = Assignment.objects.select_for_update().select_related("patient").get(pk=assignment.pk)
    if not locked.is_open:
        _refuse_move(current=locked.status, new=Status.IN_PROGRESS)
    fields = []
    if due_on is not _UNCHANGED:
        _check_due_on(due_on=due_on, patients=[locked.patient])
        locked.due_on = due_on
        fields.append("due_on")
    if note is not _UNCHANGED:
        locked.note = _clean_note(note)
        fields.append("note")
    if for_caregiver is not _UNCHANGED:
        locked.for_caregiver = bool(for_caregiver)
        fields.append("for_caregiver")
    if fields:
        locked.save(update_fields=fields)
        audit_log(
            actor=updated_by,
            action="assignment.update",
            patient=locked.patient,
            obj=locked,
            request=request,
            channel=channel,
        )
    return locked


@transaction.atomic
def assignment_cancel(
    *, assignment: Assignment, cancelled_by: User, request=None, channel: str = "web"
) -> Assignment:
    """Cancel an open assignment. The row stays (history); the patient no longer sees it."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _refuse_move(current=locked.status, new=Status.CANCELLED)
    locked.status = Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = cancelled_by
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    audit_log(
        actor=cancelled_by,
        action="assignment.cancel",
        patient=locked.patient_id,
        obj=locked,
        request=request,
        channel=channel,
    )
    return locked


@transaction.atomic
def assignment_request_reread(
    *,
    assignment: Assignment,
    requested_by: User,
    due_on: date | None = None,
    note: str = "",
    request=None,
    channel: str = "web",
) -> Assignment:
    """Ask a patient to read again a module that was re-published with changes after they
    finished it.

    This opens a new assignment of the module, rather than reopening the finished one: the
    finished assignment keeps its completion, the version read and its check answers as a
    true record, status never moves backwards, and the new one gets its own progress, check
    and reminders. The finished assignment is stamped with `reread_requested_at` so the
    clinician's page shows that the ask was made.
    """
    locked = Assignment.objects.select_for_update().select_related("patient").get(pk=assignment.pk)
    if locked.status != Status.COMPLETED:
        raise ValidationError(
            _("Only a finished reading can be read again. This one is still open or cancelled."),
            code="invalid_status",
        )
    module = Module.objects.select_related("current_version").get(pk=locked.module_id)
    if module.status == Module.Status.RETIRED or module.current_version is None:
        raise ValidationError(
            _("This reading is no longer published, so it can't be assigned again."),
            code="retired",
        )
    # Compare with the module that was read, which may be a translation of the assigned one.
    completed = (
        ModuleVersion.objects.select_related("module__current_version")
        .defer("snapshot", "module__current_version__snapshot")
        .get(pk=locked.completed_version_id)
        if locked.completed_version_id
        else None
    )
    current = completed.module.current_version if completed is not None else None
    if current is not None and (
        current.pk == completed.pk or current.content_hash == completed.content_hash
    ):
        raise ValidationError(
            _("This reading has not changed since the patient finished it."), code="unchanged"
        )
    _check_due_on(due_on=due_on, patients=[locked.patient])
    try:
        with transaction.atomic():
            new = Assignment.objects.create(
                patient=locked.patient,
                module=module,
                assigned_by=requested_by,
                due_on=due_on,
                note=_clean_note(note),
                # Read again by whoever it was for.
                for_caregiver=locked.for_caregiver,
            )
    except IntegrityError:
        raise ValidationError(
            _("This patient already has this reading open."), code="already_open"
        ) from None
    locked.reread_requested_at = new.assigned_at
    locked.save(update_fields=["reread_requested_at"])
    audit_log(
        actor=requested_by,
        action="assignment.reread_request",
        patient=locked.patient,
        obj=new,
        request=request,
        channel=channel,
    )
    return new


# --- Reading ----------------------------------------------------------------------------------


def _current_version(assignment: Assignment) -> ModuleVersion:
    """The version the patient reads now: of the assigned module, or of its translation in
    the patient's language (selectors.reading_module)."""
    version = reading_version(assignment=assignment)
    if version is None:
        raise ValidationError(_("This reading is not available right now."), code="unpublished")
    return version


# Last activity is kept to the minute: a patient paging back and forth through sections does
# not rewrite the assignment row on every page (each first view of a section is still kept,
# to the microsecond, in SectionProgress).
ACTIVITY_RESOLUTION = timedelta(minutes=1)


def _touch(assignment: Assignment, now: datetime, *, always: bool = True) -> None:
    """Note activity on an open assignment and move it from new to in progress.

    One conditional UPDATE computed by the database, so two requests at once can't overwrite
    each other's change or move the status backwards. With always=False the UPDATE is left
    out when it would change nothing but a last activity less than ACTIVITY_RESOLUTION old.
    """
    if (
        not always
        and assignment.status == Status.IN_PROGRESS
        and assignment.started_at is not None
        and assignment.last_activity_at is not None
        and timedelta(0) <= now - assignment.last_activity_at < ACTIVITY_RESOLUTION
    ):
        return
    Assignment.objects.filter(pk=assignment.pk, status__in=OPEN).update(
        status=Case(
            When(status=Status.ASSIGNED, then=Value(Status.IN_PROGRESS)), default=F("status")
        ),
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
        last_activity_at=now,
    )
    if assignment.status == Status.ASSIGNED:
        assignment.status = Status.IN_PROGRESS
    if assignment.started_at is None:
        assignment.started_at = now
    assignment.last_activity_at = now


def _known_positions(version: ModuleVersion, positions: Iterable[int]) -> list[int]:
    """The positions once each, in order; a position the version lacks is a 400 on `section`."""
    known = {section["position"] for section in version.sections}
    positions = list(dict.fromkeys(positions))
    unknown = [position for position in positions if position not in known]
    if unknown:
        raise ValidationError(
            {
                "section": _("There is no section %(position)s in this reading.")
                % {"position": unknown[0]}
            }
        )
    return positions


def _record_positions(
    assignment: Assignment, positions: Iterable[int], *, viewed: set[int] | None = None
) -> None:
    version = _current_version(assignment)
    positions = _known_positions(version, positions)
    if not assignment.is_open:
        # A finished reading is a record; opening it again changes nothing.
        return
    now = timezone.now()
    # Rows are never removed, so a position the caller saw recorded needs no INSERT. The rest
    # go in with ON CONFLICT DO NOTHING on the (assignment, position) constraint: the first
    # view wins and a second tab neither fails nor adds a row.
    new = [position for position in positions if viewed is None or position not in viewed]
    if new:
        SectionProgress.objects.bulk_create(
            [
                SectionProgress(
                    assignment=assignment, position=position, version=version, first_viewed_at=now
                )
                for position in new
            ],
            ignore_conflicts=True,
        )
    _touch(assignment, now, always=False)
    if viewed is not None:
        viewed.update(positions)


@transaction.atomic
def progress_record(
    *, assignment: Assignment, position: int, viewed: set[int] | None = None
) -> Assignment:
    """Record that the patient opened one section (its first view time). Idempotent.

    `viewed`, when given, is the set of positions already recorded (progress_positions): a
    section opened before is then not written again, and the set is brought up to date.
    """
    _record_positions(assignment, [position], viewed=viewed)
    return assignment


@transaction.atomic
def progress_record_all(*, assignment: Assignment) -> Assignment:
    """Record every section as opened: the patient chose to read the module as one page."""
    version = _current_version(assignment)
    _record_positions(assignment, [section["position"] for section in version.sections])
    return assignment


def caregiver_progress_record(
    *, assignment: Assignment, reader: User, positions: Iterable[int], viewed: set[int]
) -> None:
    """Record a caregiver opening sections of the patient's reading, as the caregiver's own
    (CaregiverProgress). The patient's progress and the assignment are not touched. A
    position the reading lacks is a ValidationError on `section`, as for the patient."""
    version = _current_version(assignment)
    new = [p for p in _known_positions(version, positions) if p not in viewed]
    if new:
        now = timezone.now()
        CaregiverProgress.objects.bulk_create(
            [
                CaregiverProgress(
                    assignment=assignment,
                    reader=reader,
                    position=position,
                    version=version,
                    first_viewed_at=now,
                )
                for position in new
            ],
            ignore_conflicts=True,
        )
        viewed.update(new)


@dataclass(frozen=True)
class CheckOutcome:
    attempt: CheckAttempt
    answers: list[MarkedAnswer]

    @property
    def passed(self) -> bool:
        return self.attempt.passed


def _is_choice(value, choice_count: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < choice_count


@transaction.atomic
def check_submit(*, assignment: Assignment, answers: Sequence[int | list[int]]) -> CheckOutcome:
    """Mark the comprehension check of the current version and keep the answers.

    `answers` holds the chosen choice index for each check, in check order (a list of them for
    a "choose all that apply" question). Wrong answers are recorded (the clinician sees them)
    but never block anything.
    """
    if not assignment.is_open:
        raise ValidationError(
            _("This reading is already finished, so the questions can't be answered again."),
            code="invalid_status",
        )
    version = _current_version(assignment)
    checks = version.checks
    answers = list(answers)
    if len(answers) != len(checks):
        raise ValidationError(
            {"answers": _("Answer every question: there are %(count)d.") % {"count": len(checks)}}
        )
    for number, (check, chosen) in enumerate(zip(checks, answers, strict=True), start=1):
        choice_count = len(check.get("choices", []))
        if check.get("correct_indexes"):
            valid = (
                isinstance(chosen, list)
                and chosen
                and len(set(chosen)) == len(chosen)
                and all(_is_choice(one, choice_count) for one in chosen)
            )
            problem = _("Choose one or more of the answers to question %(number)d.")
        else:
            valid = _is_choice(chosen, choice_count)
            problem = _("Choose one of the answers to question %(number)d.")
        if not valid:
            raise ValidationError({"answers": problem % {"number": number}})
    answers = [sorted(chosen) if isinstance(chosen, list) else chosen for chosen in answers]
    marked = mark_answers(checks=checks, answers=answers)
    now = timezone.now()
    attempt = CheckAttempt.objects.create(
        assignment=assignment,
        version=version,
        answers=answers,
        score=score(marked),
        total=len(marked),
        submitted_at=now,
    )
    assignment.check_failed = not attempt.passed
    Assignment.objects.filter(pk=assignment.pk).update(check_failed=assignment.check_failed)
    _touch(assignment, now)
    return CheckOutcome(attempt=attempt, answers=marked)


@transaction.atomic
def assignment_complete(*, assignment: Assignment) -> Assignment:
    """ "I have read and understood this": finish the assignment, recording the version read.

    Every section of the current version must have been opened. Finishing twice (two tabs)
    is not an error: the second call returns the finished assignment unchanged.
    """
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.status == Status.COMPLETED:
        return locked
    _refuse_move(current=locked.status, new=Status.COMPLETED)
    locked.module = Module.objects.select_related("current_version").get(pk=locked.module_id)
    locked._reading_module = getattr(assignment, "_reading_module", None)
    version = _current_version(locked)
    viewed = set(
        SectionProgress.objects.filter(assignment=locked).values_list("position", flat=True)
    )
    unread = [section for section in version.sections if section["position"] not in viewed]
    if unread:
        raise ValidationError(
            _("Please open every section before you finish. Not opened yet: %(titles)s.")
            % {"titles": ", ".join(section["title"] for section in unread)},
            code="sections_unread",
        )
    now = timezone.now()
    locked.status = Status.COMPLETED
    locked.completed_at = now
    locked.completed_version = version
    locked.last_activity_at = now
    if locked.started_at is None:
        locked.started_at = now
    locked.save(
        update_fields=[
            "status",
            "completed_at",
            "completed_version",
            "last_activity_at",
            "started_at",
        ]
    )
    return locked


# --- The wallet card's treatment name ---------------------------------------------------------


def _clean_treatment_name(name: str | None) -> str:
    """One line of plain text: spaces tidied, no markup, no control characters, not too long."""
    name = " ".join((name or "").split())
    if "<" in name or ">" in name:
        raise ValidationError(
            {
                "treatment_name": _(
                    "Type the name only, without < or > signs. "
                    "For example: pembrolizumab (Keytruda)."
                )
            }
        )
    if any(not character.isprintable() for character in name):
        raise ValidationError(
            {"treatment_name": _("Type the name only, with letters, numbers and spaces.")}
        )
    if len(name) > TREATMENT_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "treatment_name": _(
                    "The treatment name can be at most %(limit)d characters. It has %(length)d."
                )
                % {"limit": TREATMENT_NAME_MAX_LENGTH, "length": len(name)}
            }
        )
    return name


@transaction.atomic
def treatment_set(
    *,
    patient: User,
    name: str | None,
    updated_by: User,
    request=None,
    channel: str = "web",
) -> PatientTreatment:
    """Set (or, with an empty name, clear) the treatment name on the patient's wallet card.

    The caller has already checked that `updated_by` may see `patient`. Saving the same name
    again changes nothing and records nothing.
    """
    name = _clean_treatment_name(name)
    if not name and not PatientTreatment.objects.filter(patient=patient).exists():
        return PatientTreatment(patient=patient, name="", updated_at=None)
    treatment, created = PatientTreatment.objects.select_for_update().get_or_create(
        patient=patient, defaults={"name": name, "updated_by": updated_by}
    )
    if not created and treatment.name == name:
        return treatment
    if not created:
        treatment.name = name
        treatment.updated_by = updated_by
        treatment.updated_at = timezone.now()
        treatment.save(update_fields=["name", "updated_by", "updated_at"])
    audit_log(
        actor=updated_by,
        action="treatment.update",
        patient=patient,
        obj=treatment,
        request=request,
        channel=channel,
    )
    return treatment
