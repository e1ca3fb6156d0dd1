"""audit_log_many: the rows a list or an export writes, one per patient (and object) seen.

On PostgreSQL they go in as one INSERT ... SELECT unnest(...), elsewhere through
bulk_create; either way the rows must be the ones audit_log would have written.
"""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import audit_log_many
from tests.assignments.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


COLUMNS = ("actor_id", "action", "subject_patient_id", "object_type", "object_id", "channel", "ip")


def _rows(columns=COLUMNS):
    return list(AuditEvent.objects.order_by("id").values_list(*columns))


def test_one_row_per_patient_and_object_with_who_when_and_where(clinician, patient, other_patient):
    assignment = AssignmentFactory(patient=patient)
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    before = timezone.now()
    audit_log_many(
        actor=clinician,
        action="patient_list.view",
        entries=[(patient.pk, None), (other_patient.pk, None), (patient.pk, None)],
        request=request,
    )
    audit_log_many(
        actor=clinician,
        action="assignment.create",
        entries=[(patient.pk, assignment), (clinician.pk, None)],
        channel="api",
    )
    assert _rows() == [
        (clinician.pk, "patient_list.view", patient.pk, "", "", "web", "192.0.2.7"),
        (clinician.pk, "patient_list.view", other_patient.pk, "", "", "web", "192.0.2.7"),
        (
            clinician.pk,
            "assignment.create",
            patient.pk,
            "assignments.assignment",
            str(assignment.pk),
            "api",
            None,
        ),
    ]
    assert all(
        before <= at <= timezone.now() for at in AuditEvent.objects.values_list("at", flat=True)
    )


def test_nothing_to_record_writes_nothing(clinician):
    audit_log_many(actor=clinician, action="patient_list.view", entries=[])
    audit_log_many(actor=clinician, action="patient_list.view", entries=[(clinician.pk, None)])
    assert AuditEvent.objects.count() == 0


def test_objects_that_differ_row_to_row_and_one_object_for_every_row(
    clinician, patient, other_patient
):
    """On PostgreSQL the objects go in as arrays when they differ and as one value when every
    row shares one; the rows are the same either way."""
    first = AssignmentFactory(patient=patient)
    second = AssignmentFactory(patient=other_patient)
    audit_log_many(
        actor=clinician,
        action="assignment.cancel",
        entries=[(patient.pk, first), (other_patient.pk, second)],
    )
    audit_log_many(
        actor=clinician,
        action="module_results.view",
        entries=[(patient.pk, first.module), (other_patient.pk, first.module)],
    )
    module = ("library.module", str(first.module.pk))
    assert _rows(COLUMNS[:5]) == [
        (clinician.pk, "assignment.cancel", patient.pk, "assignments.assignment", str(first.pk)),
        (
            clinician.pk,
            "assignment.cancel",
            other_patient.pk,
            "assignments.assignment",
            str(second.pk),
        ),
        (clinician.pk, "module_results.view", patient.pk, *module),
        (clinician.pk, "module_results.view", other_patient.pk, *module),
    ]


def test_a_person_with_audit_rows_cannot_be_deleted(clinician, patient):
    """The audit table has no foreign-key constraints in the database (they locked both
    people's rows for every row written); Django's PROTECT still keeps the people it names."""
    from django.db.models import ProtectedError

    audit_log_many(actor=clinician, action="patient_list.view", entries=[(patient.pk, None)])
    for person in (patient, clinician):
        with pytest.raises(ProtectedError):
            person.delete()
    assert AuditEvent.objects.filter(actor=clinician, subject_patient=patient).count() == 1
