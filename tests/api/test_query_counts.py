"""Every list endpoint costs the same number of queries however many rows it returns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.questions.factories import QuestionFactory, ReplyFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def _add_rows_for(people, *, count: int) -> None:
    """More of everything: patients in the clinician's team, each with reading and questions,
    and more reading and questions for the patient."""
    clinician, patient = people["clinician"], people["patient"]
    for _ in range(count):
        someone = PatientFactory()
        CareTeamMembershipFactory(clinician=clinician, patient=someone)
        for person in (someone, patient):
            assignment = AssignmentFactory(patient=person, assigned_by=clinician)
            SectionProgressFactory(assignment=assignment, position=1)
            question = QuestionFactory(patient=person, assignment=assignment)
            ReplyFactory(question=question, author=clinician)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("patient", "/api/v1/modules/"),
        ("clinician", "/api/v1/modules/"),
        ("clinician", "/api/v1/patients/"),
        ("admin", "/api/v1/patients/"),
        ("patient", "/api/v1/assignments/"),
        ("clinician", "/api/v1/assignments/"),
        ("clinician", "/api/v1/assignments/?overdue=false&ordering=-due_on"),
        ("admin", "/api/v1/assignments/"),
        ("patient", "/api/v1/questions/"),
        ("clinician", "/api/v1/questions/"),
    ],
)
def test_list_query_count_does_not_grow_with_rows(api_as, people, role, url):
    client = api_as(role)
    _add_rows_for(people, count=2)
    client.get(url)  # the first request of a session may record its activity
    few = _queries(client, url)

    _add_rows_for(people, count=6)
    many = _queries(client, url)

    assert many == few
    assert client.get(url).json()["count"] >= 6
