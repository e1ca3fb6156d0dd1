"""The Idempotency-Key header on the API's message endpoints: a retried request returns the
message saved the first time and sends nothing twice (issue 18, item 11)."""

import pytest

from apps.questions.models import Question, Reply

pytestmark = pytest.mark.django_db

QUESTIONS = "/api/v1/questions/"
KEY = "6f1c2b7e-0c4a-4f55-9a55-3d8f0c1e2a10"


def test_asking_twice_with_one_key_saves_one_question(api_as, people):
    client = api_as("patient")
    first = client.post(QUESTIONS, {"body": "Can I swim?"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post(QUESTIONS, {"body": "Can I swim?"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Question.objects.filter(patient=people["patient"]).count() == 1


def test_replying_twice_with_one_key_saves_one_reply(api_as, world):
    url = f"{QUESTIONS}{world['question'].pk}/replies/"
    client = api_as("clinician")
    first = client.post(url, {"body": "Yes."}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post(url, {"body": "Yes."}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Reply.objects.filter(question=world["question"]).count() == 1


def test_one_key_with_other_text_is_a_400_and_saves_nothing_more(api_as, people):
    client = api_as("patient")
    client.post(QUESTIONS, {"body": "Can I swim?"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    response = client.post(
        QUESTIONS, {"body": "Can I run?"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 400
    assert "already sent once with different text" in response.json()["non_field_errors"][0]
    assert Question.objects.filter(patient=people["patient"]).count() == 1


def test_a_key_for_a_reply_cannot_be_used_again_on_another_question(api_as, people, world):
    other = Question.objects.create(patient=people["patient"], body="Another one")
    client = api_as("clinician")
    client.post(
        f"{QUESTIONS}{world['question'].pk}/replies/",
        {"body": "Yes."},
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    response = client.post(
        f"{QUESTIONS}{other.pk}/replies/", {"body": "Yes."}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 400
    assert not other.replies.exists()


@pytest.mark.parametrize("key", ["x" * 65, "has space", "ünï"])
def test_a_malformed_key_is_a_400_on_its_name(api_as, key):
    response = api_as("patient").post(
        QUESTIONS, {"body": "Can I swim?"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert list(response.json()) == ["idempotency_key"]
    assert not Question.objects.exists()


def test_without_a_key_each_request_is_a_new_question(api_as, people):
    client = api_as("patient")
    for _ in range(2):
        assert client.post(QUESTIONS, {"body": "Hi"}, format="json").status_code == 201
    assert Question.objects.filter(patient=people["patient"]).count() == 2


def test_the_schema_documents_the_header(api_as):
    schema = api_as("patient").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/questions/", "/api/v1/questions/{id}/replies/"):
        names = [p["name"] for p in schema["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
