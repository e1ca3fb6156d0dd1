"""Issue 23: on the patient's question page the care team's answer comes first, the facts
about the question are small, and only the actions that make sense are offered."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from apps.questions import services
from apps.questions.models import Question
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def detail_url(question) -> str:
    return reverse("questions:detail", kwargs={"question_id": question.pk})


def withdraw_url(question) -> str:
    return reverse("questions:withdraw", kwargs={"question_id": question.pk})


def answered(patient, clinician, text="Yes, you can shower as usual."):
    question = QuestionFactory(patient=patient, body="Can I shower after my infusion?")
    services.reply_post(question=question, author=clinician, body=text)
    question.refresh_from_db()
    return question


def test_the_answer_comes_before_the_safety_notice_and_the_details(
    patient_client, patient, clinician
):
    question = answered(patient, clinician)
    body = patient_client.get(detail_url(question)).content.decode()
    answer_at = body.index("Your care team's answer")
    assert answer_at < body.index("Yes, you can shower as usual.") < body.index("You asked")
    assert answer_at < body.index("Questions are not for urgent problems")
    assert answer_at < body.index("About this question")
    # The facts sit in a details element, in a small list.
    # Said once: the thread points to it instead of repeating it.
    assert body.count("Yes, you can shower as usual.") == 1
    assert 'href="#answer"' in body
    facts_at = body.index('class="govuk-details portal-question-facts"')
    assert facts_at < body.index("portal-summary-small") < body.index(">Asked<")


def test_an_answered_question_offers_no_withdraw(patient_client, patient, clinician):
    question = answered(patient, clinician)
    assert question.status == Question.Status.ANSWERED
    body = patient_client.get(detail_url(question)).content.decode()
    assert "Withdraw this question" not in body
    assert "Close this question" in body
    assert "Reply to your care team" in body


def test_an_unanswered_question_offers_withdraw_but_not_close(patient_client, patient):
    question = QuestionFactory(patient=patient)
    body = patient_client.get(detail_url(question)).content.decode()
    assert "Withdraw this question" in body
    assert "Close this question" not in body
    assert "No reply yet. Your care team will answer here." in body
    assert "Your care team's answer" not in body


def test_a_closed_question_offers_only_a_reply(patient_client, patient, clinician):
    question = answered(patient, clinician)
    services.question_close(question=question, by=patient)
    body = patient_client.get(detail_url(question)).content.decode()
    assert "Withdraw this question" not in body
    assert "Close this question" not in body
    assert "Sending a reply opens your question again" in body
    # The answer is still first.
    assert body.index("Yes, you can shower as usual.") < body.index("You asked")


def test_a_reopened_question_that_was_answered_still_cannot_be_withdrawn(
    patient_client, patient, clinician
):
    question = answered(patient, clinician)
    services.reply_post(question=question, author=patient, body="One more thing?")
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    body = patient_client.get(detail_url(question)).content.decode()
    assert "Withdraw this question" not in body
    # The latest care-team reply is the answer shown first.
    assert body.index("Yes, you can shower as usual.") < body.index("One more thing?")


def test_posting_withdraw_on_an_answered_question_is_refused_with_a_message(
    patient_client, patient, clinician
):
    question = answered(patient, clinician)
    response = patient_client.post(withdraw_url(question), follow=True)
    question.refresh_from_db()
    assert question.withdrawn_at is None
    assert question.status == Question.Status.ANSWERED
    assert "cannot be withdrawn" in response.content.decode()
    assert response.redirect_chain[-1][0] == detail_url(question)


def test_withdrawing_an_unanswered_question_still_works(patient_client, patient):
    question = QuestionFactory(patient=patient)
    response = patient_client.post(withdraw_url(question))
    question.refresh_from_db()
    assert response.status_code == 302 and question.withdrawn_at is not None


def test_the_care_team_still_sees_the_details_and_no_withdraw(clinician_client, patient, clinician):
    question = answered(patient, clinician)
    body = clinician_client.get(detail_url(question)).content.decode()
    assert "Withdraw this question" not in body
    assert "Your care team's answer" not in body
    assert body.index(">Asked<") < body.index("Messages")


def test_my_questions_has_a_card_per_question_with_its_status_for_narrow_screens(
    patient_client, patient, clinician
):
    answered(patient, clinician)
    QuestionFactory(patient=patient, body="Is it normal to feel tired?")
    body = patient_client.get(reverse("questions:my_questions")).content.decode()
    cards = body[body.index('class="portal-narrow-only"') :]
    assert cards.count('class="govuk-summary-card portal-card"') == 2
    assert "Is it normal to feel tired?" in cards and "Waiting for an answer" in cards
    assert "Answered" in cards and "Last change" in cards


@pytest.mark.parametrize(
    ("language", "expected", "day"),
    [
        ("en", "Dec. 5, 2026, 10:30 a.m.", "Dec. 5, 2026"),
        ("es", "5 de diciembre de 2026 a las 10:30", "5 de diciembre de 2026"),
    ],
)
def test_dates_use_the_languages_own_format(
    patient_client, patient, clinician, language, expected, day
):
    # Issue 23: no hard-coded format, so Spanish reads "5 de diciembre de 2026", not "5 diciembre 2026".
    with time_machine.travel(datetime(2026, 12, 5, 15, 30, tzinfo=UTC), tick=False):
        question = answered(patient, clinician)
    patient.preferred_language = language
    patient.save(update_fields=["preferred_language"])
    body = patient_client.get(detail_url(question)).content.decode()
    assert expected in body  # 15:30 UTC is 10:30 in New York, the patient's zone
    listing = patient_client.get(reverse("questions:my_questions")).content.decode()
    assert day in listing
