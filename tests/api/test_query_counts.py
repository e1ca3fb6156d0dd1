"""Every list endpoint costs the same number of queries however many rows it returns, on
SQLite and PostgreSQL alike, and that number is pinned here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments.models import Assignment
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.factories import (
    CaregiverFactory,
    CareTeamMembershipFactory,
    PatientFactory,
    caregiver_link,
)
from tests.questions.factories import QuestionFactory, ReplyFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def _add_rows_for(people, *, count: int) -> None:
    """More of everything: patients in the clinician's team, each with reading, questions and
    a caregiver, and more reading, questions and caregivers for the patient."""
    clinician, patient = people["clinician"], people["patient"]
    for _ in range(count):
        someone = PatientFactory()
        CareTeamMembershipFactory(clinician=clinician, patient=someone)
        for person in (someone, patient):
            assignment = AssignmentFactory(patient=person, assigned_by=clinician)
            SectionProgressFactory(assignment=assignment, position=1)
            question = QuestionFactory(patient=person, assignment=assignment)
            ReplyFactory(question=question, author=clinician)
            caregiver_link(patient=person, caregiver=CaregiverFactory())


@pytest.mark.parametrize(
    ("role", "url", "expected"),
    # Session and user first; staff also have their authenticator checked and their list
    # audited (one INSERT); then the page and the count ("overdue" also reads the time zones).
    [
        ("patient", "/api/v1/modules/", 4),
        ("clinician", "/api/v1/modules/", 5),
        ("clinician", "/api/v1/patients/", 6),
        ("admin", "/api/v1/patients/", 6),
        ("patient", "/api/v1/assignments/", 4),
        ("clinician", "/api/v1/assignments/", 6),
        ("clinician", "/api/v1/assignments/?overdue=false&ordering=-due_on", 7),
        ("admin", "/api/v1/assignments/", 6),
        ("patient", "/api/v1/questions/", 4),
        ("clinician", "/api/v1/questions/", 6),
        ("patient", "/api/v1/caregivers/", 4),
        ("clinician", "/api/v1/caregivers/", 6),
        ("admin", "/api/v1/caregivers/", 6),
    ],
)
def test_list_query_count_is_pinned_and_does_not_grow_with_rows(
    api_as, people, role, url, expected
):
    client = api_as(role)
    _add_rows_for(people, count=2)
    client.get(url)  # the first request of a session may record its activity
    few = _queries(client, url)

    _add_rows_for(people, count=6)
    many = _queries(client, url)

    assert (few, many) == (expected, expected)
    assert client.get(url).json()["count"] >= 6


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_a_staff_list_counts_once_after_a_change(api_as, people, role):
    """A staff member's whole list (no filter) keeps its length in the cache until the team
    or its assignments change (apps.accounts.team_counts): one query fewer on every page."""
    client = api_as(role)
    _add_rows_for(people, count=3)
    url = "/api/v1/assignments/?page_size=2"  # a full first page: the rows are counted
    client.get(url)  # the first request of a session may record its activity
    # The session (looked up by token, then loaded), the user, the authenticator, the page
    # and the audit rows.
    assert _queries(client, url) == 6
    _add_rows_for(people, count=1)
    assert _queries(client, url) == 6 + 1  # counted again, once
    assert _queries(client, url) == 6
    mine = Assignment.objects.all()
    if role == "clinician":
        mine = mine.filter(patient__care_team_links__clinician=people["clinician"])
    assert client.get(url).json()["count"] == mine.count() > 4


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return sum(
        query["sql"].upper().startswith("SELECT COUNT(") for query in context.captured_queries
    )


def test_a_first_page_that_shows_everything_is_not_counted_again(api_as, people, world):
    client = api_as("patient")
    assert _count_queries(client, "/api/v1/assignments/") == 0
    body = client.get("/api/v1/assignments/").json()
    assert (body["count"], body["next"], len(body["results"])) == (1, None, 1)


def test_full_and_later_pages_are_counted(api_as, people, world):
    patient = people["patient"]
    for _ in range(3):
        AssignmentFactory(patient=patient)
    client = api_as("patient")
    client.get("/api/v1/assignments/?page_size=2")  # the session's first use is recorded
    # A full first page may have more after it: the count says how many.
    assert _count_queries(client, "/api/v1/assignments/?page_size=2") == 1
    first = client.get("/api/v1/assignments/?page_size=2").json()
    assert (first["count"], len(first["results"])) == (4, 2)
    assert first["next"].endswith("page=2&page_size=2")
    second = client.get("/api/v1/assignments/?page=2&page_size=2").json()
    assert (second["count"], len(second["results"]), second["next"]) == (4, 2, None)
    assert client.get("/api/v1/assignments/?page=3&page_size=2").status_code == 404
