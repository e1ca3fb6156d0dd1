"""The security event log: authentication decisions are recorded, secrets and addresses are not."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD, ensure_mfa

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    return caplog


def _events(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "portal.security"]


def test_logins_and_failures_are_logged_without_the_email_or_password(security_log, patient):
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post(LOGIN, {"login": patient.email, "password": "wrong-guess-123"})
    client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    client.post(reverse("account_logout"))
    events = _events(security_log)
    assert [line.split()[0] for line in events] == [
        "event=login_failed",
        "event=login",
        "event=logout",
    ]
    assert f"user={patient.pk}" in events[1]
    assert "ip=198.51.100.7" in events[0]
    for line in events:
        assert patient.email not in line
        assert "wrong-guess" not in line and TEST_PASSWORD not in line


def test_wrong_mfa_codes_are_logged(security_log, clinician):
    ensure_mfa(clinician)
    client = Client()
    client.post(LOGIN, {"login": clinician.email, "password": TEST_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert any(
        line.startswith("event=mfa_failed") and f"user={clinician.pk}" in line
        for line in _events(security_log)
    )


def test_idle_logouts_are_logged(security_log, patient):
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        client.force_login(patient)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        client.get("/reading/")
    assert any(
        line.startswith("event=session_timeout") and "reason=idle" in line
        for line in _events(security_log)
    )


def test_a_password_change_is_logged_and_emailed_without_health_information(
    security_log, patient, django_capture_on_commit_callbacks
):
    client = Client()
    client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    mail.outbox.clear()
    # The email goes to the worker once the request's work commits (apps.accounts.emails).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_change_password"),
            {
                "oldpassword": TEST_PASSWORD,
                "password1": "a-brand-new-passphrase",
                "password2": "a-brand-new-passphrase",
            },
        )
    assert any(line.startswith("event=password_changed") for line in _events(security_log))
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "Your password has been changed." in message.body
