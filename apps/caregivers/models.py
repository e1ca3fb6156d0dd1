from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaregiverLink(models.Model):
    """A patient letting a caregiver read alongside them.

    Pending until the caregiver accepts the invitation and, when a clinician sent it, the
    patient confirms it; active until the patient (or an admin) ends it. An ended link is kept
    as history and never comes back: inviting again makes a new link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caregiver_links"
    )
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caring_for_links",
        help_text=_("Empty until the invitation is accepted."),
    )
    email = models.EmailField(_("email address"), max_length=254)
    name = models.CharField(_("name"), max_length=150)
    invitation = models.OneToOneField(
        "accounts.Invitation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caregiver_link",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    can_ask_questions = models.BooleanField(_("may ask questions for me"), default=False)
    receives_reminders = models.BooleanField(_("gets my reading reminders"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    patient_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "patient",
                models.functions.Lower("email"),
                condition=Q(status__in=["pending", "active"]),
                name="caregiver_link_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(caregiver=models.F("patient")), name="caregiver_link_not_self"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "ended"]),
                name="caregiver_link_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(caregiver__isnull=False),
                name="caregiver_link_active_has_caregiver",
            ),
        ]
        indexes = [models.Index(fields=["caregiver", "status"])]

    def __str__(self) -> str:
        return f"Caregiver link {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
