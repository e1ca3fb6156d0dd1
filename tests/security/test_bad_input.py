"""Bad input is a 400, never a 500: JSON nested deeply enough to exhaust a parser's stack,
NUL characters that PostgreSQL cannot store, and bodies over the size limit, sent to allauth's
headless login API (open to anyone) and to the pages. The portal's own API: tests/api/test_bad_input.py.

The test settings run with DEBUG off, as production does: the answers on API paths are JSON.
"""

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import LOGIN_URL

pytestmark = pytest.mark.django_db

PASSWORD_REQUEST_URL = "/_allauth/app/v1/auth/password/request"
DEEP = "[" * 5000 + "]" * 5000
TOO_DEEP = {"detail": "What you sent is nested too deeply. Nothing was saved."}


@pytest.mark.parametrize("url", [LOGIN_URL, PASSWORD_REQUEST_URL])
def test_deeply_nested_json_to_the_login_api_is_a_json_400(url):
    client = Client()
    for body in (DEEP, '{"email": ' + DEEP + "}"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, url
        assert response.json() == TOO_DEEP


def test_allauth_parses_any_body_as_json_so_the_check_ignores_content_type():
    response = Client().post(LOGIN_URL, DEEP, content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == TOO_DEEP


def test_a_nul_in_the_login_api_is_a_400():
    response = Client().post(
        LOGIN_URL,
        {"email": "pat\u0000@example.org", "password": "x\u0000"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_an_oversized_body_to_the_login_api_is_refused_before_parsing():
    body = json.dumps({"email": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = Client().post(LOGIN_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_deeply_nested_json_sent_to_a_page_gets_the_plain_400_page(patient_client):
    response = patient_client.post("/settings/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "nested too deeply" in response.content.decode()
