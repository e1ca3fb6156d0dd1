"""A message is sent once, however many times its form or API request arrives (issue 18,
item 11): a double click on "Send", a browser sending the form again, an app retrying after a
timeout. The form carries a hidden token and API clients send an Idempotency-Key header; a
unique constraint in the database lets only one copy be saved, even when both arrive at once."""

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from apps.questions.models import Question, Reply
from apps.reminders.models import Notification
from tests.questions.factories import QuestionFactory
from tests.reminders.helpers import NEW_YORK, local

pytestmark = pytest.mark.django_db

DAYTIME = local(NEW_YORK, 2026, 6, 10, 11, 0)
KEY_INPUT = re.compile(r'<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})"')


@pytest.fixture(autouse=True)
def daytime():
    # Notices wait for the morning in quiet hours; these tests count emails sent at once.
    with time_machine.travel(DAYTIME, tick=False):
        yield


@pytest.fixture
def question(patient, clinician):
    return QuestionFactory(patient=patient)


def _key_on(page) -> str:
    return KEY_INPUT.search(page.content.decode()).group(1)


def test_each_showing_of_a_form_carries_a_new_hidden_token(patient_client, question):
    ask = reverse("questions:ask")
    detail = reverse("questions:detail", args=[question.pk])
    keys = {_key_on(patient_client.get(url)) for url in (ask, ask, detail, detail)}
    assert len(keys) == 4


def test_a_reply_sent_twice_with_one_token_is_saved_and_emailed_once(
    clinician_client, question, clinician, patient, django_capture_on_commit_callbacks
):
    url = reverse("questions:detail", args=[question.pk])
    form = {"body": "Yes, you can.", "idempotency_key": _key_on(clinician_client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        first = clinician_client.post(url, form)
        second = clinician_client.post(url, form)
    reply = Reply.objects.get(question=question)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"{url}#reply-{reply.pk}"
    assert [m.to for m in mail.outbox] == [[patient.email]]
    assert Notification.objects.filter(reply=reply).count() == 1


def test_a_question_sent_twice_with_one_token_is_saved_and_emailed_once(
    patient_client, patient, clinician, django_capture_on_commit_callbacks
):
    url = reverse("questions:ask")
    form = {"body": "Can I swim?", "idempotency_key": _key_on(patient_client.get(url))}
    with django_capture_on_commit_callbacks(execute=True):
        first = patient_client.post(url, form)
        second = patient_client.post(url, form)
    question = Question.objects.get(patient=patient)
    assert first["Location"] == second["Location"] == f"/questions/{question.pk}/"
    assert [m.to for m in mail.outbox] == [[clinician.email]]
    assert question.events.count() == 1


def test_two_forms_each_send_their_own_question(patient_client, patient):
    url = reverse("questions:ask")
    for _ in range(2):
        form = {"body": "Can I swim?", "idempotency_key": _key_on(patient_client.get(url))}
        assert patient_client.post(url, form).status_code == 302
    assert Question.objects.filter(patient=patient).count() == 2


def test_a_form_sent_again_with_other_text_keeps_the_text_and_sends_it_next_time(
    patient_client, patient
):
    url = reverse("questions:ask")
    key = _key_on(patient_client.get(url))
    patient_client.post(url, {"body": "Can I swim?", "idempotency_key": key})
    page = patient_client.post(url, {"body": "Can I run?", "idempotency_key": key})
    body = page.content.decode()
    assert page.status_code == 400
    assert "already sent once with different text" in body
    assert "Can I run?" in body
    new_key = _key_on(page)
    assert new_key != key
    assert (
        patient_client.post(url, {"body": "Can I run?", "idempotency_key": new_key}).status_code
        == 302
    )
    assert sorted(Question.objects.values_list("body", flat=True)) == ["Can I run?", "Can I swim?"]


def test_a_form_without_the_token_still_works(patient_client, patient):
    response = patient_client.post(reverse("questions:ask"), {"body": "Can I swim?"})
    assert response.status_code == 302
    assert Question.objects.get(patient=patient).idempotency_key is None
