"""Factories for assignments, reading progress and check attempts."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from tests.factories import ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    patient = factory.SubFactory(PatientFactory)
    module = factory.SubFactory(PublishedModuleFactory)
    assigned_by = factory.SubFactory(ClinicianFactory)
    assigned_at = factory.LazyFunction(timezone.now)


class SectionProgressFactory(DjangoModelFactory):
    class Meta:
        model = SectionProgress

    assignment = factory.SubFactory(AssignmentFactory)
    position = 1
    version = factory.LazyAttribute(lambda o: o.assignment.module.current_version)


class CheckAttemptFactory(DjangoModelFactory):
    """An attempt whose score matches its answers against the version's checks."""

    class Meta:
        model = CheckAttempt

    assignment = factory.SubFactory(AssignmentFactory)
    version = factory.LazyAttribute(lambda o: o.assignment.module.current_version)
    answers = factory.LazyAttribute(lambda o: [c["correct_index"] for c in o.version.checks])
    score = factory.LazyAttribute(
        lambda o: sum(
            1 for c, a in zip(o.version.checks, o.answers, strict=False) if c["correct_index"] == a
        )
    )
    total = factory.LazyAttribute(lambda o: len(o.version.checks))
