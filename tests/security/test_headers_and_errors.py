"""Security headers, cookies, error pages without health information, and input limits."""

import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path, reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _boom(request):
    raise RuntimeError("Patient Pat Patient, MRN 12345: database exploded")


urlpatterns = [path("boom/", _boom)]


def test_every_page_carries_the_security_headers(client):
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_for_a_logged_in_person_are_never_cached(patient_client):
    response = patient_client.get("/reading/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_session_cookie_is_http_only_and_same_site(client, patient):
    from tests.factories import TEST_PASSWORD

    client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_https_responses_carry_hsts(client):
    response = client.get(LOGIN, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_settings_turn_on_https_only_cookies_and_hsts():
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="p" * 30 + "-production-like-secret-key-for-this-test-only",
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="sqlite:////tmp/portal-security-settings.sqlite3",
        MFA_RELAX_FOR_DEMO="true",
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_SAMESITE', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', "
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'X_FRAME_OPTIONS', 'MFA_RELAX_FOR_DEMO']}))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.base"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "X_FRAME_OPTIONS": "DENY",
        # Even when someone sets it, the demo relaxation is off in production.
        "MFA_RELAX_FOR_DEMO": False,
    }


def test_not_found_page_is_plain_and_does_not_echo_the_address(patient_client):
    response = patient_client.get("/patients/Pat-Patient-melanoma/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "melanoma" not in body
    assert "Pat Patient" not in body  # no name in the header of an error page


def test_forbidden_page_is_plain(patient_client):
    response = patient_client.get("/patients/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You cannot use this page" in body
    assert "Pat Patient" not in body


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_shows_no_details():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the portal" in body
    for leak in ("Traceback", "RuntimeError", "MRN 12345", "Pat Patient", "exploded"):
        assert leak not in body


@pytest.fixture
def production_logging():
    """The LOGGING of portal/settings/base.py (the test settings quieten everything)."""
    from portal.settings import base

    root, request_logger = logging.getLogger(), logging.getLogger("django.request")
    saved = (root.level, list(root.handlers), request_logger.level)
    logging.config.dictConfig(base.LOGGING)
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    request_logger.setLevel(saved[2])


def test_urls_with_patient_details_are_not_logged(client, caplog, production_logging):
    with caplog.at_level(logging.DEBUG):
        client.get("/patients/Pat-Patient-melanoma/")
        client.get("/reading/Pat-Patient-melanoma/")
    assert not [r for r in caplog.records if "melanoma" in r.getMessage()]


def test_a_form_that_expired_gets_a_plain_csrf_page(patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    response = client.post(reverse("accounts:profile"), {"name": "Changed"})
    assert response.status_code == 403
    assert "Please try that again" in response.content.decode()
    patient.refresh_from_db()
    assert patient.name == "Pat Patient"


def test_an_oversized_form_is_refused_with_400_not_500(patient_client):
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = patient_client.post(reverse("accounts:profile"), {"name": too_big})
    assert response.status_code == 400
    assert "too large" in response.content.decode()


def test_an_oversized_api_body_is_refused_with_json_400(patient_client):
    body = json.dumps({"body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = patient_client.post("/api/v1/me/", body, content_type="application/json")
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_too_many_form_fields_are_refused_with_400(patient_client):
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = patient_client.post(reverse("accounts:profile"), fields)
    assert response.status_code == 400


def test_a_normal_sized_form_still_works(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:profile"),
        {
            "name": "Pat Q. Patient",
            "timezone": "America/New_York",
            "preferred_language": "en",
            "text_size": "standard",
        },
    )
    assert response.status_code == 302
