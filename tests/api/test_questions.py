"""Questions through the API: asking, replying, closing, withdrawing."""

import pytest

from apps.audit.models import AuditEvent
from apps.questions.models import Question

pytestmark = pytest.mark.django_db

QUESTIONS = "/api/v1/questions/"


def test_patient_asks_about_a_section_of_their_reading(api_as, world):
    assignment = world["assignment"]
    section = assignment.module.current_version.sections[1]
    response = api_as("patient").post(
        QUESTIONS,
        {
            "body": "Does a mild rash count?",
            "assignment": assignment.pk,
            "section_position": section["position"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["module"] == assignment.module.slug
    assert body["module_title"] == assignment.module.current_version.snapshot["title"]
    assert body["section_title"] == section["title"]
    assert body["replies"] == []


def test_an_empty_question_gets_a_plain_message(api_as):
    response = api_as("patient").post(QUESTIONS, {"body": "   "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["Type your question before sending it."]}


def test_asking_about_someone_elses_reading_reveals_nothing(api_as, world):
    response = api_as("patient").post(
        QUESTIONS,
        {"body": "Is this mine?", "assignment": world["other_assignment"].pk},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["assignment"]
    assert "could not find that reading" in response.json()["assignment"][0]


def test_clinician_reply_answers_and_patient_follow_up_reopens(api_as, world):
    question = world["question"]
    url = f"{QUESTIONS}{question.pk}/replies/"
    reply = api_as("clinician").post(url, {"body": "Yes, call us."}, format="json")
    assert reply.status_code == 201
    assert reply.json()["author_role"] == "clinician"
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    assert AuditEvent.objects.filter(action="question.reply", channel="api").count() == 1

    api_as("patient").post(url, {"body": "Thank you. And a fever?"}, format="json")
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    thread = api_as("patient").get(f"{QUESTIONS}{question.pk}/").json()["replies"]
    assert [r["author_role"] for r in thread] == ["clinician", "patient"]


def test_a_withdrawn_question_takes_no_replies(api_as, world):
    question = world["question"]
    api_as("patient").post(f"{QUESTIONS}{question.pk}/withdraw/")
    response = api_as("clinician").post(
        f"{QUESTIONS}{question.pk}/replies/", {"body": "Hello"}, format="json"
    )
    # The care team no longer lists it, but anyone in scope opening it still sees it.
    assert response.status_code == 400
    assert "withdrawn" in response.json()["non_field_errors"][0]
    listed = {row["id"] for row in api_as("clinician").get(QUESTIONS).json()["results"]}
    assert question.pk not in listed


def test_questions_filter_by_status_and_patient(api_as, people, world):
    client = api_as("admin")
    open_rows = client.get(f"{QUESTIONS}?status=open").json()["results"]
    assert {row["id"] for row in open_rows} == {world["question"].pk, world["other_question"].pk}
    mine = client.get(f"{QUESTIONS}?patient={people['patient'].pk}").json()["results"]
    assert [row["id"] for row in mine] == [world["question"].pk]


def test_staff_reading_a_question_is_audited_and_a_patient_reading_their_own_is_not(
    api_as, people, world
):
    question = world["question"]
    api_as("patient").get(f"{QUESTIONS}{question.pk}/")
    assert not AuditEvent.objects.filter(action="question.view").exists()
    api_as("clinician").get(f"{QUESTIONS}{question.pk}/")
    event = AuditEvent.objects.get(action="question.view")
    assert (event.actor, event.subject_patient, event.channel) == (
        people["clinician"],
        people["patient"],
        "api",
    )


WITHDRAW_REFUSED = {
    "non_field_errors": [
        "This question has an answer or is closed, so it cannot be withdrawn. "
        "You can still read it and reply."
    ]
}


def test_an_answered_question_cannot_be_withdrawn_as_on_the_web(api_as, world):
    question = world["question"]
    answered = api_as("clinician").post(
        f"{QUESTIONS}{question.pk}/replies/", {"body": "Yes."}, format="json"
    )
    assert answered.status_code == 201
    response = api_as("patient").post(f"{QUESTIONS}{question.pk}/withdraw/")
    assert response.status_code == 400
    assert response.json() == WITHDRAW_REFUSED
    question.refresh_from_db()
    assert question.withdrawn_at is None and question.status == Question.Status.ANSWERED
    # The patient's follow-up opens it again, but the answer is still there: still refused.
    api_as("patient").post(f"{QUESTIONS}{question.pk}/replies/", {"body": "And?"}, format="json")
    again = api_as("patient").post(f"{QUESTIONS}{question.pk}/withdraw/")
    assert again.status_code == 400


def test_a_closed_question_cannot_be_withdrawn_but_a_withdrawn_one_may_be_again(api_as, world):
    question = world["question"]
    patient = api_as("patient")
    assert patient.post(f"{QUESTIONS}{question.pk}/close/").status_code == 200
    refused = patient.post(f"{QUESTIONS}{question.pk}/withdraw/")
    assert (refused.status_code, refused.json()) == (400, WITHDRAW_REFUSED)
    waiting = world["other_question"]
    other = api_as("other_patient")
    assert other.post(f"{QUESTIONS}{waiting.pk}/withdraw/").json()["status"] == "withdrawn"
    assert other.post(f"{QUESTIONS}{waiting.pk}/withdraw/").status_code == 200
