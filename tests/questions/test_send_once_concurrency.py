"""Two copies of one submission at the same moment, on the real PostgreSQL: each thread has
its own connection, so the inserts really race, and only the unique constraint can stop the
second (issue 18, item 11)."""

import threading

import pytest
from django.db import connection

from apps.questions import services
from apps.questions.models import Question, Reply
from tests.questions.factories import QuestionFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

COPIES = 4
KEY = "3a4f0a5e9d2b4c7e8f1a2b3c4d5e6f70"


def _race(send):
    """Call send() in COPIES threads released together; return (results, errors)."""
    barrier = threading.Barrier(COPIES)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(send())
        except Exception as error:  # noqa: BLE001 - the test reports any error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_one_question_sent_four_times_at_once_is_saved_once(require_services, patient):
    results, errors = _race(
        lambda: services.question_ask(patient=patient, body="Can I swim?", idempotency_key=KEY)
    )
    assert errors == []
    assert Question.objects.filter(patient=patient).count() == 1
    assert {question.pk for question in results} == {Question.objects.get(patient=patient).pk}


def test_one_reply_sent_four_times_at_once_is_saved_once(require_services, patient, clinician):
    question = QuestionFactory(patient=patient)
    results, errors = _race(
        lambda: services.reply_post(
            question=Question.objects.get(pk=question.pk),
            author=clinician,
            body="Yes.",
            idempotency_key=KEY,
        )
    )
    assert errors == []
    assert Reply.objects.filter(question=question).count() == 1
    assert len({reply.pk for reply in results}) == 1
