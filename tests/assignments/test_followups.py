"""What a patient page and "My reading" show from the other apps: reminders sent and replies."""

import pytest
from django.urls import reverse

from apps.questions.models import Question
from apps.reminders.models import Notification
from tests.questions.factories import QuestionFactory
from tests.reminders.factories import AssignmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def test_patient_page_lists_the_reminders_the_patient_was_sent(
    clinician_client, patient, clinician
):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)
    NotificationFactory(
        recipient=patient, assignment=assignment, kind=Notification.Kind.OVERDUE, sequence=2
    )
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Emails sent to this patient" in body
    assert "Reading overdue (reminder 2)" in body
    assert assignment.module.title in body


def test_patient_page_says_when_no_reminder_was_sent(clinician_client, patient):
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "No emails have been sent to this patient yet." in body


def test_my_reading_points_to_answered_questions_only(patient_client, patient, other_patient):
    answered = QuestionFactory(patient=patient, status=Question.Status.ANSWERED)
    still_open = QuestionFactory(patient=patient, status=Question.Status.OPEN)
    someone_elses = QuestionFactory(patient=other_patient, status=Question.Status.ANSWERED)
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "Your care team replied" in body
    assert reverse("questions:detail", args=[answered.pk]) in body
    assert reverse("questions:detail", args=[still_open.pk]) not in body
    assert reverse("questions:detail", args=[someone_elses.pk]) not in body
