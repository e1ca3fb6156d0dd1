"""Issue 18, item 4: an app's session token (X-Session-Token) ends after the same idle and
absolute limits as a browser session, on the REST API and on allauth's own app endpoints."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.api.conftest import SESSION_URL, client_with_token, give_totp, login_for_token

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0)


def _token_at(moment, user) -> str:
    with time_machine.travel(moment, tick=False):
        return login_for_token(user)


def _get_at(moment, token: str, url: str = ME):
    with time_machine.travel(moment, tick=False):
        return client_with_token(token).get(url)


def test_a_patients_token_ends_after_30_idle_minutes(patient, start):
    token = _token_at(start, patient)
    assert _get_at(start + timedelta(minutes=29), token).status_code == 200
    response = _get_at(start + timedelta(minutes=59, seconds=1), token)
    assert response.status_code == 401
    assert not Session.objects.filter(session_key=token).exists()
    assert not UserSession.objects.filter(session_key=token).exists()
    # Ended for good: coming back later does not revive it.
    assert _get_at(start + timedelta(minutes=60), token).status_code == 401


def test_a_clinicians_token_ends_after_15_idle_minutes(clinician, start):
    with time_machine.travel(start, tick=False):
        give_totp(clinician)
    token = _token_at(start, clinician)
    assert _get_at(start + timedelta(minutes=14), token).status_code == 200
    assert _get_at(start + timedelta(minutes=29, seconds=1), token).status_code == 401


def test_using_a_token_keeps_it_alive_until_the_absolute_lifetime(patient, start, settings):
    settings.SESSION_COOKIE_AGE = 2 * 3600
    token = _token_at(start, patient)
    for step in range(1, 12):
        assert _get_at(start + timedelta(minutes=10 * step), token).status_code == 200
    assert _get_at(start + timedelta(hours=2, minutes=1), token).status_code == 401


def test_allauths_app_endpoints_refuse_an_idle_token_too(patient, start):
    token = _token_at(start, patient)
    assert _get_at(start + timedelta(minutes=10), token, SESSION_URL).status_code == 200
    # allauth answers 410 Gone for a session token that no longer exists.
    assert _get_at(start + timedelta(minutes=41), token, SESSION_URL).status_code == 410
