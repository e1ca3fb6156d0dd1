import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list, such as America/New_York."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.PATIENT)
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The time zone of that name, or the default patient zone for a name that is none (a
    value typed into the admin, say): a bad zone must not break a page."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.DEFAULT_PATIENT_TIME_ZONE)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Email is the login; the role decides what they may see."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        CLINICIAN = "clinician", _("Clinician")
        ADMIN = "admin", _("Admin")
        CAREGIVER = "caregiver", _("Caregiver")

    class TextSize(models.TextChoices):
        STANDARD = "standard", _("Standard")
        LARGE = "large", _("Large")
        LARGER = "larger", _("Larger")

    email = models.EmailField(_("email address"), unique=True, max_length=254)
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.PATIENT, db_index=True
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.DEFAULT_PATIENT_TIME_ZONE,
        validators=[validate_time_zone],
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    text_size = models.CharField(max_length=16, choices=TextSize.choices, default=TextSize.STANDARD)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text=_("Can log in to the Django admin (editors and admins).")
    )
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]
        indexes = [
            # Scoping ("patients of this care team") joins care-team links to patients by id:
            # read from this index alone, without visiting every user row.
            models.Index(fields=["role", "id"], name="user_role_id"),
            # Lists of people by name (My patients, the default order) walk it, page by page.
            models.Index(fields=["name", "id"], name="user_name_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @staticmethod
    def patients_q(prefix: str = "") -> Q:
        """ "Is a patient", with the role written into the SQL as a constant.

        As a bound parameter, PostgreSQL's generic plan guesses that a third of the people
        match and then reads every patient for one care team (docs/performance.md). The
        constant comes from this code, never from input.
        """
        role = User.Role.PATIENT.value
        assert role.isalpha()  # a plain word: nothing to quote or escape
        return Q(**{f"{prefix}role": RawSQL(f"'{role}'", ())})  # noqa: S611 - a constant

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_caregiver(self) -> bool:
        """Someone a patient invited to read alongside them (CaregiverLink); never staff."""
        return self.role == self.Role.CAREGIVER

    @property
    def is_portal_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_staff_role(self) -> bool:
        """Clinicians and admins: people who may see other people's health information."""
        return self.role in (self.Role.CLINICIAN, self.Role.ADMIN) or self.is_superuser

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zone_named(self.timezone)


class CareTeamMembership(models.Model):
    """A clinician caring for a patient. A patient may have several clinicians."""

    clinician = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="care_team_patients_links"
    )
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_team_links")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinician", "patient"], name="care_team_unique_pair"),
            models.CheckConstraint(
                condition=~Q(clinician=models.F("patient")), name="care_team_not_self"
            ),
        ]
        indexes = [models.Index(fields=["patient", "clinician"])]

    def __str__(self) -> str:
        return f"{self.clinician_id} cares for {self.patient_id}"


class Invitation(models.Model):
    """A one-time link to set a password. Only a hash of the token is kept.

    Most invite a new patient; a caregiver invitation (kind "caregiver") belongs to a
    CaregiverLink, which says for whom and what the caregiver may do.
    """

    class Kind(models.TextChoices):
        PATIENT = "patient", _("Patient")
        CAREGIVER = "caregiver", _("Caregiver")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PATIENT)
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=150)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_sent_at = models.DateTimeField(default=dj_timezone.now)
    send_count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True, kind="patient"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return dj_timezone.now() >= self.expires_at


class NotificationPreference(models.Model):
    """What a person wants to be told by email. Missing row means the defaults (all on)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_prefs")
    due_soon = models.BooleanField(_("reading due soon"), default=True)
    overdue = models.BooleanField(_("reading overdue"), default=True)
    not_started = models.BooleanField(_("reading not started"), default=True)
    reply = models.BooleanField(_("a reply to my question"), default=True)
    new_question = models.BooleanField(_("a new question from a patient"), default=True)
    digest = models.BooleanField(_("daily summary (clinicians)"), default=True)
    quiet_start = models.TimeField(default="21:00")
    quiet_end = models.TimeField(default="08:00")
    unsubscribed_all_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user_id}"
