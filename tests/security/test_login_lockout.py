"""Issue 18, item 8: failed logins are counted per account and address, so guessing from one
address cannot keep the real person out; a looser ceiling per account still stops guessing
from many addresses; a locked-out person is shown how to reset their password."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
LOCKED = "Too many failed attempts to log in to this account."


def _fail_from(address: str, email: str, times: int) -> Client:
    client = Client(REMOTE_ADDR=address)
    for _attempt in range(times):
        client.post(LOGIN, {"login": email, "password": "guess-again"})
    return client


def test_guessing_from_one_address_does_not_lock_out_the_person(patient):
    attacker = _fail_from("203.0.113.66", patient.email, 6)
    refused = attacker.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert LOCKED in refused.content.decode()

    person = Client(REMOTE_ADDR="198.51.100.20")
    response = person.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in person.session


def test_guessing_from_many_addresses_hits_the_account_ceiling(patient):
    for n in range(4):
        _fail_from(f"203.0.113.{n + 1}", patient.email, 5)
    newcomer = Client(REMOTE_ADDR="198.51.100.99")
    response = newcomer.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in newcomer.session


def test_a_successful_login_forgives_the_persons_own_typing_mistakes(patient):
    client = _fail_from("198.51.100.20", patient.email, 4)
    assert (
        client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD}).status_code == 302
    )
    client.post(reverse("account_logout"))
    for _attempt in range(4):
        client.post(LOGIN, {"login": patient.email, "password": "typo-again"})
    assert (
        client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD}).status_code == 302
    )


def test_the_lockout_shows_the_way_to_reset_the_password(patient):
    client = _fail_from("203.0.113.66", patient.email, 6)
    page = client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD}).content.decode()
    assert LOCKED in page
    assert "or reset your password" in page
    assert f'href="{reverse("account_reset_password")}" data-testid="lockout-reset-link"' in page
    # A plain wrong password does not show the lockout link.
    fresh = Client(REMOTE_ADDR="198.51.100.5")
    wrong = fresh.post(LOGIN, {"login": patient.email, "password": "nope-nope-1"}).content.decode()
    assert "lockout-reset-link" not in wrong


def test_resetting_the_password_lets_the_locked_out_address_in_again(
    patient, django_capture_on_commit_callbacks
):
    client = _fail_from("203.0.113.66", patient.email, 6)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": patient.email})
    link = next(
        line for line in mail.outbox[-1].body.splitlines() if "/password/reset/key/" in line
    )
    form_url = client.get(link.strip()).url
    client.post(form_url, {"password1": "a-brand-new-pass-9", "password2": "a-brand-new-pass-9"})
    response = client.post(LOGIN, {"login": patient.email, "password": "a-brand-new-pass-9"})
    assert response.status_code == 302
