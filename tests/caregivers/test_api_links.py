"""The REST API for managing caregivers (/api/v1/caregivers/): the patient is in charge, the
care team sees and may invite (with the patient's consent), a caregiver sees none of it."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.caregivers import services
from apps.caregivers.models import CaregiverLink
from tests.factories import AdminFactory, CaregiverFactory, caregiver_link, ensure_mfa

from .conftest import caregiver_client_for

pytestmark = pytest.mark.django_db

LIST = reverse("api-caregiver-list")
HELPER = {"name": "Sam Helper", "email": "Sam@Example.org"}


def detail(link) -> str:
    return reverse("api-caregiver-detail", args=[link.pk])


def confirm(link) -> str:
    return reverse("api-caregiver-confirm", args=[link.pk])


def logged_in(user) -> Client:
    if user.is_staff_role:
        ensure_mfa(user)
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def audit_rows(action: str):
    return list(AuditEvent.objects.filter(action=action).values_list("actor_id", "channel"))


@pytest.fixture
def other_link(other_patient):
    return caregiver_link(patient=other_patient, caregiver=CaregiverFactory(name="Otto"))


# --- Listing and reading --------------------------------------------------------------------


def test_patient_lists_their_own_caregivers_ended_ones_included(
    patient, patient_browser, link, other_link
):
    ended = caregiver_link(patient=patient, caregiver=CaregiverFactory(name="Eddie"))
    services.caregiver_end(link=ended, actor=patient)
    rows = patient_browser.get(LIST).json()["results"]
    assert {(row["id"], row["status"]) for row in rows} == {
        (link.pk, "active"),
        (ended.pk, "ended"),
    }
    only_active = patient_browser.get(LIST, {"status": "active"}).json()["results"]
    assert [row["id"] for row in only_active] == [link.pk]
    assert patient_browser.get(detail(link)).json()["name"] == "Alex Helper"
    assert patient_browser.get(detail(other_link)).status_code == 404


def test_clinician_sees_their_care_teams_caregivers_and_filters_by_patient(
    patient, other_patient, clinician, link, other_link
):
    client = logged_in(clinician)
    rows = client.get(LIST).json()["results"]
    assert [row["id"] for row in rows] == [link.pk]
    assert client.get(LIST, {"patient": patient.pk}).json()["results"][0]["id"] == link.pk
    assert client.get(LIST, {"patient": other_patient.pk}).json()["results"] == []
    assert client.get(detail(other_link)).status_code == 404
    assert client.get(detail(link)).status_code == 200
    # Staff looking at a patient's caregivers is recorded for that patient, channel api.
    assert set(audit_rows("caregiver.view")) == {(clinician.pk, "api")}
    assert AuditEvent.objects.filter(action="caregiver.view", subject_patient=patient).count() == 3


def test_admin_sees_everyones_caregivers(link, other_link):
    rows = logged_in(AdminFactory()).get(LIST).json()["results"]
    assert {row["id"] for row in rows} == {link.pk, other_link.pk}


def test_a_caregiver_never_sees_or_changes_caregivers(caregiver, patient, link):
    ended_caregiver = CaregiverFactory()
    ended = caregiver_link(patient=patient, caregiver=ended_caregiver)
    services.caregiver_end(link=ended, actor=patient)
    for client in (
        caregiver_client_for(caregiver, patient),
        caregiver_client_for(ended_caregiver, patient),
    ):
        assert client.get(LIST).status_code == 403
        assert client.get(detail(link)).status_code == 403
        assert post(client, LIST, {**HELPER, "patient": patient.pk}).status_code == 403
        assert patch(client, detail(link), {"can_ask_questions": True}).status_code == 403
        assert client.delete(detail(link)).status_code == 403
        assert post(client, confirm(link)).status_code == 403
    link.refresh_from_db()
    assert link.is_active and not link.can_ask_questions
    assert CaregiverLink.objects.count() == 2


# --- Inviting ---------------------------------------------------------------------------------


def test_patient_invites_and_the_invitation_is_emailed_and_audited(
    patient, patient_browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(patient_browser, LIST, {**HELPER, "can_ask_questions": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["waiting_for"] == "caregiver_acceptance"
    assert (body["email"], body["can_ask_questions"], body["receives_reminders"]) == (
        "sam@example.org",
        True,
        False,
    )
    assert mail.outbox[-1].to == ["sam@example.org"]
    assert audit_rows("caregiver.invite") == [(patient.pk, "api")]


def test_clinician_invitation_waits_for_the_patient_to_confirm(
    patient, clinician, patient_browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(logged_in(clinician), LIST, {**HELPER, "patient": patient.pk})
    assert response.status_code == 201, response.content
    assert response.json()["waiting_for"] == "patient_confirmation"
    assert mail.outbox == []  # nothing is sent before the patient agrees
    link = CaregiverLink.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = post(patient_browser, confirm(link))
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["waiting_for"] == "caregiver_acceptance"
    assert mail.outbox[-1].to == ["sam@example.org"]
    again = post(patient_browser, confirm(link))
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["There is nothing to confirm for this person."]}
    assert audit_rows("caregiver.invite") == [(clinician.pk, "api")]
    assert audit_rows("caregiver.confirm") == [(patient.pk, "api")]
    # The clinician may not confirm for the patient.
    assert post(logged_in(clinician), confirm(link)).status_code == 403


def test_a_patient_cannot_grant_access_to_someone_elses_record(
    patient, other_patient, patient_browser
):
    response = post(patient_browser, LIST, {**HELPER, "patient": other_patient.pk})
    assert response.status_code == 404
    assert post(patient_browser, LIST, {**HELPER, "patient": 987654}).status_code == 404
    assert not CaregiverLink.objects.exists()
    # Their own id is the same as leaving it out.
    mine = post(patient_browser, LIST, {**HELPER, "patient": patient.pk})
    assert mine.status_code == 201 and mine.json()["patient"] == patient.pk


def test_clinician_cannot_invite_outside_their_care_team(clinician, other_patient):
    client = logged_in(clinician)
    assert post(client, LIST, {**HELPER, "patient": other_patient.pk}).status_code == 404
    assert post(client, LIST, HELPER).json() == {
        "patient": ["Give the id of the patient the invitation is for."]
    }
    assert not CaregiverLink.objects.exists()


def test_invitation_mistakes_get_messages_per_field(patient, patient_browser, link):
    own = post(patient_browser, LIST, {"name": "Me", "email": patient.email})
    assert own.status_code == 400 and "patient's own email" in own.json()["email"][0]
    again = post(patient_browser, LIST, {"name": "Alex", "email": "ALEX@example.org"})
    assert again.status_code == 400 and "already invited" in again.json()["email"][0]
    bad = post(patient_browser, LIST, {"name": "  ", "email": "not an address"})
    assert bad.status_code == 400 and set(bad.json()) == {"name", "email"}
    assert CaregiverLink.objects.count() == 1


def test_too_many_invitations_in_an_hour_is_429(patient_browser, settings):
    settings.INVITATION_RATE_LIMIT = (1, 3600)
    assert post(patient_browser, LIST, HELPER).status_code == 201
    refused = post(patient_browser, LIST, {"name": "Kim", "email": "kim@example.org"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert CaregiverLink.objects.count() == 1


# --- Changing and ending ---------------------------------------------------------------------


def test_patient_changes_what_a_caregiver_may_do(patient, patient_browser, link):
    response = patch(patient_browser, detail(link), {"can_ask_questions": True})
    assert response.status_code == 200, response.content
    assert (response.json()["can_ask_questions"], response.json()["receives_reminders"]) == (
        True,
        False,
    )
    patch(patient_browser, detail(link), {"receives_reminders": True})
    link.refresh_from_db()
    assert (link.can_ask_questions, link.receives_reminders) == (True, True)
    assert audit_rows("caregiver.update") == [(patient.pk, "api"), (patient.pk, "api")]


def test_only_the_patient_changes_a_caregiver_and_an_ended_one_cannot_change(
    patient, clinician, patient_browser, link
):
    assert patch(logged_in(clinician), detail(link), {"can_ask_questions": True}).status_code == 403
    assert (
        patch(logged_in(AdminFactory()), detail(link), {"can_ask_questions": True}).status_code
        == 403
    )
    services.caregiver_end(link=link, actor=patient)
    ended = patch(patient_browser, detail(link), {"can_ask_questions": True})
    assert ended.status_code == 400
    assert "access has ended" in ended.json()["non_field_errors"][0]


def test_ids_of_another_patients_caregivers_are_404(patient_browser, other_link):
    assert patient_browser.get(detail(other_link)).status_code == 404
    assert (
        patch(patient_browser, detail(other_link), {"can_ask_questions": True}).status_code == 404
    )
    assert patient_browser.delete(detail(other_link)).status_code == 404
    assert post(patient_browser, confirm(other_link)).status_code == 404
    assert patient_browser.get(reverse("api-caregiver-detail", args=[2**70])).status_code == 404
    other_link.refresh_from_db()
    assert other_link.is_active and not other_link.can_ask_questions


def test_ending_locks_the_caregiver_out_at_once(
    patient, other_patient, caregiver, patient_browser, link, assignment
):
    # Still helping someone else: logged in, but this patient's reading is gone (404).
    caregiver_link(patient=other_patient, caregiver=caregiver)
    helper = caregiver_client_for(caregiver, patient)
    reading = reverse("api-assignment-detail", args=[assignment.pk])
    assert helper.get(reading).status_code == 200
    assert patient_browser.delete(detail(link)).status_code == 204
    assert helper.get(reading).status_code == 404
    me = helper.get(reverse("api-me")).json()
    assert [row["patient"] for row in me["reading_for"]] == [other_patient.pk]
    link.refresh_from_db()
    assert (link.status, link.ended_by) == (CaregiverLink.Status.ENDED, patient)
    assert audit_rows("caregiver.end") == [(patient.pk, "api")]
    # Ended stays ended: a second DELETE changes nothing, and the row stays as history.
    assert patient_browser.delete(detail(link)).status_code == 204
    assert patient_browser.get(detail(link)).json()["status"] == "ended"


def test_an_admin_may_end_a_caregivers_access_but_a_clinician_may_not(clinician, link):
    assert logged_in(clinician).delete(detail(link)).status_code == 403
    admin = AdminFactory()
    assert logged_in(admin).delete(detail(link)).status_code == 204
    link.refresh_from_db()
    assert link.status == CaregiverLink.Status.ENDED
    assert audit_rows("caregiver.end") == [(admin.pk, "api")]


def test_ending_a_caregivers_last_link_ends_their_sessions(
    patient, caregiver, patient_browser, link, assignment
):
    helper = caregiver_client_for(caregiver, patient)
    assert helper.get(reverse("api-assignment-list")).status_code == 200
    assert patient_browser.delete(detail(link)).status_code == 204
    assert helper.get(reverse("api-assignment-detail", args=[assignment.pk])).status_code == 401
