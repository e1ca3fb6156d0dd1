"""Shared factories for people and care teams. App-specific factories live in tests/<app>/."""

import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import CareTeamMembership, User

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name")
    role = User.Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(UserFactory):
    role = User.Role.PATIENT


class ClinicianFactory(UserFactory):
    role = User.Role.CLINICIAN
    is_staff = True


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


def ensure_mfa(user) -> str | None:
    """Turn on an authenticator app for `user`, as every clinician and admin must (issue 8).

    Staff without it are sent to the set-up page by StaffMFARequiredMiddleware, so web tests
    that log a staff member in call this first (the clinician_client fixture does). Returns
    the TOTP secret, or None when the user already had an authenticator.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return None
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class CareTeamMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    clinician = factory.SubFactory(ClinicianFactory)
    patient = factory.SubFactory(PatientFactory)


class CaregiverFactory(UserFactory):
    role = User.Role.CAREGIVER


def caregiver_link(*, patient, caregiver, **fields):
    """An active caregiver link, as accepting and (for a clinician's invitation) confirming
    would leave it."""
    from django.utils import timezone

    from apps.caregivers.models import CaregiverLink

    now = timezone.now()
    values = {
        "email": caregiver.email,
        "name": caregiver.name,
        "invited_by": patient,
        "status": CaregiverLink.Status.ACTIVE,
        "patient_confirmed_at": now,
        "accepted_at": now,
        "activated_at": now,
    } | fields
    return CaregiverLink.objects.create(patient=patient, caregiver=caregiver, **values)
