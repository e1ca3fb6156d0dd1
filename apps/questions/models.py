from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

QUESTION_MAX_LENGTH = 2000
# A form's hidden token, or an API client's Idempotency-Key header: one submission, however
# many times it arrives (a double click, a client retrying after a timeout).
IDEMPOTENCY_KEY_MAX_LENGTH = 64


def _idempotency_key_field():
    return models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH, null=True, blank=True, editable=False
    )


class Question(models.Model):
    """A patient's question to their care team, maybe about a module and a section of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions"
    )
    assignment = models.ForeignKey(
        "assignments.Assignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
    )
    module = models.ForeignKey(
        "library.Module", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey(
        "library.ModuleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    section_position = models.PositiveSmallIntegerField(null=True, blank=True)
    section_title = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=QUESTION_MAX_LENGTH)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # When the patient's oldest message without a care-team answer was sent; empty while
    # nothing waits. A follow-up from the patient does not move a question down the inbox,
    # and a reopened question waits from the moment it was reopened.
    waiting_since = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # A caregiver who asked on the patient's behalf (the patient allowed it); empty when the
    # patient asked.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = _idempotency_key_field()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "waiting_since"], name="question_status_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "answered", "closed"]),
                name="question_status_valid",
            ),
            # The database, not a check in Python, keeps two concurrent copies of one
            # submission from both being saved. Rows without a key (NULL) never clash.
            models.UniqueConstraint(
                fields=["patient", "idempotency_key"], name="question_submitted_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Question {self.pk}"


class Reply(models.Model):
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=QUESTION_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = _idempotency_key_field()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "idempotency_key"], name="reply_sent_once"),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk}"


class QuestionEvent(models.Model):
    """Who changed a question's status, and when. Nothing is ever deleted."""

    class Action(models.TextChoices):
        ASKED = "asked", _("Asked")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.question_id}"
