"""Questions through the API when a caregiver asks for the patient: who asked is on record, the
link decides whether they may, and nobody reaches another patient by changing an id."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from apps.questions.models import Question
from tests.factories import CaregiverFactory, caregiver_link

from .conftest import caregiver_client_for

pytestmark = pytest.mark.django_db

QUESTIONS = reverse("api-question-list")


def ask(client, **data):
    return client.post(QUESTIONS, data, content_type="application/json")


@pytest.fixture
def may_ask(link):
    link.can_ask_questions = True
    link.save()
    return link


def test_caregiver_asks_for_the_patient_and_everyone_sees_who_asked(
    caregiver, caregiver_client, patient, may_ask, assignment, clinician_client, patient_browser
):
    response = ask(
        caregiver_client, patient=patient.pk, assignment=assignment.pk, body="Can Pat fly?"
    )
    assert response.status_code == 201, response.content
    question = Question.objects.get()
    assert (question.patient, question.asked_by) == (patient, caregiver)
    expected = {
        "patient": patient.pk,
        "patient_name": "Pat Patient",
        "asked_by": caregiver.pk,
        "asked_by_name": "Alex Helper",
        "asked_by_role": "caregiver",
    }
    assert {key: response.json()[key] for key in expected} == expected
    for client in (clinician_client, patient_browser, caregiver_client):
        row = client.get(QUESTIONS).json()["results"][0]
        assert {key: row[key] for key in expected} == expected
    staff_view = clinician_client.get(reverse("api-question-detail", args=[question.pk])).json()
    assert staff_view["asked_by_name"] == "Alex Helper"
    # The caregiver's own list, narrowed to the patient.
    mine = caregiver_client.get(QUESTIONS, {"patient": patient.pk}).json()["results"]
    assert [row["id"] for row in mine] == [question.pk]


def test_a_patients_own_question_has_no_asker(patient_browser, patient):
    response = ask(patient_browser, body="Can I travel?")
    assert response.status_code == 201
    assert (
        response.json()["asked_by"],
        response.json()["asked_by_name"],
        response.json()["asked_by_role"],
    ) == (None, None, None)
    # A patient asks for themself only: their own id is fine, another is 404.
    assert ask(patient_browser, patient=patient.pk, body="And by train?").status_code == 201
    other = CaregiverFactory()  # any other account id
    assert ask(patient_browser, patient=other.pk, body="Hi").status_code == 404
    assert Question.objects.count() == 2


def test_caregiver_must_name_the_patient(caregiver_client, may_ask):
    response = ask(caregiver_client, body="Can Pat fly?")
    assert response.status_code == 400
    assert response.json() == {"patient": ["Give the id of the patient you are asking for."]}


def test_caregiver_without_permission_to_ask_gets_403(caregiver_client, patient, link):
    response = ask(caregiver_client, patient=patient.pk, body="Can Pat fly?")
    assert response.status_code == 403
    assert "has not asked you to send questions" in response.json()["detail"]
    assert not Question.objects.exists()


def test_caregiver_cannot_ask_for_a_patient_they_do_not_read_for(
    caregiver, caregiver_client, patient, other_patient, may_ask, other_assignment
):
    # Another patient (no link, or a link of someone else): 404, never a hint.
    caregiver_link(patient=other_patient, caregiver=CaregiverFactory(), can_ask_questions=True)
    assert ask(caregiver_client, patient=other_patient.pk, body="Hi").status_code == 404
    assert ask(caregiver_client, patient=987654, body="Hi").status_code == 404
    # The patient they read for, with another patient's assignment: refused on the field.
    refused = ask(caregiver_client, patient=patient.pk, assignment=other_assignment.pk, body="Hi")
    assert refused.status_code == 400
    assert "could not find that reading" in refused.json()["assignment"][0]
    assert not Question.objects.exists()


def test_an_ended_caregiver_cannot_ask_or_read_their_questions(
    caregiver, caregiver_client, patient, may_ask, other_patient
):
    ask(caregiver_client, patient=patient.pk, body="Can Pat fly?")
    question = Question.objects.get()
    # Still reading for someone else, so still logged in.
    caregiver_link(patient=other_patient, caregiver=caregiver)
    CaregiverLink.objects.filter(pk=may_ask.pk).update(status=CaregiverLink.Status.ENDED)
    assert ask(caregiver_client, patient=patient.pk, body="Again?").status_code == 404
    assert caregiver_client.get(QUESTIONS).json()["results"] == []
    url = reverse("api-question-detail", args=[question.pk])
    assert caregiver_client.get(url).status_code == 404


def test_caregiver_reads_answers_but_replies_closes_and_withdraws_as_on_the_web(
    caregiver_client, patient, may_ask, clinician_client
):
    ask(caregiver_client, patient=patient.pk, body="Can Pat fly?")
    question = Question.objects.get()
    reply_url = reverse("api-question-replies", args=[question.pk])
    answer = clinician_client.post(
        reply_url, {"body": "Yes, with the card."}, content_type="application/json"
    )
    assert answer.status_code == 201
    thread = caregiver_client.get(reverse("api-question-detail", args=[question.pk])).json()
    assert [r["body"] for r in thread["replies"]] == ["Yes, with the card."]
    assert (
        caregiver_client.post(
            reply_url, {"body": "Thanks"}, content_type="application/json"
        ).status_code
        == 403
    )
    for name in ("close", "withdraw"):
        url = reverse(f"api-question-{name}", args=[question.pk])
        assert caregiver_client.post(url).status_code == 403, name
    assert Question.objects.get().status == Question.Status.ANSWERED


def test_caregiver_of_another_patient_cannot_reach_these_questions(
    patient, may_ask, caregiver_client, other_patient
):
    ask(caregiver_client, patient=patient.pk, body="Can Pat fly?")
    question = Question.objects.get()
    stranger = CaregiverFactory()
    caregiver_link(patient=other_patient, caregiver=stranger, can_ask_questions=True)
    client = caregiver_client_for(stranger, other_patient)
    assert client.get(QUESTIONS, {"patient": patient.pk}).json()["results"] == []
    assert client.get(reverse("api-question-detail", args=[question.pk])).status_code == 404
    assert not AuditEvent.objects.filter(actor=stranger, subject_patient=patient).exists()
