"""Questions and patients are linked both ways on the clinician's pages (issue 23)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.questions.models import Question
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def test_question_page_links_the_clinician_to_the_patient(clinician_client, patient):
    question = QuestionFactory(patient=patient)
    page = clinician_client.get(reverse("questions:detail", args=[question.pk])).content.decode()
    link = reverse("assignments:patient_detail", args=[patient.pk])
    assert f'href="{link}"' in page
    assert "See Pat Patient’s reading and details" in page


def test_question_page_has_no_patient_page_link_for_the_patient(patient_client, patient):
    question = QuestionFactory(patient=patient)
    page = patient_client.get(reverse("questions:detail", args=[question.pk])).content.decode()
    assert reverse("assignments:patient_detail", args=[patient.pk]) not in page


def test_patient_page_lists_the_questions_waiting_with_links(
    clinician_client, patient, other_patient
):
    waiting = QuestionFactory(patient=patient, body="Can I have the flu shot this week?")
    older = QuestionFactory(
        patient=patient,
        body="Is a rash normal?",
        created_at=timezone.now() - timezone.timedelta(days=2),
    )
    answered = QuestionFactory(
        patient=patient, body="Answered already", status=Question.Status.ANSWERED
    )
    withdrawn = QuestionFactory(
        patient=patient, body="Never mind this one", withdrawn_at=timezone.now()
    )
    elsewhere = QuestionFactory(patient=other_patient, body="Another team's patient asks")

    response = clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))

    page = response.content.decode()
    assert "Questions waiting for an answer" in page
    for question in (waiting, older):
        assert f'href="{reverse("questions:detail", args=[question.pk])}"' in page
        assert question.body in page
    for question in (answered, withdrawn, elsewhere):
        assert reverse("questions:detail", args=[question.pk]) + '"' not in page
        assert question.body not in page
    # Longest waiting first, as in the team's inbox.
    assert [q.pk for q in response.context["detail"].waiting_questions] == [older.pk, waiting.pk]
    assert response.context["detail"].open_question_count == 2


def test_patient_page_without_questions_waiting_says_none(clinician_client, patient):
    page = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Questions waiting for an answer" not in page


def test_another_teams_clinician_sees_neither_the_patient_nor_the_question(
    staff_login, other_clinician, patient
):
    question = QuestionFactory(patient=patient)
    client = staff_login(other_clinician)
    assert client.get(reverse("assignments:patient_detail", args=[patient.pk])).status_code == 404
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404
