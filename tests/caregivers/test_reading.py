"""A caregiver reads for the patient they chose, through an active link checked on every
request; their reading is their own, and the patient stays in charge."""

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from apps.assignments.models import Assignment, CaregiverProgress, SectionProgress
from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from apps.caregivers.selectors import SESSION_KEY
from tests.factories import CaregiverFactory, caregiver_link

from .conftest import caregiver_client_for

pytestmark = pytest.mark.django_db


def _section(assignment, position=1):
    return reverse(
        "assignments:reading_section",
        kwargs={"assignment_id": assignment.pk, "position": position},
    )


def test_caregiver_reading_is_recorded_as_theirs_not_the_patients(
    caregiver, caregiver_client, assignment, clinician_client, patient
):
    page = caregiver_client.get(_section(assignment, 2))
    assert page.status_code == 200
    body = page.content.decode()
    assert "You are reading for Pat Patient" in body
    # No check, no "ask" for a caregiver without that permission.
    assert reverse("assignments:reading_check", args=[assignment.pk]) not in body
    assert not SectionProgress.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.ASSIGNED
    assert list(
        CaregiverProgress.objects.filter(assignment=assignment).values_list("reader", "position")
    ) == [(caregiver.pk, 2)]

    detail = clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))
    text = detail.content.decode()
    assert "read by their caregiver Alex Helper: 1 of" in text
    assert "Alex Helper (alex@example.org)" in text


def test_reading_all_counts_every_section_for_the_caregiver_only(
    caregiver, caregiver_client, assignment
):
    response = caregiver_client.post(reverse("assignments:reading_all", args=[assignment.pk]))
    assert response.url == reverse("assignments:my_reading")
    assert CaregiverProgress.objects.filter(reader=caregiver).count() == 3
    assert not SectionProgress.objects.exists()


def test_caregiver_views_show_in_who_viewed_my_record(
    caregiver_client, assignment, patient_browser
):
    caregiver_client.get(_section(assignment))
    page = patient_browser.get(reverse("records:my_record_access")).content.decode()
    assert "Alex Helper" in page
    assert "Your helper read something you were given" in page


def test_the_check_and_completion_stay_the_patients(caregiver_client, assignment):
    assert (
        caregiver_client.get(reverse("assignments:reading_check", args=[assignment.pk])).status_code
        == 403
    )
    response = caregiver_client.post(reverse("assignments:reading_complete", args=[assignment.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "caregivers:people",
        "records:my_record_access",
        "records:my_record_export",
        "records:my_record_export_json",
        "assignments:my_patients",
    ],
)
def test_never_the_patients_settings_audit_export_or_caregivers(caregiver_client, name):
    assert caregiver_client.get(reverse(name)).status_code == 403


def test_a_caregiver_cannot_reach_another_patient_by_changing_ids(
    caregiver_client, other_patient, other_assignment, assignment
):
    assert caregiver_client.get(_section(other_assignment)).status_code == 404
    for name in ("reading_start", "reading_all", "reading_print"):
        url = reverse(f"assignments:{name}", args=[other_assignment.pk])
        assert caregiver_client.get(url).status_code == 404, name
    assert (
        caregiver_client.post(
            reverse("assignments:reading_all", args=[other_assignment.pk])
        ).status_code
        == 404
    )
    # Choosing another patient by id: 404, and the choice is unchanged.
    response = caregiver_client.post(reverse("caregivers:choose"), {"patient": other_patient.pk})
    assert response.status_code == 404
    response = caregiver_client.post(reverse("caregivers:choose"), {"patient": "x"})
    assert response.status_code == 400
    assert caregiver_client.get(_section(assignment)).status_code == 200
    assert not CaregiverProgress.objects.filter(assignment=other_assignment).exists()


def test_a_session_pointing_at_another_patient_gives_nothing(
    caregiver, other_patient, link, other_assignment
):
    client = caregiver_client_for(caregiver, other_patient)
    assert client.get(_section(other_assignment)).status_code == 404
    assert client.get(reverse("assignments:my_reading")).url == reverse("caregivers:choose")
    assert SESSION_KEY not in client.session


def test_ending_access_locks_the_caregiver_out_at_once(
    caregiver, caregiver_client, patient, patient_browser, link, assignment
):
    assert caregiver_client.get(_section(assignment)).status_code == 200
    UserSession.objects.create(user=caregiver, ip="127.0.0.1", session_key="c" * 32, user_agent="t")
    response = patient_browser.post(reverse("caregivers:person_end", args=[link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == "ended" and link.ended_by == patient
    assert AuditEvent.objects.filter(
        actor=patient, action="caregiver.end", subject_patient=patient
    ).exists()
    # Their last patient: every session of theirs ends.
    assert not UserSession.objects.filter(user=caregiver).exists()
    # The browser they were reading in is logged out.
    response = caregiver_client.get(_section(assignment))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    # A session the list did not know of is still refused: the link is checked per request.
    fresh = caregiver_client_for(caregiver, patient)
    assert fresh.get(_section(assignment)).status_code == 404
    assert fresh.get(reverse("assignments:my_reading")).url == reverse("caregivers:choose")
    choose = fresh.get(reverse("caregivers:choose")).content.decode()
    assert "Pat Patient" not in choose


def test_a_caregiver_of_two_keeps_the_other(
    caregiver, patient, other_patient, link, other_assignment, patient_browser
):
    caregiver_link(patient=other_patient, caregiver=caregiver)
    client = caregiver_client_for(caregiver, other_patient)
    UserSession.objects.create(user=caregiver, ip="127.0.0.1", session_key="c" * 32, user_agent="t")
    patient_browser.post(reverse("caregivers:person_end", args=[link.pk]))
    assert UserSession.objects.filter(user=caregiver).exists()
    assert client.get(_section(other_assignment)).status_code == 200


def test_patient_changes_permissions_and_it_is_audited(patient, patient_browser, link):
    prefix = f"link{link.pk}"
    response = patient_browser.post(
        reverse("caregivers:person_update", args=[link.pk]),
        {f"{prefix}-can_ask_questions": "on", f"{prefix}-receives_reminders": "on"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.can_ask_questions and link.receives_reminders
    assert AuditEvent.objects.filter(actor=patient, action="caregiver.update").exists()
    page = patient_browser.get(reverse("caregivers:people")).content.decode()
    assert "Alex Helper (alex@example.org)" in page


def test_a_patient_cannot_change_or_end_another_patients_caregiver(other_patient, patient_browser):
    theirs = caregiver_link(patient=other_patient, caregiver=CaregiverFactory())
    for name in ("person_update", "person_end", "person_confirm"):
        response = patient_browser.post(reverse(f"caregivers:{name}", args=[theirs.pk]))
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == CaregiverLink.Status.ACTIVE


def test_caregiver_with_one_patient_lands_on_their_reading(caregiver, link, patient):
    client = Client()
    client.force_login(caregiver)
    assert client.get(reverse("home")).url == reverse("assignments:my_reading")
    assert client.get(reverse("assignments:my_reading")).url == reverse("caregivers:choose")
    assert client.get(reverse("caregivers:choose")).url == reverse("assignments:my_reading")
    page = client.get(reverse("assignments:my_reading")).content.decode()
    assert "Reading for Pat Patient" in page
    assert AuditEvent.objects.filter(actor=caregiver, action="caregiver.reading_list").exists()


def test_a_pending_link_gives_nothing(caregiver, patient, assignment):
    caregiver_link(patient=patient, caregiver=caregiver, status="pending", activated_at=None)
    client = caregiver_client_for(caregiver, patient)
    assert client.get(_section(assignment)).status_code == 404
