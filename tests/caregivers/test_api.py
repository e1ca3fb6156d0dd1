"""The REST API for caregivers: the patient's reading, scoped to patients whose link is active,
with the `patient` filter; nothing of anyone else."""

import pytest
from django.urls import reverse

from apps.assignments.models import Assignment, CaregiverProgress, SectionProgress
from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from tests.factories import caregiver_link
from tests.library.factories import PublishedModuleFactory

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


def test_caregiver_cannot_finish_or_answer_the_patients_check(caregiver_client, assignment):
    for name in ("complete", "check"):
        url = reverse(f"api-assignment-{name}", args=[assignment.pk])
        response = caregiver_client.post(url, {"answers": [0, 0]}, content_type="application/json")
        assert response.status_code == 403, name
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.ASSIGNED


def _progress(client, assignment, section):
    return client.post(
        reverse("api-assignment-progress", args=[assignment.pk]),
        {"section": section},
        content_type="application/json",
    )


def test_caregiver_progress_is_their_own_not_the_patients(
    caregiver, caregiver_client, patient, assignment
):
    SectionProgress.objects.create(
        assignment=assignment, position=1, version=assignment.module.current_version
    )
    response = _progress(caregiver_client, assignment, 2)
    assert response.status_code == 200, response.content
    body = response.json()
    # The patient's progress as the patient sees it, and the caregiver's own beside it.
    assert [(s["position"], s["viewed"]) for s in body["sections"]] == [
        (1, True),
        (2, False),
        (3, False),
    ]
    assert body["sections_viewed"] == 1 and body["status"] == "assigned"
    assert body["caregiver_sections_viewed"] == [2]
    assert body["resume_position"] == 1  # where the caregiver left off: their section 1
    assert body["caregiver_reading"] is None  # never who else reads
    assert _progress(caregiver_client, assignment, 2).json()["caregiver_sections_viewed"] == [2]
    assert list(CaregiverProgress.objects.values_list("reader", "position")) == [(caregiver.pk, 2)]
    assert list(SectionProgress.objects.values_list("position", flat=True)) == [1]
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.ASSIGNED
    rows = AuditEvent.objects.filter(actor=caregiver, action="caregiver.reading_view")
    assert {(row.subject_patient_id, row.channel) for row in rows} == {(patient.pk, "api")}
    again = caregiver_client.get(reverse("api-assignment-detail", args=[assignment.pk])).json()
    assert again["caregiver_sections_viewed"] == [2]


def test_caregiver_progress_on_a_section_that_does_not_exist_is_400(caregiver_client, assignment):
    response = _progress(caregiver_client, assignment, 9)
    assert response.status_code == 400
    assert response.json() == {"section": ["There is no section 9 in this reading."]}
    assert not CaregiverProgress.objects.exists()


def test_caregiver_cannot_record_progress_on_another_patients_reading(
    caregiver_client, link, assignment, other_assignment
):
    assert _progress(caregiver_client, other_assignment, 1).status_code == 404
    CaregiverLink.objects.filter(pk=link.pk).update(status=CaregiverLink.Status.ENDED)
    assert _progress(caregiver_client, assignment, 1).status_code == 404
    assert not CaregiverProgress.objects.exists()


def test_staff_see_who_else_read_the_patient_sees_only_their_own(
    caregiver_client, assignment, clinician_client, patient_browser
):
    _progress(caregiver_client, assignment, 1)
    _progress(caregiver_client, assignment, 3)
    url = reverse("api-assignment-detail", args=[assignment.pk])
    staff = clinician_client.get(url).json()
    assert staff["caregiver_reading"] == [{"caregiver_name": "Alex Helper", "sections_viewed": 2}]
    assert staff["caregiver_sections_viewed"] is None
    own = patient_browser.get(url).json()
    assert own["caregiver_reading"] is None and own["caregiver_sections_viewed"] is None
    assert own["sections_viewed"] == 0


def test_me_says_whom_a_caregiver_reads_for(
    caregiver, caregiver_client, patient, other_patient, link, patient_browser
):
    link.can_ask_questions = True
    link.save()
    pending = caregiver_link(patient=other_patient, caregiver=caregiver)
    CaregiverLink.objects.filter(pk=pending.pk).update(status=CaregiverLink.Status.PENDING)
    me = caregiver_client.get(reverse("api-me")).json()
    assert me["role"] == "caregiver"
    assert me["reading_for"] == [
        {
            "patient": patient.pk,
            "patient_name": "Pat Patient",
            "can_ask_questions": True,
            "receives_reminders": False,
        }
    ]
    assert patient_browser.get(reverse("api-me")).json()["reading_for"] == []


def test_caregiver_of_two_sees_both_and_filters(
    caregiver_client, caregiver, other_patient, assignment, other_assignment
):
    caregiver_link(patient=other_patient, caregiver=caregiver)
    rows = caregiver_client.get(reverse("api-assignment-list")).json()["results"]
    assert {row["id"] for row in rows} == {assignment.pk, other_assignment.pk}
    only = caregiver_client.get(reverse("api-assignment-list"), {"patient": other_patient.pk})
    assert [row["id"] for row in only.json()["results"]] == [other_assignment.pk]


def test_caregiver_reads_the_modules_assigned_to_their_patient_only(
    caregiver_client, link, assignment, other_patient, other_clinician
):
    other_assignment = Assignment.objects.create(
        patient=other_patient,
        module=PublishedModuleFactory(title="Another patient's module"),
        assigned_by=other_clinician,
    )
    slugs = [
        row["slug"] for row in caregiver_client.get(reverse("api-module-list")).json()["results"]
    ]
    assert slugs == [assignment.module.slug]
    detail = caregiver_client.get(reverse("api-module-detail", args=[assignment.module.slug]))
    assert detail.status_code == 200
    # Like the patient, the caregiver gets the check questions without the right answers.
    assert detail.json()["checks"]
    assert all("answer" not in check for check in detail.json()["checks"])
    other_url = reverse("api-module-detail", args=[other_assignment.module.slug])
    assert caregiver_client.get(other_url).status_code == 404
    CaregiverLink.objects.filter(pk=link.pk).update(status=CaregiverLink.Status.ENDED)
    assert caregiver_client.get(reverse("api-module-list")).json()["results"] == []
