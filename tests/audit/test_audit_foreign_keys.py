"""Audit rows name real people: the database holds the foreign keys, not only Django."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from apps.audit.models import AuditEvent
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_an_audit_row_whose_person_is_gone():
    patient = PatientFactory()
    AuditEvent.objects.create(
        actor=ClinicianFactory(), action="patient.view", subject_patient=patient
    )
    # Behind Django's back, as a script or a careless SQL session would; the constraints are
    # checked at commit, so here they are checked at once (and the savepoint undoes it all).
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_user WHERE id = %s", [patient.pk])
        connection.check_constraints(table_names=[AuditEvent._meta.db_table])


def test_django_still_refuses_to_delete_someone_the_trail_names():
    patient = PatientFactory()
    AuditEvent.objects.create(action="patient.view", subject_patient=patient)
    with pytest.raises(ProtectedError):
        patient.delete()
