from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person. The unique constraints make a second send impossible."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Reading due soon")
        OVERDUE = "overdue", _("Reading overdue")
        NOT_STARTED = "not_started", _("Reading not started")
        REPLY = "reply", _("Reply to a question")
        NEW_QUESTION = "new_question", _("New question from a patient")
        DIGEST = "digest", _("Daily summary")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Claimed by a worker and handed to the mail server; the outcome is not known yet.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    class SkipReason(models.TextChoices):
        """Why a queued message was not sent when its time came. Checked again at delivery."""

        INACTIVE_ACCOUNT = "inactive_account", _("The account is no longer active")
        OPTED_OUT = "opted_out", _("The person turned these emails off")
        ASSIGNMENT_COMPLETED = "assignment_completed", _("The reading was finished")
        ASSIGNMENT_CANCELLED = "assignment_cancelled", _("The reading was cancelled")
        ALREADY_STARTED = "already_started", _("The reading was started")
        NO_LONGER_DUE = "no_longer_due", _("The due date changed")
        QUESTION_WITHDRAWN = "question_withdrawn", _("The question was withdrawn")
        NOTHING_TO_REPORT = "nothing_to_report", _("Nothing to report")
        CAREGIVER_STOPPED = (
            "caregiver_stopped",
            _("The patient ended the helper's access or stopped their reminders"),
        )

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    assignment = models.ForeignKey(
        "assignments.Assignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    question = models.ForeignKey(
        "questions.Question", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reply = models.ForeignKey(
        "questions.Reply", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    digest_date = models.DateField(null=True, blank=True)
    sequence = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=16, default="email")
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Sends whose worker stopped between claiming the row and recording the result (killed,
    # out of memory, time limit): each may have reached the recipient, so its resend may be
    # a duplicate. Such a send is retried once; a second one marks the row failed. A database
    # default as well, for the sweep's own INSERT and for the previous release's code still
    # running while this column is added.
    interrupted_sends = models.PositiveSmallIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Quiet hours defer a message: it waits, queued, until this moment.
    send_after = models.DateTimeField(default=timezone.now)
    # When a delivery task was last queued for this row; the dispatcher queues it again if
    # that task was lost (broker restart, worker killed) and the row is still queued.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=32, choices=SkipReason.choices, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One per reading reminder step and person: the patient, and each caregiver the
            # patient lets receive their reminders, has a row of their own.
            models.UniqueConstraint(
                fields=["kind", "assignment", "sequence", "recipient"],
                condition=Q(assignment__isnull=False),
                name="notification_once_per_assignment_step_recipient",
            ),
            models.UniqueConstraint(
                fields=["kind", "reply", "recipient"],
                condition=Q(reply__isnull=False),
                name="notification_once_per_reply",
            ),
            models.UniqueConstraint(
                fields=["kind", "question", "recipient"],
                condition=Q(question__isnull=False, reply__isnull=True),
                name="notification_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "digest_date"],
                condition=Q(digest_date__isnull=False),
                name="notification_once_per_digest_day",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["send_after", "id"],
                condition=Q(status="queued"),
                name="notification_queued_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.status})"
