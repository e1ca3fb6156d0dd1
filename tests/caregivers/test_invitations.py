"""Inviting a caregiver: by the patient, or by a clinician with the patient's agreement;
accepting once, with a one-time, hashed, expiring link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Invitation, User
from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from apps.caregivers.selectors import SESSION_KEY
from tests.factories import CaregiverFactory, caregiver_link

pytestmark = pytest.mark.django_db

PASSWORD = "a long sunny walk"


def _invite(client, **data):
    values = {"name": "Alex Helper", "email": "alex@example.org"} | data
    return client.post(reverse("caregivers:people"), values)


def _accept_url_from_last_email() -> str:
    match = re.search(r"http://\S+/helper-invite/(\S+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return reverse("caregivers:accept", kwargs={"token": match.group(1)})


def test_patient_invites_and_the_caregiver_accepts(
    patient, patient_browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(patient_browser, can_ask_questions="on")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["alex@example.org"]
    assert "Pat Patient" in mail.outbox[-1].body
    link = CaregiverLink.objects.get(patient=patient)
    assert (link.status, link.can_ask_questions, link.receives_reminders) == (
        "pending",
        True,
        False,
    )
    # Only a hash of the token is kept.
    url = _accept_url_from_last_email()
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token not in link.invitation.token_hash

    visitor = Client()
    page = visitor.get(url)
    assert page.status_code == 200
    assert "Pat Patient" in page.content.decode()
    response = visitor.post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    caregiver = User.objects.get(email="alex@example.org")
    assert caregiver.role == User.Role.CAREGIVER
    link.refresh_from_db()
    assert link.status == "active" and link.caregiver == caregiver
    assert visitor.session[SESSION_KEY] == patient.pk
    reading = visitor.get(reverse("assignments:my_reading"))
    assert "You are reading for Pat Patient" in reading.content.decode()
    assert AuditEvent.objects.filter(
        actor=caregiver, action="caregiver.accept", subject_patient=patient
    ).exists()
    assert AuditEvent.objects.filter(
        actor=patient, action="caregiver.invite", subject_patient=patient
    ).exists()

    # One use only.
    again = Client().get(url)
    assert again.status_code == 410


def test_a_caregiver_link_never_opens_the_patient_invitation_page_nor_the_other_way(
    patient, patient_browser, clinician_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(patient_browser)
    caregiver_url = _accept_url_from_last_email()
    token = caregiver_url.rstrip("/").rsplit("/", 1)[-1]
    assert Client().get(reverse("accounts:invitation_accept", args=[token])).status_code == 410

    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(
            reverse("accounts:invitation_list"), {"email": "new@example.org", "name": "Nia New"}
        )
    patient_token = re.search(r"/invite/(\S+)/", mail.outbox[-1].body).group(1)
    assert Client().get(reverse("caregivers:accept", args=[patient_token])).status_code == 410


def test_expired_invitation_is_refused(patient_browser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(patient_browser)
    url = _accept_url_from_last_email()
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        response = Client().post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    assert not User.objects.filter(email="alex@example.org").exists()


def test_clinician_invitation_waits_for_the_patient(
    patient, patient_browser, clinician_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = clinician_client.post(
            reverse("caregivers:clinician_invite", args=[patient.pk]),
            {"name": "Alex Helper", "email": "alex@example.org", "receives_reminders": "on"},
        )
    assert response.status_code == 302
    # Nothing is sent before the patient agrees: the email would name the patient.
    assert mail.outbox == []
    link = CaregiverLink.objects.get(patient=patient)
    assert link.invitation is None and link.patient_confirmed_at is None

    home = patient_browser.get(reverse("assignments:my_reading")).content.decode()
    assert "Your care team asked to let Alex Helper read with you" in home

    with django_capture_on_commit_callbacks(execute=True):
        response = patient_browser.post(reverse("caregivers:person_confirm", args=[link.pk]))
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["alex@example.org"]
    url = _accept_url_from_last_email()
    Client().post(url, {"password1": PASSWORD, "password2": PASSWORD})
    link.refresh_from_db()
    assert link.status == "active"
    assert (
        "read with you"
        not in patient_browser.get(reverse("assignments:my_reading")).content.decode()
    )


def test_clinician_cannot_invite_for_a_patient_outside_their_team(other_patient, clinician_client):
    response = clinician_client.post(
        reverse("caregivers:clinician_invite", args=[other_patient.pk]),
        {"name": "Alex Helper", "email": "alex@example.org"},
    )
    assert response.status_code == 404
    assert not CaregiverLink.objects.exists()


def test_a_patient_cannot_grant_access_to_someone_elses_record(
    patient, other_patient, patient_browser
):
    # A patient field slipped into the form is ignored: the invitation is for the sender.
    _invite(patient_browser, patient=other_patient.pk, patient_id=other_patient.pk)
    assert list(CaregiverLink.objects.values_list("patient_id", flat=True)) == [patient.pk]
    # And the clinician's form for a patient is closed to patients.
    response = patient_browser.post(
        reverse("caregivers:clinician_invite", args=[other_patient.pk]),
        {"name": "Eve", "email": "eve@example.org"},
    )
    assert response.status_code == 403
    assert not CaregiverLink.objects.filter(patient=other_patient).exists()


def test_own_address_and_duplicates_are_refused_with_a_message(patient, patient_browser):
    response = _invite(patient_browser, email=patient.email.upper())
    assert response.status_code == 400
    assert "own email address" in response.content.decode()
    assert _invite(patient_browser).status_code == 302
    response = _invite(patient_browser, email="ALEX@example.org", name="Alex again")
    assert response.status_code == 400
    assert "already invited" in response.content.decode()
    assert CaregiverLink.objects.count() == 1


def test_an_existing_caregiver_logs_in_to_accept(
    patient, patient_browser, django_capture_on_commit_callbacks
):
    caregiver = CaregiverFactory(email="alex@example.org", name="Alex Helper")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(patient_browser)
    url = _accept_url_from_last_email()
    anonymous = Client().post(url, {"password1": PASSWORD, "password2": PASSWORD})
    assert anonymous.status_code == 400
    assert "Log in with alex@example.org" in anonymous.content.decode()
    assert not User.objects.get(pk=caregiver.pk).check_password(PASSWORD)

    stranger = Client()
    stranger.force_login(CaregiverFactory(email="eve@example.org"))
    assert stranger.post(url).status_code == 400
    assert CaregiverLink.objects.get().status == "pending"

    browser = Client()
    browser.force_login(caregiver)
    assert browser.post(url).status_code == 302
    assert CaregiverLink.objects.get().caregiver == caregiver


def test_a_patient_or_staff_account_cannot_become_a_caregiver(
    patient, other_patient, patient_browser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(patient_browser, email=other_patient.email)
    url = _accept_url_from_last_email()
    browser = Client()
    browser.force_login(other_patient)
    response = browser.post(url)
    assert response.status_code == 400
    assert "cannot read for someone else" in response.content.decode()
    assert CaregiverLink.objects.get().status == "pending"
    assert User.objects.get(pk=other_patient.pk).role == User.Role.PATIENT


def test_patient_invitation_list_does_not_show_caregiver_invitations(
    patient, patient_browser, clinician_client
):
    _invite(patient_browser)
    assert Invitation.objects.filter(kind="caregiver").count() == 1
    page = clinician_client.get(reverse("accounts:invitation_list")).content.decode()
    assert "alex@example.org" not in page


def test_inviting_again_after_an_ended_link_makes_a_new_one(patient, patient_browser):
    old = caregiver_link(patient=patient, caregiver=CaregiverFactory(email="alex@example.org"))
    old.status = "ended"
    old.save()
    assert _invite(patient_browser).status_code == 302
    assert CaregiverLink.objects.filter(patient=patient).count() == 2
