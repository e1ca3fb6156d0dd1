"""List pages run the same number of queries with 2 rows as with 20, the same on SQLite and
PostgreSQL (one code path), and the number is pinned: a change that adds a query to a list
page has to change it here, on purpose.

Every page's count starts with the request's own three: the session, the user and whether a
staff member has their authenticator app (MFA). Time is frozen during each test so the
session's activity stamp (written at most every few seconds) can't add a query to one
measurement and not the other.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.questions.models import Question
from tests.assignments.factories import (
    AssignmentFactory,
    CheckAttemptFactory,
    SectionProgressFactory,
)
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Pacific/Auckland"]


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def modules(db):
    return PublishedModuleFactory.create_batch(3)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _settled_queries(client, url) -> int:
    """The queries of a request made again: the numbers a staff page keeps in the cache (the
    menu's badge, apps.accounts.team_counts), forgotten when rows are added, are kept again."""
    client.get(url)
    return _queries(client, url)


def _assert_queries(client, url, expected: int, django_assert_num_queries) -> None:
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200, url


def _reading_for(patient, module, index, clinician):
    """One assignment in one of several states, with progress, a check and a question."""
    status = ["assigned", "in_progress", "completed"][index % 3]
    assignment = AssignmentFactory(
        patient=patient,
        module=module,
        assigned_by=clinician,
        status=status,
        due_on=timezone.localdate() - timedelta(days=1) if index % 2 else None,
        last_activity_at=timezone.now() - timedelta(hours=index),
        note="Please read this before your next visit." if index % 2 == 0 else "",
        completed_version=module.current_version if status == "completed" else None,
        completed_at=timezone.now() if status == "completed" else None,
    )
    if status != "assigned":
        SectionProgressFactory(assignment=assignment, position=1)
        CheckAttemptFactory(assignment=assignment, answers=[0, 0], score=0, total=2)
    return assignment


def _add_patients(clinician, modules, count, start=0):
    for index in range(start, start + count):
        patient = PatientFactory(timezone=ZONES[index % len(ZONES)])
        CareTeamMembershipFactory(clinician=clinician, patient=patient)
        for offset, module in enumerate(modules[:2]):
            _reading_for(patient, module, index + offset, clinician)
        if index % 2:
            Question.objects.create(patient=patient, body="A question")


# The request's three, then the team's size, the page of patients and the counts of its rows
# only, the audit rows (one INSERT) and the menu's badge of questions waiting.
MY_PATIENTS_QUERIES = 3 + 3 + 1 + 1
# Sorted or filtered by a count: the time zones of the team (for "overdue"), the size and the
# page, every patient counted in one grouped query.
MY_PATIENTS_BY_A_COUNT_QUERIES = 3 + 3 + 1 + 1
# The team's size (whole team only: no search, no filter) and the badge are kept in the cache
# until the team or its questions change (apps.accounts.team_counts): the next requests skip
# their queries.
CACHED_SIZE_AND_BADGE = 2
CACHED_BADGE = 1


@pytest.mark.parametrize(
    ("query", "expected", "cached"),
    [
        ("", MY_PATIENTS_QUERIES, CACHED_SIZE_AND_BADGE),
        ("?page=2", MY_PATIENTS_QUERIES, CACHED_SIZE_AND_BADGE),
        ("?q=e&show=open_questions", MY_PATIENTS_QUERIES, CACHED_BADGE),
        ("?show=overdue&sort=recent_activity&q=e", MY_PATIENTS_BY_A_COUNT_QUERIES, CACHED_BADGE),
    ],
)
def test_my_patients_query_count_is_pinned(
    frozen,
    clinician_client,
    clinician,
    modules,
    django_assert_num_queries,
    query,
    expected,
    cached,
):
    url = reverse("assignments:my_patients") + query
    _add_patients(clinician, modules, 30)
    clinician_client.get(url)  # the session's first request records its start
    cache.clear()
    _assert_queries(clinician_client, url, expected, django_assert_num_queries)
    _assert_queries(clinician_client, url, expected - cached, django_assert_num_queries)
    # More patients, with questions: the cached numbers are forgotten and counted again once.
    _add_patients(clinician, modules, 30, start=30)
    _assert_queries(clinician_client, url, expected, django_assert_num_queries)
    _assert_queries(clinician_client, url, expected - cached, django_assert_num_queries)


def test_patient_list_export_query_count_is_constant(frozen, clinician_client, clinician, modules):
    url = reverse("assignments:patients_export")
    _add_patients(clinician, modules, 2)
    clinician_client.get(url)
    small = _queries(clinician_client, url)
    # The request's three, the team's time zones, the rows with their counts, the audit rows.
    assert small == 6
    _add_patients(clinician, modules, 18, start=2)
    assert _queries(clinician_client, url) == small


def test_patient_page_query_count_is_constant(frozen, clinician_client, clinician, patient):
    url = reverse("assignments:patient_detail", args=[patient.pk])
    for index, module in enumerate(PublishedModuleFactory.create_batch(2)):
        _reading_for(patient, module, index, clinician)
    clinician_client.get(url)
    small = _settled_queries(clinician_client, url)
    # With the menu's badge cached: one query reads the treatment name for the wallet card form,
    # two read the caregivers (their links, and their reading per assignment), one the reminders
    # sent to the caregivers.
    assert small == 13
    for index, module in enumerate(PublishedModuleFactory.create_batch(18), start=2):
        _reading_for(patient, module, index, clinician)
    assert _settled_queries(clinician_client, url) == small


def test_my_reading_query_count_is_constant(frozen, patient_client, patient, clinician):
    url = reverse("assignments:my_reading")
    for index, module in enumerate(PublishedModuleFactory.create_batch(2)):
        _reading_for(patient, module, index, clinician)
    patient_client.get(url)
    small = _queries(patient_client, url)
    # The session and the user, the reading list, the answered-questions banner, and the
    # caregivers waiting for the patient to agree.
    assert small == 5
    for index, module in enumerate(PublishedModuleFactory.create_batch(18), start=2):
        _reading_for(patient, module, index, clinician)
    assert _queries(patient_client, url) == small


def test_module_overview_query_count_is_constant(frozen, clinician_client, clinician, modules):
    url = reverse("assignments:module_overview")
    _add_patients(clinician, modules, 2)
    clinician_client.get(url)
    small = _settled_queries(clinician_client, url)
    # With the menu's badge cached.
    assert small == 8
    _add_patients(clinician, modules, 18, start=2)
    PublishedModuleFactory.create_batch(3)
    assert _settled_queries(clinician_client, url) == small


def test_module_results_query_count_is_constant(frozen, clinician_client, clinician, modules):
    url = reverse("assignments:module_results", args=[modules[0].pk])
    _add_patients(clinician, modules, 2)
    clinician_client.get(url)
    small = _settled_queries(clinician_client, url)
    # With the menu's badge cached.
    assert small == 7
    _add_patients(clinician, modules, 18, start=2)
    assert _settled_queries(clinician_client, url) == small


def test_section_page_query_count_does_not_depend_on_other_reading(
    frozen, patient_client, patient, clinician
):
    modules = PublishedModuleFactory.create_batch(2)
    reading = _reading_for(patient, modules[0], 1, clinician)
    _reading_for(patient, modules[1], 2, clinician)
    url = reverse("assignments:reading_section", args=[reading.pk, 2])
    patient_client.get(url)
    small = _queries(patient_client, url)
    assert small == 6
    for index, module in enumerate(PublishedModuleFactory.create_batch(10), start=3):
        _reading_for(patient, module, index, clinician)
    assert _queries(patient_client, url) == small
