"""A mail server that is down no longer turns a saved change into a 500 (issue 18, item 10):
account emails (invitations, password resets) go through the Celery worker, which tries
again with backoff, and the page carries on. The tests run Celery eagerly, so every retry
happens at once, in order."""

import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError

from apps.accounts import tasks
from apps.accounts.models import Invitation
from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"


class MailServerDown:
    """An email backend whose server refuses every connection, counting the tries."""

    tries = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        MailServerDown.tries += 1
        raise ConnectionRefusedError("mail server down")


class MailServerBackAfterTwoTries(MailServerDown):
    def send_messages(self, messages):
        if MailServerDown.tries < 2:
            return super().send_messages(messages)
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture(autouse=True)
def worker_retries(monkeypatch):
    """Celery runs tasks eagerly in the tests and would raise a retry at the caller; without
    propagation it runs each retry at once instead, as a worker would run them over time."""
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)


@pytest.fixture
def mail_server(settings):
    """mail_server(Backend): route every email through that backend from now on."""
    MailServerDown.tries = 0

    def use(backend):
        settings.EMAIL_BACKEND = f"{__name__}.{backend.__name__}"

    return use


def _invite(client, email="new.patient@example.org"):
    return client.post(reverse("accounts:invitation_list"), {"email": email, "name": "Nia New"})


def test_an_invitation_with_the_mail_server_down_is_saved_whole_and_the_page_works(
    clinician_client, mail_server, caplog, django_capture_on_commit_callbacks
):
    mail_server(MailServerDown)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = _invite(clinician_client)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.patient@example.org"
    assert MailServerDown.tries == tasks.MAX_RETRIES + 1
    assert "Gave up sending an account email" in caplog.text
    listing = clinician_client.get(reverse("accounts:invitation_list")).content.decode()
    assert "new.patient@example.org" in listing


def test_an_invitation_reaches_the_patient_once_the_mail_server_is_back(
    clinician_client, mail_server, django_capture_on_commit_callbacks
):
    mail_server(MailServerBackAfterTwoTries)
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(clinician_client).status_code == 302
    assert MailServerDown.tries == 2
    assert [m.to for m in mail.outbox] == [["new.patient@example.org"]]
    assert "/invite/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_a_password_reset_with_the_mail_server_down_is_not_a_500(
    patient, mail_server, django_capture_on_commit_callbacks
):
    mail_server(MailServerDown)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(RESET_URL, {"email": patient.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert MailServerDown.tries == tasks.MAX_RETRIES + 1


def test_a_password_reset_link_arrives_once_the_mail_server_is_back(
    patient, mail_server, django_capture_on_commit_callbacks
):
    mail_server(MailServerBackAfterTwoTries)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(RESET_URL, {"email": patient.email})
    assert [m.to for m in mail.outbox] == [[patient.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_with_the_broker_down_the_email_is_sent_from_the_web_process(
    clinician_client, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_account_email, "delay", broker_down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert _invite(clinician_client).status_code == 302
    assert [m.to for m in mail.outbox] == [["new.patient@example.org"]]
    assert "Broker unreachable" in caplog.text


def test_the_retries_wait_longer_each_time(monkeypatch, mail_server):
    mail_server(MailServerDown)
    waits = []
    original = tasks.send_account_email.retry

    def record(*args, countdown=None, **kwargs):
        waits.append(countdown)
        return original(*args, countdown=countdown, **kwargs)

    monkeypatch.setattr(tasks.send_account_email, "retry", record)
    tasks.send_account_email.delay(
        {
            "subject": "s",
            "body": "b",
            "from_email": "a@example.org",
            "to": ["b@example.org"],
            "cc": [],
            "bcc": [],
            "reply_to": [],
            "headers": {},
            "alternatives": [],
            "content_subtype": "plain",
        }
    )
    assert len(waits) == tasks.MAX_RETRIES
    assert all(0 <= wait <= tasks.RETRY_BACKOFF_MAX_SECONDS for wait in waits)
