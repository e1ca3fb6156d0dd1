"""The notification hooks fire once, after the change is committed, and never for a rollback."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.questions import services
from apps.questions.models import Question, Reply
from apps.questions.signals import question_asked, reply_posted
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Connect a receiver to both signals; yields the list of (signal name, sender, kwargs)."""
    calls = []

    def on_asked(sender, **kwargs):
        calls.append(("question_asked", sender, kwargs))

    def on_reply(sender, **kwargs):
        calls.append(("reply_posted", sender, kwargs))

    question_asked.connect(on_asked)
    reply_posted.connect(on_reply)
    yield calls
    question_asked.disconnect(on_asked)
    reply_posted.disconnect(on_reply)


def _payload(call):
    name, sender, kwargs = call
    kwargs = {key: value for key, value in kwargs.items() if key != "signal"}
    return name, sender, kwargs


def test_question_asked_fires_once_after_commit(patient, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        question = services.question_ask(patient=patient, body="When is my next dose?")
        assert heard == []  # nothing is sent while the transaction is still open

    # (The other callback forgets the care team's cached count of waiting questions.)
    for callback in callbacks:
        callback()
    assert [_payload(call) for call in heard] == [
        ("question_asked", Question, {"question_id": question.pk})
    ]


def test_reply_posted_fires_once_after_commit(
    patient, clinician, heard, django_capture_on_commit_callbacks
):
    question = QuestionFactory(patient=patient)
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_post(question=question, author=clinician, body="Next Tuesday.")

    assert [_payload(call) for call in heard] == [
        ("reply_posted", Reply, {"reply_id": reply.pk, "question_id": question.pk})
    ]


def test_nothing_fires_when_the_transaction_rolls_back(
    patient, clinician, heard, django_capture_on_commit_callbacks
):
    question = QuestionFactory(patient=patient)

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        services.question_ask(patient=patient, body="Rolled back question")
        services.reply_post(question=question, author=clinician, body="Rolled back reply")
        raise Abort

    assert callbacks == []
    assert heard == []
    assert not Question.objects.filter(body="Rolled back question").exists()
    assert not Reply.objects.exists()


def test_a_failing_receiver_does_not_undo_or_break_the_question(
    patient, django_capture_on_commit_callbacks, caplog
):
    def broken_receiver(sender, **kwargs):
        raise ConnectionError("mail server down")

    question_asked.connect(broken_receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            question = services.question_ask(patient=patient, body="Still saved?")
    finally:
        question_asked.disconnect(broken_receiver)

    assert Question.objects.filter(pk=question.pk).exists()
    assert "mail server down" in caplog.text  # logged for the operators, not shown to the patient


def test_invalid_question_sends_nothing(patient, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.question_ask(patient=patient, body="")
    assert callbacks == []
    assert heard == []
