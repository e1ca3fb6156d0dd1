"""Logging in to the API: allauth headless session tokens, browser sessions, and the 401s."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import (
    LOGIN_URL,
    SESSION_URL,
    client_with_token,
    give_totp,
    login_for_token,
)

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_app_logs_in_uses_the_token_and_logs_out(patient):
    token = login_for_token(patient)
    client = client_with_token(token)

    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == patient.email
    assert me.json()["role"] == "patient"

    logout = client.delete(SESSION_URL)
    # allauth answers a logout with 401: "you are now logged out".
    assert logout.status_code == 401

    after = client.get(ME)
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "X-Session-Token"
    assert "log in again" in after.json()["detail"]


def test_wrong_password_gives_no_token(patient):
    response = APIClient().post(
        LOGIN_URL, {"email": patient.email, "password": "not-the-password"}, format="json"
    )
    assert response.status_code == 400
    assert "session_token" not in response.json().get("meta", {})


def test_anonymous_request_gets_401_with_a_scheme_to_use():
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "X-Session-Token"
    assert response.json() == {
        "detail": "Please log in first. Send your session token in the X-Session-Token header."
    }


def test_made_up_token_gets_401_not_anonymous_access():
    response = client_with_token("made-up-token").get(ME)
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_staff_token_only_works_after_the_second_step(clinician):
    give_totp(clinician)
    client = APIClient()
    first_step = client.post(
        LOGIN_URL, {"email": clinician.email, "password": "correct-horse-battery"}, format="json"
    )
    assert first_step.status_code == 401
    half_token = first_step.json()["meta"]["session_token"]

    assert client_with_token(half_token).get(ME).status_code == 401

    full_token = login_for_token(clinician)
    assert client_with_token(full_token).get(ME).json()["role"] == "clinician"


def test_deactivated_account_token_stops_working(patient):
    client = client_with_token(login_for_token(patient))
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401


def test_browser_session_works_for_reads(client, patient):
    client.force_login(patient)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == patient.pk
