"""A list asked for with no filter and no ordering runs compiled SQL (portal.compiled).
It must answer exactly what the queryset path answers, page by page, for clinicians (their
care team only), admins (everyone) and patients (their own), and a staff list must stay at two
queries for the list itself."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assignments.models import Assignment
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, PatientFactory
from tests.library.factories import publish_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_a_utc_day():
    """03:30 UTC: still yesterday in Honolulu, already afternoon in Tokyo, so "overdue"
    depends on each patient's zone whenever the tests run."""
    with time_machine.travel(datetime(2026, 3, 11, 3, 30, tzinfo=UTC)):
        yield


# Reordering by the default order sends a request down the queryset path (filter backends,
# Django's count) with the same rows expected.
QUERYSET_PATH = "ordering=-assigned_at,-id"


@pytest.fixture
def teams(people):
    clinician = people["clinician"]
    outsider = ClinicianFactory()
    for index in range(7):
        mine = PatientFactory(name=f"Mine {index}")
        CareTeamMembershipFactory(clinician=clinician, patient=mine)
        theirs = PatientFactory(name=f"Theirs {index}")
        CareTeamMembershipFactory(clinician=outsider, patient=theirs)
        for person in (mine, theirs):
            assignment = AssignmentFactory(patient=person, assigned_by=clinician)
            SectionProgressFactory(assignment=assignment, position=1)
    # Rows whose every field the compiled path writes out by itself: overdue or not in
    # time zones a day apart, finished on a version that is no longer current, with a note.
    today = timezone.now().date()
    for index, zone in enumerate(("Pacific/Honolulu", "Asia/Tokyo", "Mars/Nowhere")):
        patient = PatientFactory(name=f"Zone {index}", timezone=zone)
        CareTeamMembershipFactory(clinician=clinician, patient=patient)
        for days in (-1, 0, 1):
            AssignmentFactory(
                patient=patient,
                assigned_by=clinician,
                due_on=today + timedelta(days=days),
                status=Assignment.Status.IN_PROGRESS,
                started_at=timezone.now(),
                last_activity_at=timezone.now(),
                note="Before your next visit",
            )
        read = AssignmentFactory(patient=patient, assigned_by=clinician, check_failed=True)
        read.status = Assignment.Status.COMPLETED
        read.completed_version = read.module.current_version
        read.completed_at = timezone.now()
        read.save()
        publish_version(read.module, sections=5)
    # A cancelled one stays in staff lists (it is history).
    cancelled = AssignmentFactory(patient=people["patient"], assigned_by=clinician)
    cancelled.status = Assignment.Status.CANCELLED
    cancelled.save()
    return clinician


def _pages(client, *, size: int, extra: str = "") -> list[dict]:
    pages, number = [], 1
    while True:
        response = client.get(f"/api/v1/assignments/?page={number}&page_size={size}{extra}")
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append({"count": body["count"], "results": body["results"]})
        if body["next"] is None:
            return pages
        number += 1


@pytest.mark.parametrize("role", ["clinician", "admin"])
@pytest.mark.parametrize("size", [3, 25])
def test_every_page_matches_the_queryset_path(api_as, people, teams, role, size):
    client = api_as(role)

    compiled = _pages(client, size=size)
    queryset = _pages(client, size=size, extra=f"&{QUERYSET_PATH}")

    assert compiled == queryset
    ids = [row["id"] for page in compiled for row in page["results"]]
    assert len(ids) == len(set(ids)) == compiled[0]["count"]


def test_a_clinician_sees_their_care_team_only(api_as, people, teams):
    body = api_as("clinician").get("/api/v1/assignments/?page_size=100").json()

    team = set(people["clinician"].care_team_patients_links.values_list("patient_id", flat=True))
    expected = Assignment.objects.filter(patient_id__in=team)
    # Her seven, the patient's cancelled one, and four for each of the three zone patients.
    assert body["count"] == expected.count() == 7 + 1 + 12
    assert {row["id"] for row in body["results"]} == set(expected.values_list("id", flat=True))


def test_first_page_past_the_end_and_bad_pages(api_as, people, teams):
    client = api_as("clinician")
    assert client.get("/api/v1/assignments/?page=99").status_code == 404
    assert client.get("/api/v1/assignments/?page=0").status_code == 404
    assert client.get("/api/v1/assignments/?page=last").status_code == 200
    assert client.get("/api/v1/assignments/?page_size=0").status_code == 400


def test_the_list_is_a_count_and_a_page_whatever_the_page(api_as, people, teams):
    client = api_as("clinician")
    client.get("/api/v1/assignments/")  # compiles, and records the session's first use
    for url in ("/api/v1/assignments/?page_size=2", "/api/v1/assignments/?page=2&page_size=2"):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        pages = [
            query["sql"]
            for query in context.captured_queries
            if 'FROM "assignments_assignment"' in query["sql"]
        ]
        counts = [
            query["sql"]
            for query in context.captured_queries
            if query["sql"].startswith("SELECT COUNT(")
            and "assignments_assignment" in query["sql"]
            or "FROM assignments_careteamtally" in query["sql"]
        ]
        # On PostgreSQL the count is the care team's kept total; on SQLite it is counted.
        assert len(counts) == 1, counts
        assert ("careteamtally" in counts[0]) == (connection.vendor == "postgresql")
        assert len([sql for sql in pages if sql not in counts]) == 1, pages


@pytest.mark.parametrize("size", [2, 25])
def test_a_patients_own_pages_match_the_queryset_path(api_as, people, teams, size):
    """A patient's unfiltered list runs compiled SQL too: the same rows, page by page, as the
    queryset path, and only their own (a cancelled one is not shown to them)."""
    patient = people["patient"]
    today = timezone.now().date()
    for days in (-1, 0, 1, None):
        AssignmentFactory(
            patient=patient,
            due_on=None if days is None else today + timedelta(days=days),
            status=Assignment.Status.IN_PROGRESS,
            started_at=timezone.now(),
            note="Before your next visit",
        )
    read = AssignmentFactory(patient=patient)
    read.status = Assignment.Status.COMPLETED
    read.completed_version = read.module.current_version
    read.completed_at = timezone.now()
    read.save()
    publish_version(read.module, sections=5)
    client = api_as("patient")

    compiled = _pages(client, size=size)
    queryset = _pages(client, size=size, extra="&ordering=due_on,-assigned_at,-id")

    assert compiled == queryset
    rows = [row for page in compiled for row in page["results"]]
    visible = Assignment.objects.filter(patient=patient).exclude(status=Assignment.Status.CANCELLED)
    assert {row["id"] for row in rows} == set(visible.values_list("id", flat=True))
    assert len(rows) == compiled[0]["count"] == visible.count()
