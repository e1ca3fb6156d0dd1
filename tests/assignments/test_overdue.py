""" "Overdue" has one definition (apps/assignments/models.py): open, and due before today on
the patient's own calendar."""

import datetime

import pytest
import time_machine

from apps.assignments.models import Assignment
from apps.assignments.selectors import local_today_expression, patient_today
from tests.factories import PatientFactory

from .factories import AssignmentFactory

pytestmark = pytest.mark.django_db

Status = Assignment.Status
TODAY = datetime.date(2026, 3, 10)
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "due_on", "overdue"),
    [
        (Status.ASSIGNED, YESTERDAY, True),
        (Status.IN_PROGRESS, YESTERDAY, True),
        (Status.ASSIGNED, TODAY, False),
        (Status.ASSIGNED, None, False),
        (Status.COMPLETED, YESTERDAY, False),
        (Status.CANCELLED, YESTERDAY, False),
    ],
)
def test_an_assignment_is_overdue_only_when_open_and_due_before_today(status, due_on, overdue):
    assert Assignment(status=status, due_on=due_on).is_overdue(TODAY) is overdue


# 11:30 UTC on 10 March: already 11 March in Auckland, still 10 March in Los Angeles.
@time_machine.travel(datetime.datetime(2026, 3, 10, 11, 30, tzinfo=datetime.UTC), tick=False)
def test_overdue_follows_each_patients_own_calendar_in_queries_and_on_one_row():
    auckland = PatientFactory(timezone="Pacific/Auckland")
    los_angeles = PatientFactory(timezone="America/Los_Angeles")
    late = AssignmentFactory(patient=auckland, due_on=TODAY)
    on_time = AssignmentFactory(patient=los_angeles, due_on=TODAY)

    today = local_today_expression(
        timezones=["Pacific/Auckland", "America/Los_Angeles"], field="patient__timezone"
    )
    assert list(Assignment.objects.overdue(today=today)) == [late]
    assert late.is_overdue(patient_today(patient=auckland))
    assert not on_time.is_overdue(patient_today(patient=los_angeles))
