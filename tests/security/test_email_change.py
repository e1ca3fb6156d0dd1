"""Issue 18, item 2: a live session alone cannot change an account's login email.

Changing it asks for the password again (allauth reauthentication), the new address becomes
the login address only once the link sent to it is followed, and the old address is told
when the change is asked for and when it is done. The same holds on the web page
(/accounts/email/) and on the app API (/_allauth/app/v1/account/email).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from tests.api.conftest import client_with_token, login_for_token
from tests.factories import TEST_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

EMAIL_PAGE = reverse("account_email")
APP_EMAIL = "/_allauth/app/v1/account/email"
NEW = "attacker@example.net"


def _login_address(user) -> str:
    return User.objects.get(pk=user.pk).email


def test_every_account_starts_with_a_verified_login_address():
    person = PatientFactory(email="fresh@example.org")
    assert list(
        EmailAddress.objects.filter(user=person).values_list("email", "verified", "primary")
    ) == [("fresh@example.org", True, True)]


def test_the_web_page_asks_for_the_password_before_adding_an_address(patient):
    client = Client()
    client.force_login(patient)  # a session, but no recent password
    response = client.post(EMAIL_PAGE, {"action_add": "", "email": NEW})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mail.outbox == []


def _web_client_after_password(patient) -> Client:
    client = Client()
    client.force_login(patient)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    return client


def test_an_unverified_address_cannot_become_the_login_address_on_the_web(patient):
    old = patient.email
    client = _web_client_after_password(patient)
    client.post(EMAIL_PAGE, {"action_add": "", "email": NEW})
    assert EmailAddress.objects.get(email=NEW).verified is False
    client.post(EMAIL_PAGE, {"action_primary": "", "email": NEW})
    assert _login_address(patient) == old


def test_following_the_link_changes_the_address_and_the_old_one_is_told_twice(
    patient, django_capture_on_commit_callbacks
):
    old = patient.email
    client = _web_client_after_password(patient)
    # Account emails leave after the commit (through the worker).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(EMAIL_PAGE, {"action_add": "", "email": NEW})
    to_new = [m for m in mail.outbox if m.to == [NEW]]
    to_old = [m for m in mail.outbox if m.to == [old]]
    assert len(to_new) == 1
    assert [m.subject for m in to_old] == ["Someone asked to change your login email address"]
    assert NEW in to_old[0].body and "reset your password" in to_old[0].body
    assert _login_address(patient) == old

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", to_new[0].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    assert _login_address(patient) == NEW
    assert [m.to for m in mail.outbox[-1:]] == [[old]]
    assert old in mail.outbox[-1].body and NEW in mail.outbox[-1].body
    assert (
        Client()
        .post(reverse("account_login"), {"login": NEW, "password": TEST_PASSWORD})
        .status_code
        == 302
    )


def test_the_app_api_asks_for_the_password_again_before_adding_an_address(patient):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = login_for_token(patient)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client_with_token(token).post(APP_EMAIL, {"email": NEW}, format="json")
    assert response.status_code == 401
    flows = {flow["id"] for flow in response.json()["data"]["flows"]}
    assert "reauthenticate" in flows
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_the_app_api_cannot_make_an_unverified_address_the_login_address(
    patient, django_capture_on_commit_callbacks
):
    old = patient.email
    client = client_with_token(login_for_token(patient))
    reauth = client.post(
        "/_allauth/app/v1/auth/reauthenticate", {"password": TEST_PASSWORD}, format="json"
    )
    assert reauth.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(APP_EMAIL, {"email": NEW}, format="json").status_code == 200
    response = client.patch(APP_EMAIL, {"email": NEW, "primary": True}, format="json")
    assert response.status_code == 400
    assert _login_address(patient) == old
    assert any(m.to == [old] for m in mail.outbox)


def test_an_address_changed_by_an_admin_replaces_the_old_one_for_logging_in(patient):
    old = patient.email
    patient.email = "renamed@example.org"
    patient.save()
    assert list(
        EmailAddress.objects.filter(user=patient).values_list("email", "verified", "primary")
    ) == [("renamed@example.org", True, True)]
    refused = Client().post(reverse("account_login"), {"login": old, "password": TEST_PASSWORD})
    assert refused.status_code == 200
    accepted = Client().post(
        reverse("account_login"), {"login": "renamed@example.org", "password": TEST_PASSWORD}
    )
    assert accepted.status_code == 302
