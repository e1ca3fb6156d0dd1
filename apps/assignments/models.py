from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def overdue_q(*, today, prefix: str = "") -> Q:
    """The one definition of "overdue": open, and due before today where the patient lives.

    `today` is the patient's date: a date, or an expression giving each row its patient's date
    (selectors.local_today_expression). `prefix` reaches assignments from another model, e.g.
    "assignments__" from User.
    """
    return Q(**{f"{prefix}status__in": Assignment.OPEN_STATUSES, f"{prefix}due_on__lt": today})


def check_missed_q(*, prefix: str = "") -> Q:
    """The clinician's "needs a look": the latest check had a wrong answer, on reading that
    was not cancelled."""
    return Q(**{f"{prefix}check_failed": True}) & ~Q(
        **{f"{prefix}status": Assignment.Status.CANCELLED}
    )


class AssignmentQuerySet(models.QuerySet):
    def overdue(self, *, today) -> "AssignmentQuerySet":
        return self.filter(overdue_q(today=today))


class Assignment(models.Model):
    """A module a clinician asked a patient to read."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
    # The words a patient reads for each status; staff pages use the labels above.
    PATIENT_STATUS_WORDS = {
        Status.ASSIGNED: _("New"),
        Status.IN_PROGRESS: _("Started"),
        Status.COMPLETED: _("Done"),
    }

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    module = models.ForeignKey(
        "library.Module", on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments_made"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_version = models.ForeignKey(
        "library.ModuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    check_failed = models.BooleanField(
        default=False, help_text=_("The latest comprehension check had a wrong answer.")
    )
    reread_requested_at = models.DateTimeField(null=True, blank=True)
    for_caregiver = models.BooleanField(
        default=False,
        help_text=_(
            "Assigned for the patient's caregiver too: the sections' caregiver notes show to the "
            "patient as well as to their caregivers."
        ),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "module"],
                condition=Q(status__in=["assigned", "in_progress"]),
                name="assignment_one_open_per_module",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["assigned", "in_progress", "completed", "cancelled"]),
                name="assignment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["module", "status"]),
            # Staff lists, newest first (the API's default order), read it from the top.
            models.Index(fields=["-assigned_at", "-id"], name="assignment_newest_first"),
            # Staff lists sorted by due date (?ordering=due_on) read it in order instead of
            # sorting all of a care team's assignments.
            models.Index(fields=["due_on", "id"], name="assignment_due_on_id"),
        ]

    def __str__(self) -> str:
        return f"Assignment {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def caregiver_notes_for(self, *, caregiver) -> str:
        """Who the sections' caregiver notes address on this reading: "caregiver" when a
        caregiver reads, "patient" when the patient reads one assigned for their caregiver too
        (the notes then speak to the person who looks after them), "" when they are not shown.
        The value library/_caregiver_note.html takes."""
        if caregiver is not None:
            return "caregiver"
        return "patient" if self.for_caregiver else ""

    def is_overdue(self, today: date) -> bool:
        """See overdue_q; `today` is the patient's date (selectors.patient_today)."""
        return self.is_open and self.due_on is not None and self.due_on < today


class SectionProgress(models.Model):
    """The first time a patient viewed a section. One row per section, ever."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="progress")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey("library.ModuleVersion", on_delete=models.PROTECT, related_name="+")
    first_viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assignment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "position"], name="progress_unique_section"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.position}"


class CheckAttempt(models.Model):
    """One submission of the comprehension check, against the version it was asked from."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    version = models.ForeignKey("library.ModuleVersion", on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(help_text=_("Chosen choice index per check, in check order."))
    score = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["assignment", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.score}/{self.total}"

    @property
    def passed(self) -> bool:
        return self.score == self.total


class PatientTreatment(models.Model):
    """The name of the patient's immunotherapy, as their clinician typed it, for the wallet card.

    One per patient, not per assignment: a patient usually stays on one regimen while reading
    several modules, and the card is about the patient, not about one reading.
    """

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="treatment",
    )
    name = models.CharField(_("treatment name"), max_length=80, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Treatment of {self.patient_id}"


class CaregiverProgress(models.Model):
    """The first time a caregiver viewed a section of a patient's assignment.

    Kept apart from SectionProgress: a caregiver's reading is theirs, and never counts as the
    patient's (progress, completion, reminders and the dashboards read SectionProgress only).
    """

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="caregiver_progress"
    )
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey("library.ModuleVersion", on_delete=models.PROTECT, related_name="+")
    first_viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assignment", "reader", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "reader", "position"],
                name="caregiver_progress_unique_section",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}:{self.reader_id}:{self.position}"
