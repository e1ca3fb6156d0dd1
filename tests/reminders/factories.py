"""Factories for reminders tests: assignments to be reminded about, preferences, notices."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.accounts.models import NotificationPreference
from apps.assignments.models import Assignment
from apps.reminders.models import Notification
from tests.factories import ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory


class AssignmentFactory(DjangoModelFactory):
    """An open reading assignment (the assignments app owns the rest of its life)."""

    class Meta:
        model = Assignment

    patient = factory.SubFactory(PatientFactory)
    module = factory.SubFactory(PublishedModuleFactory)
    assigned_by = factory.SubFactory(ClinicianFactory)
    assigned_at = factory.LazyFunction(timezone.now)
    status = Assignment.Status.ASSIGNED


class NotificationPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(PatientFactory)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(PatientFactory)
    kind = Notification.Kind.DUE_SOON
    sequence = 1
    assignment = factory.SubFactory(AssignmentFactory, patient=factory.SelfAttribute("..recipient"))
