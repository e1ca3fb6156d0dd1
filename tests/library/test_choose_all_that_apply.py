""" "Choose all that apply" questions: written in a file, answered on the page and the API."""

import pytest
from django.urls import reverse

from apps.assignments.grading import mark_answers, score
from apps.assignments.models import CheckAttempt
from apps.library import services
from apps.library.loading import ModuleFileError, parse_module_file
from tests.assignments.factories import AssignmentFactory
from tests.factories import AdminFactory

from .factories import CheckQuestionFactory, module_approved

pytestmark = pytest.mark.django_db

WARNING_SIGNS = {
    "position": 1,
    "prompt": "Which of these need a call now?",
    "choices": ["Chest pain", "A sore arm", "Being very thirsty", "Feeling a bit tired"],
    "correct_index": 0,
    "correct_indexes": [0, 2],
    "explanation": "Chest pain and thirst can be serious.",
}
ONE_ANSWER = {
    "position": 2,
    "prompt": "Who do you call?",
    "choices": ["Nobody", "Your team", "A neighbour"],
    "correct_index": 1,
    "explanation": "Your team.",
}

MODULE_FILE = """---
slug: signs
title: "Signs"
topic: immunotherapy
language: en
summary: "Signs."
estimated_minutes: 3
sources:
  - name: "NCI"
    url: "https://www.cancer.gov/"
    checked: 2026-12-06
checks:
  - prompt: "Which of these need a call now? Choose all that apply."
    choices: ["Chest pain", "A sore arm", "Being very thirsty"]
    answer: {answer}
    explanation: "Chest pain and thirst can be serious."
---
## Signs

Call your team.
"""


def test_every_right_choice_and_only_those_make_the_answer_right():
    checks = [WARNING_SIGNS, ONE_ANSWER]

    right, partly, too_many, nothing = (
        mark_answers(checks=checks, answers=answers)
        for answers in ([[0, 2], 1], [[0], 1], [[0, 1, 2], 1], [None, None])
    )

    assert [answer.is_correct for answer in right] == [True, True]
    assert [answer.is_correct for answer in partly] == [False, True]
    assert [answer.is_correct for answer in too_many] == [False, True]
    assert [answer.is_correct for answer in nothing] == [False, False]
    assert score(right) == 2
    assert partly[0].chosen_text == "Chest pain"
    assert partly[0].correct_text == "Chest pain; Being very thirsty"
    assert (right[1].chosen_index, right[1].chosen_text) == (1, "Your team")


def test_a_list_answer_in_a_file_makes_a_choose_all_that_apply_question(tmp_path):
    path = tmp_path / "signs.md"
    path.write_text(MODULE_FILE.format(answer="[2, 0]"))

    [check] = parse_module_file(path).checks

    assert (check.correct_index, check.correct_indexes) == (0, (0, 2))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("[0, 5]", "“answer” is 5, but it must be between 0 and 2"),
        ("[0, 0]", "“answer” lists the same choice twice"),
        ("[]", "“answer” must be a whole number, or a list of them"),
    ],
)
def test_a_bad_list_answer_is_named(tmp_path, answer, problem):
    path = tmp_path / "signs.md"
    path.write_text(MODULE_FILE.format(answer=answer))

    with pytest.raises(ModuleFileError, match=problem):
        parse_module_file(path)


@pytest.fixture
def assignment(patient):
    module = module_approved(checks=0)
    CheckQuestionFactory(
        module=module,
        position=1,
        prompt=WARNING_SIGNS["prompt"],
        choices=WARNING_SIGNS["choices"],
        correct_index=0,
        correct_indexes=[0, 2],
        explanation=WARNING_SIGNS["explanation"],
    )
    version = services.module_publish(module=module, publisher=AdminFactory())
    assert version.checks[0]["correct_indexes"] == [0, 2]
    return AssignmentFactory(patient=patient, module=module)


def test_the_patient_ticks_every_sign_that_applies_and_sees_what_was_missed(
    patient_client, assignment
):
    url = reverse("assignments:reading_check", args=[assignment.pk])

    form = patient_client.get(url).content.decode()
    response = patient_client.post(url, {"q1": ["0"]})

    assert 'type="checkbox" value="2"' in form
    assert "Choose all that apply." in form
    assert response.status_code == 302
    assert CheckAttempt.objects.get().answers == [[0]]
    result = patient_client.get(response.url).content.decode()
    assert "Not quite" in result
    assert "The answer is: <strong>Chest pain; Being very thirsty</strong>" in result


def test_the_api_takes_a_list_for_a_choose_all_that_apply_question(patient_client, assignment):
    url = f"/api/v1/assignments/{assignment.pk}/check/"

    one_index = patient_client.post(url, {"answers": [0]}, content_type="application/json")
    listed = patient_client.post(url, {"answers": [[2, 0]]}, content_type="application/json")

    assert one_index.status_code == 400
    assert "Choose one or more of the answers to question 1." in one_index.content.decode()
    assert listed.status_code == 201, listed.content
    [answer] = listed.json()["answers"]
    assert answer["multiple"] is True
    assert (answer["chosen_indexes"], answer["correct_indexes"]) == ([0, 2], [0, 2])
    assert answer["is_correct"] is True
