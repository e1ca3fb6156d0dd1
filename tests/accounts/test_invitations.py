import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, Invitation, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long sunny walk"


def _invite(client, email="new.patient@example.org", name="Nia New"):
    return client.post(reverse("accounts:invitation_list"), {"email": email, "name": name})


def _link_from_last_email() -> str:
    match = re.search(r"http://\S+/invite/(\S+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return reverse("accounts:invitation_accept", kwargs={"token": match.group(1)})


def test_invitation_end_to_end(
    client, clinician_client, clinician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(clinician_client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.patient@example.org"]
    link = _link_from_last_email()

    listing = clinician_client.get(reverse("accounts:invitation_list")).content.decode()
    assert "new.patient@example.org" in listing

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Nia New" in page.content.decode()
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="new.patient@example.org")
    assert user.role == User.Role.PATIENT
    assert user.check_password(NEW_PASSWORD)
    assert CareTeamMembership.objects.filter(clinician=clinician, patient=user).exists()
    assert client.get(reverse("home")).url == reverse("assignments:my_reading")

    # The link works once.
    client.logout()
    reused = client.get(link)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()


def test_expired_link_is_refused(client, clinician_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(clinician_client)
    link = _link_from_last_email()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 410
    assert not User.objects.filter(email="new.patient@example.org").exists()


def test_unknown_token_is_refused(client):
    response = client.get(reverse("accounts:invitation_accept", kwargs={"token": "nope"}))
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_mistyped_email_keeps_what_was_typed(clinician_client):
    response = _invite(clinician_client, email="nia@@example", name="Nia New")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter an email address like name@example.com." in body
    assert 'value="nia@@example"' in body
    assert 'value="Nia New"' in body
    assert Invitation.objects.count() == 0


def test_email_already_registered_gets_the_same_answer_as_a_new_one(
    clinician_client, other_patient
):
    # Issue 18, item 15: the form must not tell who has an account (was a 400 saying so).
    response = _invite(clinician_client, email=other_patient.email.upper())
    assert response.status_code == 302
    assert "already has an account" not in clinician_client.get(response.url).content.decode()
    assert Invitation.objects.count() == 1


def test_second_pending_invitation_for_same_email_is_refused(clinician_client):
    _invite(clinician_client)
    response = _invite(clinician_client, email="NEW.patient@example.org")
    assert response.status_code == 400
    assert "already has an invitation waiting" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_mismatched_passwords_keep_the_page(
    client, clinician_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(clinician_client)
    link = _link_from_last_email()
    client.logout()
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": "different words here"})
    assert response.status_code == 400
    assert "The two passwords are not the same" in response.content.decode()
    assert not User.objects.filter(email="new.patient@example.org").exists()


def test_resend_replaces_the_link(client, clinician_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(clinician_client)
    first_link = _link_from_last_email()
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(reverse("accounts:invitation_resend", args=[invitation.pk]))
    second_link = _link_from_last_email()
    assert first_link != second_link
    assert client.get(first_link).status_code == 410
    assert client.get(second_link).status_code == 200
    invitation.refresh_from_db()
    assert invitation.send_count == 2


def test_revoked_link_is_refused(client, clinician_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(clinician_client)
    link = _link_from_last_email()
    invitation = Invitation.objects.get()
    clinician_client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    response = client.get(link)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_clinician_cannot_touch_another_clinicians_invitation(
    clinician_client, other_clinician, django_capture_on_commit_callbacks
):
    invitation = Invitation.objects.create(
        email="x@example.org",
        name="X",
        invited_by=other_clinician,
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    response = clinician_client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
