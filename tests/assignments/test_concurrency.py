"""Two tabs, two clinicians, a thousand patients: against the real PostgreSQL.

Each thread has its own database connection, so the writes really race. These tests need
DATABASE_URL to point at PostgreSQL (see the require_services fixture).
"""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments import services
from apps.assignments.models import Assignment, SectionProgress
from tests.assignments.factories import AssignmentFactory
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 6


def _race(work, count=THREADS):
    """Run `work(index)` in `count` threads released at the same moment; collect errors."""
    barrier = threading.Barrier(count)
    errors, results = [], [None] * count

    def run(index):
        try:
            prepared = work(index, "prepare")
            barrier.wait(timeout=10)
            results[index] = work(index, prepared)
        except Exception as error:  # noqa: BLE001 - the test reports any error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors, results


def _load(pk):
    return Assignment.objects.select_related("module__current_version").get(pk=pk)


def test_concurrent_progress_writes_for_one_section_make_one_row(require_services, patient):
    assignment = AssignmentFactory(patient=patient)

    def work(index, step):
        if step == "prepare":
            return _load(assignment.pk)
        return services.progress_record(assignment=step, position=1)

    errors, _ = _race(work)
    assert errors == []
    assert SectionProgress.objects.filter(assignment=assignment).count() == 1
    saved = Assignment.objects.get(pk=assignment.pk)
    assert saved.status == Assignment.Status.IN_PROGRESS
    assert saved.started_at is not None


def test_concurrent_completion_finishes_once(require_services, patient):
    assignment = AssignmentFactory(patient=patient)
    services.progress_record_all(assignment=_load(assignment.pk))

    def work(index, step):
        if step == "prepare":
            return _load(assignment.pk)
        return services.assignment_complete(assignment=step).completed_at

    errors, completed_at = _race(work)
    assert errors == []
    assert len(set(completed_at)) == 1


def test_two_clinicians_assigning_the_same_module_at_once_make_one_assignment(
    require_services, patient
):
    module = PublishedModuleFactory()
    clinicians = ClinicianFactory.create_batch(THREADS)
    for clinician in clinicians:
        CareTeamMembershipFactory(clinician=clinician, patient=patient)

    def work(index, step):
        if step == "prepare":
            return clinicians[index]
        result = services.assignment_create_bulk(
            assigned_by=step, patient_ids=[patient.pk], module_ids=[module.pk]
        )
        return len(result.created), len(result.skipped)

    errors, outcomes = _race(work)
    assert errors == []
    assert Assignment.objects.filter(patient=patient, module=module).count() == 1
    assert sorted(outcomes) == [(0, 1)] * (THREADS - 1) + [(1, 0)]


def _bulk_queries(clinician, size):
    patients = PatientFactory.create_batch(size)
    CareTeamMembershipFactory._meta.model.objects.bulk_create(
        [CareTeamMembershipFactory.build(clinician=clinician, patient=p) for p in patients]
    )
    module = PublishedModuleFactory()
    with CaptureQueriesContext(connection) as queries:
        result = services.assignment_create_bulk(
            assigned_by=clinician, patient_ids=[p.pk for p in patients], module_ids=[module.pk]
        )
    assert len(result.created) == size
    return len(queries)


def test_bulk_assign_to_a_thousand_patients_runs_the_same_queries_as_to_two(require_services):
    assert _bulk_queries(ClinicianFactory(), 2) == _bulk_queries(ClinicianFactory(), 1000)
