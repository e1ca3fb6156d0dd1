"""A caregiver asks on the patient's behalf, when the patient allows it."""

import pytest
from django.urls import reverse

from apps.questions.models import Question
from tests.factories import CaregiverFactory, caregiver_link

from .conftest import caregiver_client_for

pytestmark = pytest.mark.django_db


def _ask(client, assignment=None, body="Can I take a bath after the infusion?"):
    data = {"body": body, "idempotency_key": "k-1"}
    if assignment is not None:
        data["assignment"] = assignment.pk
    return client.post(reverse("questions:ask"), data)


def test_caregiver_asks_for_the_patient_and_everyone_sees_who_asked(
    caregiver, patient, link, assignment, patient_browser, clinician_client
):
    link.can_ask_questions = True
    link.save()
    client = caregiver_client_for(caregiver, patient)
    response = _ask(client, assignment)
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.patient, question.asked_by) == (patient, caregiver)
    label = "asked by Alex Helper (caregiver) for Pat Patient"
    assert label in client.get(response.url).content.decode()
    assert label in client.get(reverse("questions:my_questions")).content.decode()
    assert label in patient_browser.get(reverse("questions:my_questions")).content.decode()
    assert label in patient_browser.get(response.url).content.decode()
    assert label in clinician_client.get(reverse("questions:inbox")).content.decode()
    assert label in clinician_client.get(response.url).content.decode()

    # The clinician answers; the caregiver reads the answer.
    clinician_client.post(response.url, {"body": "Yes, a short one.", "idempotency_key": "r-1"})
    assert "Yes, a short one." in client.get(response.url).content.decode()


def test_without_the_permission_the_caregiver_cannot_ask(caregiver_client, link):
    assert not link.can_ask_questions
    assert caregiver_client.get(reverse("questions:ask")).status_code == 403
    assert _ask(caregiver_client).status_code == 403
    assert not Question.objects.exists()
    page = caregiver_client.get(reverse("questions:my_questions")).content.decode()
    assert reverse("questions:ask") not in page


def test_a_caregiver_sees_only_their_own_questions_for_a_patient_still_linked(
    caregiver, patient, link, patient_browser
):
    link.can_ask_questions = True
    link.save()
    client = caregiver_client_for(caregiver, patient)
    _ask(client)
    mine = Question.objects.get()
    patients_own = Question.objects.create(patient=patient, body="The patient's own question")
    assert client.get(reverse("questions:detail", args=[patients_own.pk])).status_code == 404
    listing = client.get(reverse("questions:my_questions")).content.decode()
    assert "own question" not in listing
    # Once the patient ends access, their question is out of reach too.
    patient_browser.post(reverse("caregivers:person_end", args=[link.pk]))
    fresh = caregiver_client_for(caregiver, patient)
    assert fresh.get(reverse("questions:detail", args=[mine.pk])).status_code == 404
    assert fresh.get(reverse("questions:ask")).status_code == 404


def test_a_caregiver_cannot_ask_about_another_patients_reading(
    caregiver, patient, link, other_assignment, assignment
):
    link.can_ask_questions = True
    link.save()
    client = caregiver_client_for(caregiver, patient)
    response = _ask(client, other_assignment)
    # The other patient's assignment is not in the list: the form refuses it.
    assert response.status_code == 400
    assert not Question.objects.exists()


def test_another_patients_caregiver_cannot_reach_the_question(
    caregiver, patient, link, other_patient
):
    link.can_ask_questions = True
    link.save()
    _ask(caregiver_client_for(caregiver, patient))
    question = Question.objects.get()
    stranger = CaregiverFactory()
    caregiver_link(patient=other_patient, caregiver=stranger, can_ask_questions=True)
    client = caregiver_client_for(stranger, other_patient)
    assert client.get(reverse("questions:detail", args=[question.pk])).status_code == 404
    assert client.post(reverse("questions:close", args=[question.pk])).status_code == 404
