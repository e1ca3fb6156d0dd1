"""Assigning reading in bulk, cancelling, and asking to re-read."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments import selectors, services
from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.library.models import Module
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import ModuleFactory, PublishedModuleFactory, publish_version

pytestmark = pytest.mark.django_db


def _bulk(clinician, patients, modules, **kwargs):
    return services.assignment_create_bulk(
        assigned_by=clinician,
        patient_ids=[p.pk for p in patients],
        module_ids=[m.pk for m in modules],
        **kwargs,
    )


def _team(clinician, size):
    patients = PatientFactory.create_batch(size)
    for patient in patients:
        CareTeamMembershipFactory(clinician=clinician, patient=patient)
    return patients


def test_bulk_assign_creates_every_pair_with_date_and_note(clinician, patient):
    second = _team(clinician, 1)[0]
    modules = PublishedModuleFactory.create_batch(2)
    result = _bulk(
        clinician,
        [patient, second],
        modules,
        due_on=date(2099, 1, 31),
        note="  Read before Monday  ",
    )
    assert len(result.created) == 4
    assert result.skipped == []
    assignment = Assignment.objects.get(patient=patient, module=modules[0])
    assert assignment.status == Assignment.Status.ASSIGNED
    assert assignment.assigned_by == clinician
    assert assignment.due_on == date(2099, 1, 31)
    assert assignment.note == "Read before Monday"


def test_module_already_open_is_reported_not_duplicated(clinician, patient):
    module, other = PublishedModuleFactory.create_batch(2)
    existing = AssignmentFactory(patient=patient, module=module, status="in_progress")
    result = _bulk(clinician, [patient], [module, other])
    assert [a.pk for a in result.skipped] == [existing.pk]
    assert [a.module for a in result.created] == [other]
    assert Assignment.objects.filter(patient=patient, module=module).count() == 1


def test_finished_module_can_be_assigned_again(clinician, patient):
    module = PublishedModuleFactory()
    AssignmentFactory(patient=patient, module=module, status="completed")
    result = _bulk(clinician, [patient], [module])
    assert len(result.created) == 1


def test_single_assign_of_an_open_module_is_refused(clinician, patient):
    module = PublishedModuleFactory()
    services.assignment_create(assigned_by=clinician, patient_id=patient.pk, module_id=module.pk)
    with pytest.raises(ValidationError, match="already has this reading open"):
        services.assignment_create(
            assigned_by=clinician, patient_id=patient.pk, module_id=module.pk
        )


@time_machine.travel(datetime(2030, 3, 10, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_due_date_in_the_past_is_refused(clinician, patient):
    with pytest.raises(ValidationError) as error:
        _bulk(clinician, [patient], [PublishedModuleFactory()], due_on=date(2030, 3, 9))
    assert error.value.message_dict["due_on"] == [
        "The date to read by can't be in the past. Choose today or a later date."
    ]
    assert not Assignment.objects.exists()


@time_machine.travel(datetime(2030, 3, 10, 2, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_due_date_is_judged_in_the_patients_time_zone(clinician, patient):
    # 02:00 UTC on 10 March is still 9 March in New York, but already 10 March in Tokyo.
    patient.timezone = "America/New_York"
    patient.save()
    module = PublishedModuleFactory()
    assert len(_bulk(clinician, [patient], [module], due_on=date(2030, 3, 9)).created) == 1

    tokyo = _team(clinician, 1)[0]
    tokyo.timezone = "Asia/Tokyo"
    tokyo.save()
    with pytest.raises(ValidationError, match="can't be in the past"):
        _bulk(clinician, [tokyo], [module], due_on=date(2030, 3, 9))


def test_note_longer_than_500_characters_is_refused(clinician, patient):
    with pytest.raises(ValidationError) as error:
        _bulk(clinician, [patient], [PublishedModuleFactory()], note="x" * 501)
    assert "at most 500 characters" in error.value.message_dict["note"][0]


def test_patient_outside_the_care_team_cannot_be_assigned(clinician, other_patient):
    with pytest.raises(ValidationError, match="from your care team"):
        _bulk(clinician, [other_patient], [PublishedModuleFactory()])
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("status", [Module.Status.DRAFT, Module.Status.RETIRED])
def test_unpublished_or_retired_module_cannot_be_assigned(clinician, patient, status):
    module = ModuleFactory(status=status)
    if status == Module.Status.RETIRED:
        publish_version(module)
        module.status = status
        module.save()
    with pytest.raises(ValidationError, match="Choose published readings"):
        _bulk(clinician, [patient], [module])


def test_empty_choice_says_what_is_missing(clinician):
    with pytest.raises(ValidationError) as error:
        services.assignment_create_bulk(assigned_by=clinician, patient_ids=[], module_ids=[])
    assert error.value.message_dict == {
        "patients": ["Choose at least one patient."],
        "modules": ["Choose at least one reading."],
    }


def test_bulk_assign_writes_one_audit_row_per_new_assignment(clinician, patient):
    second = _team(clinician, 1)[0]
    module = PublishedModuleFactory()
    AssignmentFactory(patient=second, module=module)
    result = _bulk(clinician, [patient, second], [module])
    events = AuditEvent.objects.filter(action="assignment.create")
    assert [(e.actor, e.subject_patient, e.object_id, e.channel) for e in events] == [
        (clinician, patient, str(result.created[0].pk), "web")
    ]


def _queries_for_bulk(clinician, size):
    patients = _team(clinician, size)
    modules = PublishedModuleFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        result = _bulk(clinician, patients, modules)
    assert len(result.created) == size * 2
    return len(queries)


def test_bulk_assign_query_count_does_not_grow_with_patients(clinician):
    # SQLite splits bulk inserts into batches of about 60 rows; 30 rows stay in one batch.
    # The 1,000-patient case runs on PostgreSQL in test_concurrency.py.
    assert _queries_for_bulk(clinician, 2) == _queries_for_bulk(clinician, 15)


# --- cancelling -------------------------------------------------------------------------------


def test_cancel_hides_the_assignment_from_the_patient_and_keeps_it(clinician, patient):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)
    services.assignment_cancel(assignment=assignment, cancelled_by=clinician)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    assert assignment.cancelled_by == clinician
    assert assignment.cancelled_at is not None
    assert not selectors.assignment_list_for_patient(patient=patient).exists()
    assert list(selectors.assignment_list_for_user(user=clinician)) == [assignment]
    assert AuditEvent.objects.filter(
        action="assignment.cancel", subject_patient=patient, object_id=str(assignment.pk)
    ).exists()


def test_cancelled_module_can_be_assigned_again(clinician, patient):
    assignment = AssignmentFactory(patient=patient)
    services.assignment_cancel(assignment=assignment, cancelled_by=clinician)
    assert len(_bulk(clinician, [patient], [assignment.module]).created) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [("completed", "already finished"), ("cancelled", "was cancelled")],
)
def test_only_open_assignments_can_be_cancelled(clinician, patient, status, message):
    assignment = AssignmentFactory(patient=patient, status=status)
    with pytest.raises(ValidationError, match=message):
        services.assignment_cancel(assignment=assignment, cancelled_by=clinician)
    assignment.refresh_from_db()
    assert assignment.status == status


def test_update_changes_date_and_note_of_open_assignment(clinician, patient):
    assignment = AssignmentFactory(patient=patient)
    services.assignment_update(
        assignment=assignment, updated_by=clinician, due_on=date(2099, 5, 1), note="Soon"
    )
    assignment.refresh_from_db()
    assert (assignment.due_on, assignment.note) == (date(2099, 5, 1), "Soon")
    with pytest.raises(ValidationError, match="in the past"):
        services.assignment_update(
            assignment=assignment, updated_by=clinician, due_on=date(2000, 1, 1)
        )


# --- re-reading after a re-publish ------------------------------------------------------------


def _completed(patient, module):
    assignment = AssignmentFactory(
        patient=patient,
        module=module,
        status="completed",
        completed_version=module.current_version,
    )
    for position in range(1, module.current_version.section_count + 1):
        SectionProgressFactory(assignment=assignment, position=position)
    return assignment


def test_reread_after_republish_opens_a_new_assignment(clinician, patient):
    module = PublishedModuleFactory()
    finished = _completed(patient, module)
    publish_version(module, sections=4)
    new = services.assignment_request_reread(assignment=finished, requested_by=clinician)
    finished.refresh_from_db()
    assert finished.status == Assignment.Status.COMPLETED
    assert finished.reread_requested_at is not None
    assert new.status == Assignment.Status.ASSIGNED
    assert new.module == module and new.patient == patient
    assert AuditEvent.objects.filter(action="assignment.reread_request").count() == 1


def test_reread_is_refused_when_nothing_changed(clinician, patient):
    finished = _completed(patient, PublishedModuleFactory())
    with pytest.raises(ValidationError, match="has not changed"):
        services.assignment_request_reread(assignment=finished, requested_by=clinician)


def test_reread_is_refused_while_the_module_is_open(clinician, patient):
    module = PublishedModuleFactory()
    finished = _completed(patient, module)
    publish_version(module, sections=4)
    services.assignment_request_reread(assignment=finished, requested_by=clinician)
    with pytest.raises(ValidationError, match="already has this reading open"):
        services.assignment_request_reread(assignment=finished, requested_by=clinician)


def test_reread_is_only_for_finished_reading(clinician, patient):
    with pytest.raises(ValidationError, match="Only a finished reading"):
        services.assignment_request_reread(
            assignment=AssignmentFactory(patient=patient), requested_by=clinician
        )
