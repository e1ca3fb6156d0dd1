"""My patients counts only the page it shows when it can; the rows must not change.

patient_dashboard_page picks the page's patients first and counts only them when neither the
order nor a filter depends on a count. These tests compare it, row by row and count by count,
with the whole-team query (patient_dashboard_rows) it replaces for that case.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from apps.assignments import dashboards, selectors
from apps.assignments.models import Assignment
from apps.questions.models import Question
from tests.assignments.factories import AssignmentFactory
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory

pytestmark = pytest.mark.django_db

Status = Assignment.Status
COUNTS = (*dashboards.DASHBOARD_COUNTS, "has_open_questions")
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
        dashboards.patient_dashboard_rows(user=clinician, search=search, filters=filters, sort=sort)
    )
    page = dashboards.patient_dashboard_page(
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


@pytest.mark.parametrize(
    "moment",
    [
        # 03:30 UTC: already the 11th in Tokyo, still the 10th in New York, Los Angeles and
        # Honolulu. 09:00 UTC: the 11th everywhere but Honolulu (23:00 on the 10th there).
        datetime(2026, 3, 11, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
    ],
)
def test_overdue_follows_each_patients_own_calendar(clinician, moment):
    """The page's counts agree with the whole-list query, and with each patient's own
    calendar, when the zones do not agree on today's date."""
    with time_machine.travel(moment, tick=False):
        modules = [PublishedModuleFactory() for _ in range(4)]
        for number, zone in enumerate(ZONES):
            patient = PatientFactory(name=f"Zone {number}", timezone=zone)
            CareTeamMembershipFactory(clinician=clinician, patient=patient)
            today = selectors.patient_today(patient=patient)
            due_dates = [today + timedelta(days=days) for days in (-1, 0, 1)]
            # The 10th: past only where it is already the 11th.
            due_dates.append(moment.date().replace(day=10))
            for module, due_on in zip(modules, due_dates, strict=True):
                AssignmentFactory(patient=patient, module=module, due_on=due_on)
        whole = list(dashboards.patient_dashboard_rows(user=clinician))
        page = dashboards.patient_dashboard_page(user=clinician)
    assert _rows(page.object_list) == _rows(whole)
    expected = {
        f"Zone {number}": 1 + (moment.astimezone(ZoneInfo(zone)).day == 11)
        for number, zone in enumerate(ZONES)
    }
    overdue = {row.name: row.overdue_count for row in page.object_list if row.name in expected}
    assert overdue == expected
    assert sorted(expected.values()) == ([1, 1, 1, 2] if moment.hour == 3 else [1, 2, 2, 2])


EDGE_ZONES = ["Pacific/Pago_Pago", "UTC", "Pacific/Kiritimati"]  # UTC-11, UTC, UTC+14


@pytest.mark.parametrize("hour", [0, 9, 10, 12, 23])
def test_overdue_at_the_ends_of_the_calendar(clinician, hour):
    """Where today is the day before UTC's (UTC-11) or the day after (UTC+14), with due dates
    on every day around them: the page agrees with the whole list and with the patient's own
    calendar."""
    moment = datetime(2026, 7, 15, hour, 30, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        modules = [PublishedModuleFactory() for _ in range(5)]
        expected = {}
        for zone in EDGE_ZONES:
            patient = PatientFactory(name=f"Edge {zone}", timezone=zone)
            CareTeamMembershipFactory(clinician=clinician, patient=patient)
            for module, days in zip(modules, (-2, -1, 0, 1, 2), strict=True):
                AssignmentFactory(
                    patient=patient, module=module, due_on=moment.date() + timedelta(days=days)
                )
            own_today = moment.astimezone(ZoneInfo(zone)).date()
            expected[patient.name] = sum(
                moment.date() + timedelta(days=days) < own_today for days in (-2, -1, 0, 1, 2)
            )
        whole = list(dashboards.patient_dashboard_rows(user=clinician))
        page = dashboards.patient_dashboard_page(user=clinician)
    assert _rows(page.object_list) == _rows(whole)
    overdue = {row.name: row.overdue_count for row in page.object_list if row.name in expected}
    assert overdue == expected
    # At 10:30 UTC the three zones are on three different days.
    if hour == 10:
        assert sorted(expected.values()) == [1, 2, 3]


def test_a_time_zone_the_portal_does_not_know_counts_in_the_default_zone(clinician):
    """A stored zone name that is not a real zone (typed into the admin, say) falls back to
    the default zone, as the rest of the portal does, rather than breaking the page."""
    late, on_time = PublishedModuleFactory(), PublishedModuleFactory()
    patient = PatientFactory(name="Nowhere", timezone="Mars/Olympus_Mons")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    default_today = selectors.patient_today(patient=patient)
    AssignmentFactory(patient=patient, module=late, due_on=default_today - timedelta(days=1))
    AssignmentFactory(patient=patient, module=on_time, due_on=default_today)
    page = dashboards.patient_dashboard_page(user=clinician)
    (row,) = [row for row in page.object_list if row.name == "Nowhere"]
    assert row.overdue_count == 1
    assert _rows(page.object_list) == _rows(dashboards.patient_dashboard_rows(user=clinician))


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
    (row,) = dashboards.patient_dashboard_page(user=clinician).object_list
    assert (
        row.assigned_count,
        row.in_progress_count,
        row.completed_count,
        row.overdue_count,
        row.failed_check_count,
        row.has_open_questions,
    ) == (1, 1, 1, 1, 1, True)


def test_the_page_costs_the_same_queries_for_5_or_60_patients(clinician, django_assert_num_queries):
    module = PublishedModuleFactory()

    def add(count):
        for _ in range(count):
            patient = PatientFactory()
            CareTeamMembershipFactory(clinician=clinician, patient=patient)
            AssignmentFactory(patient=patient, module=module)

    add(4)
    # The team's size, the page of patients, the counts of the page's rows.
    with django_assert_num_queries(3):
        small = dashboards.patient_dashboard_page(user=clinician, per_page=25)
    add(55)
    with django_assert_num_queries(3):
        large = dashboards.patient_dashboard_page(user=clinician, per_page=25)
    # The clinician fixture already cares for one patient.
    assert (len(small.object_list), small.paginator.count) == (5, 5)
    assert (len(large.object_list), large.paginator.count) == (25, 60)
