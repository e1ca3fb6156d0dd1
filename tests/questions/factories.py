"""Factories for questions and replies, and an assignment to ask about."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.assignments.models import Assignment
from apps.questions.models import Question, QuestionEvent, Reply
from tests.factories import ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory


class AssignmentToAskAboutFactory(DjangoModelFactory):
    """A reading assignment, enough to ask a question about (the assignments app owns the rest)."""

    class Meta:
        model = Assignment

    patient = factory.SubFactory(PatientFactory)
    module = factory.SubFactory(PublishedModuleFactory)
    assigned_by = factory.SubFactory(ClinicianFactory)
    status = Assignment.Status.ASSIGNED


class QuestionFactory(DjangoModelFactory):
    """A question as question_ask leaves it: open, waiting since it was asked, event recorded."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    body = factory.Sequence(lambda n: f"What does part {n} mean for me?")
    status = Question.Status.OPEN
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.SelfAttribute("created_at")
    waiting_since = factory.LazyAttribute(
        lambda q: q.created_at if q.status == Question.Status.OPEN else None
    )

    @factory.post_generation
    def asked_event(obj, create, extracted, **kwargs):
        if create:
            QuestionEvent.objects.create(
                question=obj,
                actor=obj.patient,
                action=QuestionEvent.Action.ASKED,
                at=obj.created_at,
            )


class ReplyFactory(DjangoModelFactory):
    class Meta:
        model = Reply

    question = factory.SubFactory(QuestionFactory)
    author = factory.SelfAttribute("question.patient")
    body = "Thank you, that helps."
