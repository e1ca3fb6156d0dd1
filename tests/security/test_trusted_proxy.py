"""Issue 18, item 7: behind the TLS proxy, the client's own address (X-Forwarded-For read
through the trusted proxies, allauth's ALLAUTH_TRUSTED_PROXY_COUNT) is what the audit trail,
the security log, "where you are logged in" and the rate limits see. With no trusted proxy
the header is ignored: a client could write anything in it."""

import logging
import subprocess
import sys

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD, PatientFactory, ensure_mfa

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
LOGIN = reverse("account_login")


def _behind_proxy(forwarded_for: str, **extra) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for, **extra)


def _view_patient_as(clinician, patient, client: Client) -> AuditEvent:
    ensure_mfa(clinician)
    client.force_login(clinician)
    assert client.get(reverse("assignments:patient_detail", args=[patient.pk])).status_code == 200
    return AuditEvent.objects.filter(actor=clinician, action="patient.view").latest("at")


def test_with_one_trusted_proxy_the_audit_trail_records_the_client(settings, clinician, patient):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = _behind_proxy("192.0.2.250, 203.0.113.5")  # the first one the client wrote
    assert _view_patient_as(clinician, patient, client).ip == "203.0.113.5"
    assert UserSession.objects.get(user=clinician).ip == "203.0.113.5"


def test_with_no_trusted_proxy_the_header_is_ignored(settings, clinician, patient):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client = _behind_proxy("203.0.113.5")
    assert _view_patient_as(clinician, patient, client).ip == PROXY


def test_a_header_the_proxy_sets_can_be_trusted_instead(settings, clinician, patient):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.77")
    assert _view_patient_as(clinician, patient, client).ip == "198.51.100.77"


def test_the_security_log_records_the_client(settings, caplog, patient):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    caplog.set_level(logging.INFO, logger="portal.security")
    _behind_proxy("203.0.113.5").post(LOGIN, {"login": patient.email, "password": "nope-nope"})
    line = next(r.getMessage() for r in caplog.records if r.name == "portal.security")
    assert "ip=203.0.113.5" in line


def test_one_clients_failed_logins_do_not_lock_out_everyone_behind_the_proxy(settings, patient):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    guesser = _behind_proxy("203.0.113.5")
    for n in range(12):
        PatientFactory(email=f"someone-{n}@example.org")
        guesser.post(LOGIN, {"login": f"someone-{n}@example.org", "password": "nope-nope"})
    other = _behind_proxy("198.51.100.20")
    response = other.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_fewer_forwarded_addresses_than_proxies_is_not_an_error(settings, clinician, patient):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    client = _behind_proxy("203.0.113.9")
    assert _view_patient_as(clinician, patient, client).ip == "203.0.113.9"


def test_the_environment_sets_allauths_and_the_rest_frameworks_proxy_count():
    code = (
        "from django.conf import settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'], "
        "settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "TRUSTED_PROXY_COUNT": "1",
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert output == ["1", "1", "None"]


def test_metrics_behind_a_local_proxy_see_the_visitor_not_the_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.METRICS_TOKEN = ""
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert through_proxy.get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
