"""My patients counts only the page it shows when it can; the rows must not change.

patient_dashboard_page picks the page's patients first and counts only them when neither the
order nor a filter depends on a count. These tests compare it, row by row and count by count,
with the whole-team query (patient_dashboard_rows) it replaces for that case. The list as it
first opens (by name, nothing searched or filtered) runs SQL compiled once per process, and is
compared the same way.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.assignments import selectors
from apps.assignments.models import Assignment
from apps.questions.models import Question
from tests.assignments.factories import AssignmentFactory
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db

Status = Assignment.Status
COUNTS = (*selectors.DASHBOARD_COUNTS, "has_open_questions")
ZONES = ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Asia/Tokyo"]


@pytest.fixture
def team(clinician, other_clinician):
    """30 patients of `clinician` with every kind of row, and one patient of another team."""
    modules = [PublishedModuleFactory() for _ in range(3)]
    today = timezone.localdate()
    statuses = [Status.ASSIGNED, Status.IN_PROGRESS, Status.COMPLETED, Status.CANCELLED]
    for number in range(30):
        patient = PatientFactory(name=f"Patient {number:02d}", timezone=ZONES[number % 4])
        CareTeamMembershipFactory(clinician=clinician, patient=patient)
        for index, module in enumerate(modules[: number % 4]):
            AssignmentFactory(
                patient=patient,
                module=module,
                status=statuses[(number + index) % 4],
                due_on=today + timedelta(days=(number % 3) - 1),
                check_failed=number % 5 == 0,
                last_activity_at=timezone.now() - timedelta(hours=number) if number % 2 else None,
            )
        if number % 6 == 0:
            QuestionFactory(patient=patient)
        if number % 7 == 0:
            QuestionFactory(patient=patient, status=Question.Status.ANSWERED)
    outsider = PatientFactory(name="Patient outside")
    CareTeamMembershipFactory(clinician=other_clinician, patient=outsider)
    AssignmentFactory(patient=outsider, module=modules[0])
    return modules


def _rows(patients):
    return [(patient.pk, *(getattr(patient, name) for name in COUNTS)) for patient in patients]


@pytest.mark.parametrize(
    ("search", "filters", "sort", "page_number"),
    [
        # The list as it first opens runs compiled SQL (portal.compiled): every page of it.
        ("", (), "name", 1),
        ("", (), "name", 2),
        ("", (), "name", 3),
        ("Patient 1", (), "name", 1),
        ("", ("open_questions",), "name", 1),
        ("", (), "overdue", 1),
        ("", ("overdue",), "name", 1),
        ("", ("not_started",), "recent_activity", 1),
        ("", (), "least_activity", 2),
    ],
)
def test_a_page_has_the_same_rows_and_counts_as_the_whole_list(
    clinician, team, search, filters, sort, page_number
):
    whole = list(
        selectors.patient_dashboard_rows(user=clinician, search=search, filters=filters, sort=sort)
    )
    page = selectors.patient_dashboard_page(
        user=clinician,
        search=search,
        filters=filters,
        sort=sort,
        page_number=page_number,
        per_page=12,
    )
    expected = whole[(page_number - 1) * 12 : page_number * 12]
    assert expected, "the case must show someone"
    assert _rows(page.object_list) == _rows(expected)
    assert page.paginator.count == len(whole)
    assert all(patient.name != "Patient outside" for patient in page.object_list)


def test_the_counts_are_right_for_one_patient(clinician, patient):
    module_a, module_b, module_c = (PublishedModuleFactory() for _ in range(3))
    # Yesterday where the patient lives: in the first hours of a UTC day it is still the day
    # before in the Americas, and the server's yesterday is the patient's today.
    yesterday = selectors.patient_today(patient=patient) - timedelta(days=1)
    AssignmentFactory(patient=patient, module=module_a, due_on=yesterday)
    AssignmentFactory(
        patient=patient, module=module_b, status=Status.IN_PROGRESS, check_failed=True
    )
    AssignmentFactory(patient=patient, module=module_c, status=Status.COMPLETED)
    AssignmentFactory(patient=patient, module=module_a, status=Status.CANCELLED, check_failed=True)
    QuestionFactory(patient=patient)
    (row,) = selectors.patient_dashboard_page(user=clinician).object_list
    assert (
        row.assigned_count,
        row.in_progress_count,
        row.completed_count,
        row.overdue_count,
        row.failed_check_count,
        row.has_open_questions,
    ) == (1, 1, 1, 1, 1, True)


def test_the_page_costs_the_same_queries_for_5_or_60_patients(
    clinician, django_assert_max_num_queries
):
    module = PublishedModuleFactory()

    def add(count):
        for _ in range(count):
            patient = PatientFactory()
            CareTeamMembershipFactory(clinician=clinician, patient=patient)
            AssignmentFactory(patient=patient, module=module)

    add(4)
    with django_assert_max_num_queries(3):
        small = selectors.patient_dashboard_page(user=clinician, per_page=25)
    add(55)
    with django_assert_max_num_queries(3):
        large = selectors.patient_dashboard_page(user=clinician, per_page=25)
    # The clinician fixture already cares for one patient.
    assert (len(small.object_list), small.paginator.count) == (5, 5)
    assert (len(large.object_list), large.paginator.count) == (25, 60)
