"""Each FHIR search costs the same number of queries however many rows a page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments.models import Assignment
from tests.api.test_query_counts import _add_rows_for
from tests.assignments.factories import CheckAttemptFactory
from tests.factories import CareTeamMembershipFactory, ClinicianFactory

from .conftest import fhir_json

pytestmark = pytest.mark.django_db

SEARCHES = [
    ("patient", "Task"),
    ("clinician", "Task"),
    ("clinician", "Task?status=requested,in-progress&_lastUpdated=gt2020-01-01"),
    ("clinician", "Patient"),
    ("patient", "Practitioner"),
    ("clinician", "DocumentReference"),
    ("clinician", "Questionnaire"),
    ("clinician", "QuestionnaireResponse"),
    ("patient", "Communication"),
    ("clinician", "Communication"),
]


def _queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as context:
        body = fhir_json(client.get(f"/fhir/r4/{path}"))
    return len(context.captured_queries), len(body.get("entry", []))


def _add(people, count: int) -> None:
    """The API's query-count rows (patients, reading, questions, replies), check answers, and
    more clinicians in the patient's care team."""
    _add_rows_for(people, count=count)
    for _ in range(count):
        CareTeamMembershipFactory(clinician=ClinicianFactory(), patient=people["patient"])
    for assignment in Assignment.objects.filter(attempts=None):
        CheckAttemptFactory(assignment=assignment)


@pytest.mark.parametrize(("role", "path"), SEARCHES)
def test_search_queries_do_not_grow_with_rows(fhir, people, role, path):
    client = fhir(role).client
    client.get(f"/fhir/r4/{path}")  # the session's first request does its own bookkeeping
    _add(people, 1)
    few, few_rows = _queries(client, path)
    _add(people, 6)
    many, many_rows = _queries(client, path)
    assert many_rows > few_rows, (few_rows, many_rows)
    assert many == few, (few, many)
