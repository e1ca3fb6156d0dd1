"""A care team's cached numbers (apps.accounts.team_counts) follow every change that moves them:
the team's size on My patients, the staff list's count of assignments and the menu's count of
waiting questions are never left stale by the portal's own writes."""

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.accounts import services as account_services
from apps.accounts.models import CareTeamMembership, User
from apps.accounts.team_counts import ALL, team_count
from apps.assignments import dashboards as assignment_selectors
from apps.assignments import services as assignment_services
from apps.questions import services as question_services
from apps.questions.selectors import open_question_count_for_clinician
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db


def _team_size(user) -> int:
    return assignment_selectors.patient_dashboard_page(user=user).paginator.count


def _never_counted() -> int:
    raise AssertionError("counted again")


def test_the_team_size_is_kept_and_follows_the_team(clinician, patient):
    assert _team_size(clinician) == 1
    # Kept: the next page does not count.
    assert team_count(kind="patients", scope=clinician.pk, count=_never_counted) == 1

    newcomer = PatientFactory()
    account_services.care_team_add(clinician=clinician, patient=newcomer)
    assert _team_size(clinician) == 2

    CareTeamMembership.objects.get(clinician=clinician, patient=newcomer).delete()
    assert _team_size(clinician) == 1

    # Someone who is no longer a patient leaves the count.
    patient.role = User.Role.CLINICIAN
    patient.save()
    assert _team_size(clinician) == 0


def test_a_search_or_a_filter_is_counted_and_not_kept(clinician, patient):
    CareTeamMembershipFactory(clinician=clinician, patient=PatientFactory(name="Zed Other"))
    page = assignment_selectors.patient_dashboard_page(user=clinician, search="Zed")
    assert page.paginator.count == 1
    assert _team_size(clinician) == 2


def test_an_admins_count_follows_new_patients(admin_user, patient):
    before = _team_size(admin_user)
    PatientFactory()
    assert _team_size(admin_user) == before + 1


def test_the_menu_count_follows_questions(clinician, patient):
    assert open_question_count_for_clinician(user=clinician) == 0
    question = question_services.question_ask(patient=patient, body="When is my next dose?")
    assert open_question_count_for_clinician(user=clinician) == 1
    question_services.reply_post(question=question, author=clinician, body="Next Tuesday.")
    assert open_question_count_for_clinician(user=clinician) == 0


def test_the_staff_list_count_follows_assignments(clinician, patient, clinician_client):
    client = clinician_client
    modules = PublishedModuleFactory.create_batch(3)
    url = "/api/v1/assignments/?page_size=1"
    assert client.get(url).json()["count"] == 0
    assignment_services.assignment_create_bulk(
        assigned_by=clinician, patient_ids=[patient.pk], module_ids=[m.pk for m in modules[:2]]
    )
    assert client.get(url).json()["count"] == 2
    assignment_services.assignment_create(
        assigned_by=clinician, patient_id=patient.pk, module_id=modules[2].pk
    )
    assert client.get(url).json()["count"] == 3


def test_numbers_are_forgotten_again_when_the_change_commits(
    clinician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        account_services.care_team_add(clinician=clinician, patient=PatientFactory())
        # A page served by another process before the commit counts the old rows and
        # keeps that number.
        team_count(kind="patients", scope=clinician.pk, count=lambda: 99)
        team_count(kind="patients", scope=ALL, count=lambda: 99)
    assert cache.get(f"team-count:patients:{clinician.pk}") is None
    assert cache.get(f"team-count:patients:{ALL}") is None
    assert _team_size(clinician) == 2
