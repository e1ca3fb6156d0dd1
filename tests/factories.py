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


class CareTeamMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    clinician = factory.SubFactory(ClinicianFactory)
    patient = factory.SubFactory(PatientFactory)
