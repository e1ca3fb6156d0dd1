"""Paging through the assignment list: every row once, in the documented order, for
clinicians (their care team only), admins (everyone) and patients (their own); each row's
`is_overdue` follows its patient's own calendar; a page costs a count and the page itself."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
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


# The staff lists' documented default order, asked for explicitly.
DEFAULT_ORDER = "ordering=-assigned_at,-id"


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
    # Rows of every kind: overdue or not in time zones a day apart, finished on a version
    # that is no longer current, with a note.
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
def test_every_row_once_newest_first(api_as, people, teams, role, size):
    client = api_as(role)

    pages = _pages(client, size=size)

    assert pages == _pages(client, size=size, extra=f"&{DEFAULT_ORDER}")
    ids = [row["id"] for page in pages for row in page["results"]]
    assert len(ids) == len(set(ids)) == pages[0]["count"]
    newest_first = Assignment.objects.filter(pk__in=ids).order_by("-assigned_at", "-id")
    assert ids == list(newest_first.values_list("id", flat=True))


def test_overdue_is_each_patients_own_day(api_as, people, teams):
    """At 03:30 UTC it is still the 10th in Honolulu and New York (the default zone, for a
    zone name the portal does not know) and already the 11th in Tokyo: only there is a
    reading due on the 10th overdue."""
    body = api_as("clinician").get("/api/v1/assignments/?page_size=100").json()
    overdue = {
        name: sorted(
            row["due_on"]
            for row in body["results"]
            if row["patient_name"] == name and row["is_overdue"]
        )
        for name in ("Zone 0", "Zone 1", "Zone 2")
    }
    assert overdue == {"Zone 0": [], "Zone 1": ["2026-03-10"], "Zone 2": []}


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
    # Page 0 is bad input (the schema says minimum 1), not a page past the end.
    zero = client.get("/api/v1/assignments/?page=0")
    assert zero.status_code == 400
    assert zero.json() == {"page": ["Give the page number as a whole number from 1."]}
    assert client.get("/api/v1/assignments/?page=last").status_code == 200
    assert client.get("/api/v1/assignments/?page_size=0").status_code == 400


def _count_and_page_queries(client, url) -> tuple[list[str], list[str]]:
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
        if query["sql"].startswith("SELECT COUNT(") and "assignments_assignment" in query["sql"]
    ]
    return counts, [sql for sql in pages if sql not in counts]


def test_the_list_is_a_count_and_a_page_whatever_the_page(api_as, people, teams):
    client = api_as("clinician")
    client.get("/api/v1/assignments/")  # records the session's first use
    for url in ("/api/v1/assignments/?page_size=2", "/api/v1/assignments/?page=2&page_size=2"):
        cache.clear()
        counts, pages = _count_and_page_queries(client, url)
        assert len(counts) == 1, counts
        assert len(pages) == 1, pages
        # The whole list's length is then kept (apps.accounts.team_counts): a page only.
        counts, pages = _count_and_page_queries(client, url)
        assert (len(counts), len(pages)) == (0, 1), (counts, pages)


@pytest.mark.parametrize("size", [2, 25])
def test_a_patient_pages_through_their_own_reading(api_as, people, teams, size):
    """A patient pages through their own reading, soonest due first, and only theirs (a
    cancelled one is not shown to them)."""
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

    pages = _pages(client, size=size)

    assert pages == _pages(client, size=size, extra="&ordering=due_on,-assigned_at,-id")
    rows = [row for page in pages for row in page["results"]]
    visible = Assignment.objects.filter(patient=patient).exclude(status=Assignment.Status.CANCELLED)
    assert {row["id"] for row in rows} == set(visible.values_list("id", flat=True))
    assert len(rows) == pages[0]["count"] == visible.count()
