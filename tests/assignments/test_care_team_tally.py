"""The care-team totals PostgreSQL keeps (CareTeamTally) against fresh counts.

After every kind of change that moves a total, each clinician's row must equal what
portal_tally_expected() counts from scratch, and the readers must give what Django's own
counts give. The race tests hold one transaction open while another writes, with two real
connections. PostgreSQL only: the triggers exist nowhere else (the require_services fixture
skips on a laptop's SQLite and fails in CI).
"""

import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, User
from apps.assignments import selectors, services, tally
from apps.assignments.models import Assignment, CareTeamTally
from apps.questions.models import Question, QuestionEvent
from apps.questions.selectors import open_question_count_for_clinician
from tests.assignments.factories import AssignmentFactory
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres(require_services):
    """Every test here needs the triggers, so PostgreSQL."""


def _kept(clinician) -> tuple[int, int, int]:
    row = CareTeamTally.objects.get(clinician=clinician)
    return row.patients, row.assignments, row.waiting_questions


def _counted(clinician) -> tuple[int, int, int]:
    patients = User.objects.filter(User.patients_q(), care_team_links__clinician=clinician)
    return (
        patients.count(),
        Assignment.objects.filter(patient__in=patients).count(),
        Question.objects.filter(
            patient__care_team_links__clinician=clinician,
            status=Question.Status.OPEN,
            withdrawn_at__isnull=True,
        ).count(),
    )


def _assert_right(*clinicians):
    assert tally.differences() == []
    for clinician in clinicians:
        assert _kept(clinician) == _counted(clinician)


@pytest.fixture
def two_teams():
    """Two clinicians who share one patient, each with one of their own."""
    first, second = ClinicianFactory(), ClinicianFactory()
    shared, mine, yours = PatientFactory(), PatientFactory(), PatientFactory()
    for clinician, patient in ((first, shared), (second, shared), (first, mine), (second, yours)):
        CareTeamMembershipFactory(clinician=clinician, patient=patient)
    return first, second, shared, mine, yours


def test_links_create_the_rows_and_count_what_the_patients_already_have(two_teams):
    first, second, shared, mine, _yours = two_teams
    _assert_right(first, second)
    assert _kept(first) == (2, 0, 0)
    newcomer = ClinicianFactory()
    AssignmentFactory(patient=shared)
    QuestionFactory(patient=shared)
    CareTeamMembershipFactory(clinician=newcomer, patient=shared)
    assert _kept(newcomer) == (1, 1, 1)
    _assert_right(first, second, newcomer)


def test_assignments_added_one_by_one_in_bulk_and_removed(two_teams):
    first, second, shared, mine, yours = two_teams
    modules = [PublishedModuleFactory() for _ in range(3)]
    services.assignment_create(assigned_by=first, patient_id=shared.pk, module_id=modules[0].pk)
    assert _kept(first)[1] == _kept(second)[1] == 1
    services.assignment_create_bulk(
        assigned_by=first,
        patient_ids=[shared.pk, mine.pk],
        module_ids=[modules[1].pk, modules[2].pk],
    )
    assert _kept(first)[1] == 5
    assert _kept(second)[1] == 3
    # Cancelling keeps the row (history): the count of assignments does not move.
    assignment = Assignment.objects.filter(patient=mine).first()
    services.assignment_cancel(assignment=assignment, cancelled_by=first)
    assert _kept(first)[1] == 5
    Assignment.objects.filter(patient=shared).delete()
    assert _kept(first)[1] == 2 and _kept(second)[1] == 0
    _assert_right(first, second)
    # Moved to another patient (nothing in the portal does this, but SQL can).
    Assignment.objects.filter(patient=mine).update(patient=yours)
    assert _kept(first)[1] == 0 and _kept(second)[1] == 2
    _assert_right(first, second)


def test_questions_waiting_answered_withdrawn_reopened_and_deleted(two_teams):
    first, second, shared, mine, _yours = two_teams
    asked = QuestionFactory(patient=shared)
    QuestionFactory(patient=mine)
    assert _kept(first)[2] == 2 and _kept(second)[2] == 1
    asked.status = Question.Status.ANSWERED
    asked.save()
    assert _kept(first)[2] == 1 and _kept(second)[2] == 0
    asked.status = Question.Status.OPEN
    asked.save(update_fields=["status"])
    assert _kept(second)[2] == 1
    Question.objects.filter(pk=asked.pk).update(withdrawn_at=timezone.now())
    assert _kept(second)[2] == 0
    _assert_right(first, second)
    # Saving a question without changing whether it waits changes nothing.
    other = Question.objects.get(patient=mine)
    other.body = "Edited"
    other.save()
    assert _kept(first)[2] == 1
    QuestionEvent.objects.filter(question__patient=mine).delete()
    Question.objects.filter(patient=mine).delete()
    assert _kept(first)[2] == 0
    _assert_right(first, second)


def test_links_removed_changed_and_a_role_changed(two_teams):
    first, second, shared, mine, yours = two_teams
    AssignmentFactory(patient=mine)
    QuestionFactory(patient=mine)
    CareTeamMembership.objects.filter(clinician=first, patient=mine).delete()
    assert _kept(first) == (1, 0, 0)
    CareTeamMembership.objects.filter(clinician=second, patient=yours).update(patient=mine)
    assert _kept(second) == (2, 1, 1)
    _assert_right(first, second)
    # A patient who becomes a clinician leaves the patient counts (their questions still
    # show in the badge, as the badge's own count does).
    User.objects.filter(pk=mine.pk).update(role=User.Role.CLINICIAN)
    assert _kept(second) == (1, 0, 1)
    User.objects.filter(pk=mine.pk).update(role=User.Role.PATIENT)
    assert _kept(second) == (2, 1, 1)
    _assert_right(first, second)


def test_deleting_a_patient_or_a_clinician_leaves_the_rest_right(two_teams):
    first, second, shared, mine, yours = two_teams
    AssignmentFactory(patient=yours)
    Assignment.objects.filter(patient=yours).delete()
    yours.delete()
    assert _kept(second) == (1, 0, 0)
    first.delete()
    assert not CareTeamTally.objects.filter(clinician_id=first.pk).exists()
    _assert_right(second)


def test_the_readers_give_what_counting_gives(two_teams, client):
    first, _second, shared, mine, _yours = two_teams
    AssignmentFactory(patient=shared)
    QuestionFactory(patient=mine)
    page = selectors.patient_dashboard_page(user=first)
    assert page.paginator.count == 2
    assert open_question_count_for_clinician(user=first) == 1
    # Without a row (never left by the triggers, but a reader must not trust a missing row),
    # the readers count instead.
    CareTeamTally.objects.filter(clinician=first).delete()
    assert tally.team_totals(first.pk) is None
    assert selectors.patient_dashboard_page(user=first).paginator.count == 2
    assert open_question_count_for_clinician(user=first) == 1


def test_check_tallies_finds_a_wrong_row_and_rebuilds(two_teams, capsys):
    first, second, *_ = two_teams
    call_command("check_tallies")
    CareTeamTally.objects.filter(clinician=first).update(assignments=99)
    with pytest.raises(CommandError, match="1 care team"):
        call_command("check_tallies")
    assert f"clinician {first.pk}: kept (2, 99, 0), counted (2, 0, 0)" in capsys.readouterr().out
    call_command("check_tallies", "--rebuild")
    _assert_right(first, second)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_writer", ["assignment", "link"])
def test_a_new_link_and_a_new_assignment_for_one_patient_at_once(first_writer):
    """One transaction adds an assignment for a patient while another links a new clinician to
    that patient. Whichever commits first, the new clinician's total includes the assignment:
    each side locks the patient before counting, so the second waits and then sees the first."""
    clinician, newcomer = ClinicianFactory(), ClinicianFactory()
    patient = PatientFactory()
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    module = PublishedModuleFactory()
    writes = {
        "assignment": lambda: AssignmentFactory(patient=patient, module=module),
        "link": lambda: CareTeamMembershipFactory(clinician=newcomer, patient=patient),
    }
    second_writer = "link" if first_writer == "assignment" else "assignment"
    first_wrote, release, errors = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                writes[first_writer]()
                first_wrote.set()
                release.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 - the test reports any error
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_wrote.wait(timeout=10)
            with transaction.atomic():
                writes[second_writer]()
        except Exception as error:  # noqa: BLE001 - the test reports any error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_wrote.wait(timeout=10)
    time.sleep(0.3)  # the second writer is now waiting for the patient's lock
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert _kept(newcomer) == (1, 1, 0)
    _assert_right(clinician, newcomer)
