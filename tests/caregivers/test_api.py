"""The REST API for caregivers: the patient's reading, scoped to patients whose link is active,
with the `patient` filter; nothing of anyone else."""

import pytest
from django.urls import reverse

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from tests.factories import caregiver_link

pytestmark = pytest.mark.django_db


def test_caregiver_lists_and_reads_the_patients_assignments(
    caregiver_client, caregiver, patient, assignment, other_assignment
):
    rows = caregiver_client.get(reverse("api-assignment-list")).json()["results"]
    assert [row["id"] for row in rows] == [assignment.pk]
    assert rows[0]["patient"] == patient.pk
    filtered = caregiver_client.get(reverse("api-assignment-list"), {"patient": patient.pk})
    assert [row["id"] for row in filtered.json()["results"]] == [assignment.pk]
    # Another patient's id in the filter gives nothing, not their reading.
    other = caregiver_client.get(
        reverse("api-assignment-list"), {"patient": other_assignment.patient_id}
    )
    assert other.json()["results"] == []
    detail = caregiver_client.get(reverse("api-assignment-detail", args=[assignment.pk]))
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(actor=caregiver, subject_patient=patient).exists()
    assert (
        caregiver_client.get(
            reverse("api-assignment-detail", args=[other_assignment.pk])
        ).status_code
        == 404
    )


def test_cancelled_and_ended_give_nothing(caregiver_client, link, assignment):
    assignment.status = Assignment.Status.CANCELLED
    assignment.save()
    assert caregiver_client.get(reverse("api-assignment-list")).json()["results"] == []
    url = reverse("api-assignment-detail", args=[assignment.pk])
    assert caregiver_client.get(url).status_code == 404
    assignment.status = Assignment.Status.ASSIGNED
    assignment.save()
    assert caregiver_client.get(url).status_code == 200
    CaregiverLink.objects.filter(pk=link.pk).update(status=CaregiverLink.Status.ENDED)
    assert caregiver_client.get(url).status_code == 404
    assert caregiver_client.get(reverse("api-assignment-list")).json()["results"] == []


def test_caregiver_cannot_write_the_patients_reading(caregiver_client, assignment):
    for name in ("progress", "complete", "check"):
        url = reverse(f"api-assignment-{name}", args=[assignment.pk])
        response = caregiver_client.post(url, {}, content_type="application/json")
        assert response.status_code == 403, name


def test_caregiver_of_two_sees_both_and_filters(
    caregiver_client, caregiver, other_patient, assignment, other_assignment
):
    caregiver_link(patient=other_patient, caregiver=caregiver)
    rows = caregiver_client.get(reverse("api-assignment-list")).json()["results"]
    assert {row["id"] for row in rows} == {assignment.pk, other_assignment.pk}
    only = caregiver_client.get(reverse("api-assignment-list"), {"patient": other_patient.pk})
    assert [row["id"] for row in only.json()["results"]] == [other_assignment.pk]
