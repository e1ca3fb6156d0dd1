""" "Reading across my patients" leads with what needs action and hides modules nobody was
given behind "show all" (issue 23)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.questions.models import Question
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db

URL = reverse("assignments:module_overview")


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_a_new_team_sees_no_rows_of_zeros(clinician_client):
    modules = PublishedModuleFactory.create_batch(7)
    main = _main(clinician_client.get(URL))
    assert "Nothing has been assigned to your patients yet." in main
    assert "<table" not in main
    for module in modules:
        assert module.title not in main
    assert 'href="/patients/modules/?show=all#modules"' in main
    assert "Show all modules, including 7 nobody was given" in main


def test_show_all_lists_every_published_module_without_javascript(clinician_client):
    modules = PublishedModuleFactory.create_batch(3)
    main = _main(clinician_client.get(URL + "?show=all"))
    assert "<table" in main
    for module in modules:
        assert module.title in main
    assert "Show only modules given to my patients" in main


def test_what_needs_action_comes_first(clinician_client, clinician, patient, other_patient):
    yesterday = timezone.localdate() - timedelta(days=2)
    overdue = PublishedModuleFactory(title="Zinc and you")
    AssignmentFactory(patient=patient, module=overdue, due_on=yesterday)
    missed = PublishedModuleFactory(title="Yellow fever vaccine")
    AssignmentFactory(patient=patient, module=missed, status="completed", check_failed=True)
    asked = PublishedModuleFactory(title="Xrays during treatment")
    assignment = AssignmentFactory(patient=patient, module=asked, status="in_progress")
    QuestionFactory(patient=patient, assignment=assignment, module=asked)
    QuestionFactory(patient=patient, assignment=assignment, module=asked)
    QuestionFactory(
        patient=patient, assignment=assignment, module=asked, status=Question.Status.ANSWERED
    )
    quiet = PublishedModuleFactory(title="A quiet module")
    AssignmentFactory(patient=patient, module=quiet, status="completed")
    never = PublishedModuleFactory(title="Never given")
    # Another team's overdue reading is not this clinician's to act on.
    elsewhere = PublishedModuleFactory(title="Elsewhere overdue")
    AssignmentFactory(patient=other_patient, module=elsewhere, due_on=yesterday)

    response = clinician_client.get(URL)

    main = _main(response)
    actions = main[main.index('id="needs-action"') : main.index("How much is finished")]
    assert "1 patient has not finished it by the date asked" in actions
    assert "1 patient got check questions wrong" in actions
    assert "2 questions wait for an answer" in actions
    assert f"/team/questions/?status=open&amp;module={asked.pk}" in actions
    assert "A quiet module" not in actions
    assert "Elsewhere overdue" not in actions
    # The table: modules needing action first (title order within), then the rest given.
    titles = [row.module.title for row in response.context["rows"]]
    assert titles == [
        "Xrays during treatment",
        "Yellow fever vaccine",
        "Zinc and you",
        "A quiet module",
    ]
    assert never.title not in main
    assert "Show all modules, including 2 nobody was given" in main
    every = [row.module.title for row in clinician_client.get(URL + "?show=all").context["rows"]]
    assert every[:4] == titles
    assert set(every[4:]) == {"Never given", "Elsewhere overdue"}
