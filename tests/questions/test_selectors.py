import pytest
import time_machine
from django.http import Http404

from apps.questions import selectors, services
from apps.questions.models import Question
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def _ids(questions) -> list[int]:
    return [question.pk for question in questions]


def test_patient_lists_own_questions_including_withdrawn(patient, other_patient):
    own = QuestionFactory(patient=patient)
    withdrawn = QuestionFactory(patient=patient)
    services.question_withdraw(question=withdrawn, by=patient)
    QuestionFactory(patient=other_patient)

    assert set(_ids(selectors.question_list_for_user(user=patient))) == {own.pk, withdrawn.pk}


def test_clinician_lists_care_team_questions_without_withdrawn(patient, other_patient, clinician):
    mine = QuestionFactory(patient=patient)
    withdrawn = QuestionFactory(patient=patient)
    services.question_withdraw(question=withdrawn, by=patient)
    QuestionFactory(patient=other_patient)

    assert _ids(selectors.question_list_for_user(user=clinician)) == [mine.pk]


def test_patient_with_two_clinicians_is_listed_once_for_each(patient, clinician, other_clinician):
    CareTeamMembershipFactory(clinician=other_clinician, patient=patient)
    question = QuestionFactory(patient=patient)
    assert _ids(selectors.question_list_for_user(user=clinician)) == [question.pk]
    assert question.pk in _ids(selectors.question_list_for_user(user=other_clinician))


def test_admin_lists_every_question(admin_user, patient, other_patient):
    questions = {QuestionFactory(patient=patient).pk, QuestionFactory(patient=other_patient).pk}
    assert set(_ids(selectors.question_list_for_user(user=admin_user))) == questions


@pytest.mark.parametrize("user_fixture", ["other_patient", "other_clinician"])
def test_question_outside_scope_is_not_found(request, patient, user_fixture):
    question = QuestionFactory(patient=patient)
    outsider = request.getfixturevalue(user_fixture)
    with pytest.raises(Http404):
        selectors.question_get_for_user(user=outsider, question_id=question.pk)


@pytest.mark.parametrize("question_id", ["abc", None, 0, 10**12])
def test_nonsense_question_id_is_not_found(patient, question_id):
    with pytest.raises(Http404):
        selectors.question_get_for_user(user=patient, question_id=question_id)


def test_care_team_can_still_open_a_withdrawn_question_by_its_link(patient, clinician):
    question = QuestionFactory(patient=patient)
    services.question_withdraw(question=question, by=patient)
    assert selectors.question_get_for_user(user=clinician, question_id=question.pk) == question


def test_inbox_puts_the_longest_waiting_question_first(patient, clinician):
    second_patient = PatientFactory()
    CareTeamMembershipFactory(clinician=clinician, patient=second_patient)
    with time_machine.travel("2026-11-01 09:00 +0000", tick=False):
        asked_first_then_reopened = QuestionFactory(patient=patient)
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False):
        oldest_waiting = QuestionFactory(patient=second_patient)
    with time_machine.travel("2026-11-03 09:00 +0000", tick=False):
        followed_up = QuestionFactory(patient=patient)
        services.reply_post(question=asked_first_then_reopened, author=clinician, body="Yes.")
    with time_machine.travel("2026-11-04 09:00 +0000", tick=False):
        newest = QuestionFactory(patient=second_patient)
    with time_machine.travel("2026-11-04 12:00 +0000", tick=False):
        # A follow-up while still waiting keeps the question's place.
        services.reply_post(question=followed_up, author=patient, body="Also this.")
    with time_machine.travel("2026-11-05 09:00 +0000", tick=False):
        services.reply_post(question=asked_first_then_reopened, author=patient, body="But why?")

    rows = selectors.question_inbox_for_clinician(user=clinician)

    assert _ids(rows) == [
        oldest_waiting.pk,
        followed_up.pk,
        newest.pk,
        asked_first_then_reopened.pk,
    ]


def test_inbox_shows_all_statuses_waiting_first_when_asked(patient, clinician):
    with time_machine.travel("2026-11-01 09:00 +0000", tick=False):
        answered = QuestionFactory(patient=patient)
        services.reply_post(question=answered, author=clinician, body="Done.")
    with time_machine.travel("2026-11-02 09:00 +0000", tick=False):
        closed = QuestionFactory(patient=patient)
        services.question_close(question=closed, by=patient)
    with time_machine.travel("2026-11-03 09:00 +0000", tick=False):
        waiting = QuestionFactory(patient=patient)

    rows = selectors.question_inbox_for_clinician(user=clinician, status=selectors.INBOX_ALL)

    assert _ids(rows) == [waiting.pk, answered.pk, closed.pk]


def test_inbox_filters_by_status_patient_and_module(patient, clinician):
    second_patient = PatientFactory()
    CareTeamMembershipFactory(clinician=clinician, patient=second_patient)
    module = PublishedModuleFactory()
    about_module = QuestionFactory(patient=patient, module=module)
    general = QuestionFactory(patient=patient)
    from_second = QuestionFactory(patient=second_patient, module=module)
    answered = QuestionFactory(patient=second_patient)
    services.reply_post(question=answered, author=clinician, body="Done.")

    def inbox(**filters):
        return set(_ids(selectors.question_inbox_for_clinician(user=clinician, **filters)))

    assert inbox() == {about_module.pk, general.pk, from_second.pk}
    assert inbox(status=Question.Status.ANSWERED) == {answered.pk}
    assert inbox(patient_id=patient.pk) == {about_module.pk, general.pk}
    assert inbox(module_id=module.pk) == {about_module.pk, from_second.pk}
    assert inbox(patient_id=second_patient.pk, module_id=module.pk) == {from_second.pk}


def test_inbox_never_shows_withdrawn_questions_even_to_admins(patient, clinician, admin_user):
    question = QuestionFactory(patient=patient)
    services.question_withdraw(question=question, by=patient)
    for user in (clinician, admin_user):
        assert not selectors.question_inbox_for_clinician(user=user, status=selectors.INBOX_ALL)


def test_open_question_count_counts_only_waiting_questions_of_the_care_team(
    patient, other_patient, clinician, other_clinician, admin_user
):
    QuestionFactory.create_batch(2, patient=patient)
    answered = QuestionFactory(patient=patient)
    services.reply_post(question=answered, author=clinician, body="Done.")
    withdrawn = QuestionFactory(patient=patient)
    services.question_withdraw(question=withdrawn, by=patient)
    QuestionFactory(patient=other_patient)

    assert selectors.open_question_count_for_clinician(user=clinician) == 2
    assert selectors.open_question_count_for_clinician(user=other_clinician) == 1
    assert selectors.open_question_count_for_clinician(user=admin_user) == 3


def test_inbox_module_choices_are_the_modules_asked_about(patient, other_patient, clinician):
    asked_about = PublishedModuleFactory(title="Vaccines")
    PublishedModuleFactory(title="Never asked")
    QuestionFactory(patient=patient, module=asked_about)
    QuestionFactory(patient=other_patient, module=PublishedModuleFactory(title="Other team"))

    assert selectors.inbox_module_choices(user=clinician) == [(asked_about.pk, "Vaccines")]
