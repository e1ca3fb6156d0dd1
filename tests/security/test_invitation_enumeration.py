"""Issue 18, item 15: inviting an address that already has an account looks exactly like
inviting a new one to the clinician; the existing person is reminded how to log in, and the
admins are told, privately."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.models import Invitation
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:invitation_list")


def _invite_and_see(client, email: str, name: str, capture) -> tuple[int, str]:
    with capture(execute=True):
        response = client.post(LIST, {"email": email, "name": name})
    page = client.get(LIST).content.decode()
    # The only difference allowed is the address itself.
    return response.status_code, page.replace(email, "<address>").replace(name, "<name>")


def test_an_existing_account_and_a_new_address_get_the_same_answer(
    clinician_client, other_patient, django_capture_on_commit_callbacks
):
    AdminFactory(email="root@example.org")
    existing = _invite_and_see(
        clinician_client, other_patient.email, "Olive Again", django_capture_on_commit_callbacks
    )
    Invitation.objects.all().delete()
    new = _invite_and_see(
        clinician_client, "brand.new@example.org", "Olive Again", django_capture_on_commit_callbacks
    )
    assert existing[0] == new[0] == 302
    # Tokens and row ids differ from one request and row to the next.
    varying = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|/invitations/\d+/')
    assert varying.sub("", existing[1]) == varying.sub("", new[1])
    assert "Invitation sent to <address>." in new[1]


def test_the_existing_person_is_reminded_to_log_in_and_the_admins_are_told(
    clinician_client, clinician, other_patient, django_capture_on_commit_callbacks
):
    AdminFactory(email="root@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(LIST, {"email": other_patient.email, "name": "Olive"})
    to_person = [m for m in mail.outbox if m.to == [other_patient.email]]
    to_admins = [m for m in mail.outbox if m.to == ["root@example.org"]]
    assert len(to_person) == 1 and len(to_admins) == 1
    assert "already has an account" in to_person[0].body
    assert "/accounts/password/reset/" in to_person[0].body
    assert "/invite/" not in to_person[0].body
    assert clinician.email in to_admins[0].body and other_patient.email in to_admins[0].body
    assert f"/admin/accounts/user/{other_patient.pk}/change/" in to_admins[0].body
    assert len(mail.outbox) == 2


def test_resending_to_an_existing_account_sends_the_reminder_again(
    clinician_client, other_patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(LIST, {"email": other_patient.email, "name": "Olive"})
    invitation = Invitation.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(
            reverse("accounts:invitation_resend", kwargs={"invitation_id": invitation.pk})
        )
    assert [m.to for m in mail.outbox] == [[other_patient.email]]
    assert "/invite/" not in mail.outbox[0].body
