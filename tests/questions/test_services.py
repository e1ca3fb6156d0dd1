import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.assignments.models import Assignment
from apps.questions import services
from apps.questions.models import Question, QuestionEvent, Reply
from tests.factories import CareTeamMembershipFactory
from tests.library.factories import PublishedModuleFactory, publish_version
from tests.questions.factories import AssignmentToAskAboutFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def _actions(question) -> list[tuple[str, int]]:
    return list(question.events.order_by("at", "id").values_list("action", "actor_id"))


# Asking


def test_question_about_a_section_records_module_version_and_section_title(patient):
    module = PublishedModuleFactory(title="Immunotherapy basics")
    assignment = AssignmentToAskAboutFactory(patient=patient, module=module)

    question = services.question_ask(
        patient=patient, body="Is this normal?", assignment=assignment, section_position=2
    )

    assert question.status == Question.Status.OPEN
    assert question.module == module
    assert question.version == module.current_version
    assert question.section_position == 2
    assert question.section_title == "Immunotherapy basics: part 2"
    assert question.waiting_since == question.created_at
    assert _actions(question) == [(QuestionEvent.Action.ASKED, patient.pk)]


def test_question_keeps_the_version_it_was_asked_about_after_a_revision(patient):
    module = PublishedModuleFactory()
    first_version = module.current_version
    assignment = AssignmentToAskAboutFactory(patient=patient, module=module)
    question = services.question_ask(
        patient=patient, body="Why?", assignment=assignment.pk, section_position=1
    )

    publish_version(module, sections=2)

    question.refresh_from_db()
    assert module.current_version != first_version
    assert question.version == first_version


def test_general_question_has_no_module(patient):
    question = services.question_ask(patient=patient, body="Can I travel next month?")
    assert question.module is None and question.version is None
    assert question.section_position is None and question.section_title == ""


def test_question_text_is_stored_as_typed(patient):
    typed = '  <script>alert("hi")</script>\r\nTwo  spaces & <b>bold</b>\r\n\r\nNew paragraph  '
    question = services.question_ask(patient=patient, body=typed)
    question.refresh_from_db()
    # Only the surrounding blank space goes, and browsers' CRLF becomes one line break.
    assert (
        question.body == '<script>alert("hi")</script>\nTwo  spaces & <b>bold</b>\n\nNew paragraph'
    )


@pytest.mark.parametrize("body", ["", "   ", " \n\t\r\n "])
def test_empty_question_is_refused_with_a_clear_message(patient, body):
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body=body)
    assert _errors(excinfo) == {"body": ["Type your question before sending it."]}
    assert not Question.objects.exists()


def test_question_over_2000_characters_is_refused(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body="a" * 2001)
    assert _errors(excinfo)["body"] == [
        "Your question is 2,001 characters long. Please shorten it to 2,000 characters or "
        "fewer, or send the rest as a reply once it is sent."
    ]
    assert not Question.objects.exists()


def test_question_of_exactly_2000_characters_is_accepted(patient):
    question = services.question_ask(patient=patient, body="a" * 2000)
    assert len(question.body) == 2000


def test_line_breaks_count_as_one_character_like_the_counter_shows(patient):
    # 1,000 lines of "a" sent by a browser as CRLF: 1,999 characters on screen, 2,998 bytes.
    typed = "\r\n".join(["a"] * 1000)
    question = services.question_ask(patient=patient, body=typed)
    assert len(question.body) == 1999


def test_cannot_ask_about_another_patients_assignment(patient, other_patient):
    theirs = AssignmentToAskAboutFactory(patient=other_patient)
    for assignment in (theirs, theirs.pk):
        with pytest.raises(ValidationError) as excinfo:
            services.question_ask(patient=patient, body="Hello", assignment=assignment)
        assert "We could not find that reading in your list" in _errors(excinfo)["assignment"][0]
    assert not Question.objects.exists()


def test_cannot_ask_about_a_cancelled_assignment(patient):
    assignment = AssignmentToAskAboutFactory(patient=patient, status=Assignment.Status.CANCELLED)
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body="Hello", assignment=assignment)
    assert "cancelled this reading" in _errors(excinfo)["assignment"][0]


@pytest.mark.parametrize("position", [0, 4, "two"])
def test_section_must_exist_in_the_current_version(patient, position):
    assignment = AssignmentToAskAboutFactory(patient=patient)  # 3 sections
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(
            patient=patient, body="Hello", assignment=assignment, section_position=position
        )
    assert "That part is not in this reading module" in _errors(excinfo)["section_position"][0]


def test_section_without_a_module_is_refused(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body="Hello", section_position=1)
    assert "Choose the reading module first" in _errors(excinfo)["section_position"][0]


def test_every_problem_is_reported_at_once(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body=" ", assignment=999999)
    assert set(_errors(excinfo)) == {"body", "assignment"}


def test_only_patients_ask_questions(clinician):
    with pytest.raises(PermissionDenied):
        services.question_ask(patient=clinician, body="Hello")


# Replies and status


def test_clinician_reply_answers_the_question(patient, clinician):
    question = QuestionFactory(patient=patient)

    reply = services.reply_post(question=question, author=clinician, body=" Yes, that is normal. ")

    question.refresh_from_db()
    assert reply.body == "Yes, that is normal."
    assert question.status == Question.Status.ANSWERED
    assert question.waiting_since is None
    assert _actions(question)[-1] == (QuestionEvent.Action.REPLIED, clinician.pk)


def test_any_clinician_of_the_care_team_can_reply(patient, clinician, other_clinician):
    CareTeamMembershipFactory(clinician=other_clinician, patient=patient)
    question = QuestionFactory(patient=patient)
    services.reply_post(question=question, author=other_clinician, body="Happy to help.")
    assert question.status == Question.Status.ANSWERED


@pytest.mark.parametrize("status", [Question.Status.ANSWERED, Question.Status.CLOSED])
def test_patient_reply_reopens_an_answered_or_closed_question(patient, status):
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False):
        question = QuestionFactory(patient=patient, status=status)
    with time_machine.travel("2026-11-05 15:00 +0000", tick=False):
        services.reply_post(question=question, author=patient, body="One more thing.")

    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    assert question.waiting_since.isoformat() == "2026-11-05T15:00:00+00:00"
    assert _actions(question)[-2:] == [
        (QuestionEvent.Action.REPLIED, patient.pk),
        (QuestionEvent.Action.REOPENED, patient.pk),
    ]


def test_patient_follow_up_keeps_the_questions_place_in_the_queue(patient):
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False):
        question = QuestionFactory(patient=patient)
    with time_machine.travel("2026-11-03 09:00 +0000", tick=False):
        services.reply_post(question=question, author=patient, body="Also, is it safe?")

    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    assert question.waiting_since.isoformat() == "2026-11-02T09:00:00+00:00"
    assert QuestionEvent.Action.REOPENED not in [action for action, _ in _actions(question)]


def test_clinician_reply_to_a_closed_question_records_the_reopening(patient, clinician):
    question = QuestionFactory(patient=patient, status=Question.Status.CLOSED)
    services.reply_post(question=question, author=clinician, body="One more note.")
    assert question.status == Question.Status.ANSWERED
    assert _actions(question)[-1] == (QuestionEvent.Action.REOPENED, clinician.pk)


def test_empty_or_over_long_reply_is_refused(patient, clinician):
    question = QuestionFactory(patient=patient)
    with pytest.raises(ValidationError) as excinfo:
        services.reply_post(question=question, author=clinician, body="  ")
    assert _errors(excinfo) == {"body": ["Type your reply before sending it."]}
    with pytest.raises(ValidationError) as excinfo:
        services.reply_post(question=question, author=clinician, body="b" * 2001)
    assert _errors(excinfo)["body"][0].startswith("Your reply is 2,001 characters long.")
    assert not Reply.objects.exists()
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN


def test_people_outside_the_thread_cannot_reply(
    patient, other_patient, other_clinician, admin_user
):
    question = QuestionFactory(patient=patient)
    for outsider in (other_patient, other_clinician, admin_user):
        with pytest.raises(PermissionDenied):
            services.reply_post(question=question, author=outsider, body="Hello")
    assert not Reply.objects.exists()


def test_either_side_can_close_and_closing_twice_records_once(patient, clinician):
    by_patient = QuestionFactory(patient=patient)
    by_clinician = QuestionFactory(patient=patient)

    services.question_close(question=by_patient, by=patient)
    services.question_close(question=by_patient, by=patient)
    services.question_close(question=by_clinician, by=clinician)

    assert by_patient.status == by_clinician.status == Question.Status.CLOSED
    assert by_patient.events.filter(action=QuestionEvent.Action.CLOSED).count() == 1
    assert _actions(by_clinician)[-1] == (QuestionEvent.Action.CLOSED, clinician.pk)


def test_outsiders_cannot_close(patient, other_patient, other_clinician):
    question = QuestionFactory(patient=patient)
    for outsider in (other_patient, other_clinician):
        with pytest.raises(PermissionDenied):
            services.question_close(question=question, by=outsider)
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN


# Withdrawing


def test_withdrawn_question_is_kept_closed_and_recorded(patient):
    question = QuestionFactory(patient=patient)

    services.question_withdraw(question=question, by=patient)

    question.refresh_from_db()
    assert question.withdrawn_at is not None
    assert question.status == Question.Status.CLOSED
    assert Question.objects.filter(pk=question.pk).exists()
    assert _actions(question)[-1] == (QuestionEvent.Action.WITHDRAWN, patient.pk)


def test_only_the_asker_can_withdraw(patient, clinician):
    question = QuestionFactory(patient=patient)
    with pytest.raises(PermissionDenied):
        services.question_withdraw(question=question, by=clinician)
    question.refresh_from_db()
    assert question.withdrawn_at is None


def test_withdrawn_question_takes_no_replies(patient, clinician):
    question = QuestionFactory(patient=patient)
    services.question_withdraw(question=question, by=patient)
    for author in (patient, clinician):
        with pytest.raises(ValidationError) as excinfo:
            services.reply_post(question=question, author=author, body="Hello?")
        assert excinfo.value.messages == [
            "This question was withdrawn, so it cannot get new replies. You can ask a new one."
        ]


def test_text_with_a_nul_character_is_refused_not_crashed(patient):
    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(patient=patient, body="Pasted\x00text")
    assert "hidden character" in _errors(excinfo)["body"][0]
