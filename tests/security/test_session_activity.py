"""Where and when each session is used ("Where you are logged in"): recorded for browsers and
for app tokens, at most once a minute, and at once when the address or the browser changes."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import client_with_token, login_for_token
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

READING = "/reading/"
ASSIGNMENTS = "/api/v1/assignments/"


def _browser(user, agent="Phone browser") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR="192.0.2.10")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _writes_to_user_sessions(client, path, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **extra).status_code == 200
    return sum(
        query["sql"].startswith(("UPDATE", "INSERT")) and "usersessions_usersession" in query["sql"]
        for query in queries.captured_queries
    )


def _browser_that_read(patient, *, at):
    """A patient's browser that opened their reading at `at` (its session's first use)."""
    with time_machine.travel(at, tick=False):
        browser = _browser(patient)
        browser.get(READING)
    return browser


def test_a_browser_session_is_recorded_once_a_minute(patient):
    start = timezone.now()
    browser = _browser_that_read(patient, at=start)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert _writes_to_user_sessions(browser, READING) == 0
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        assert _writes_to_user_sessions(browser, READING) == 1
        (recorded,) = UserSession.objects.filter(user=patient)
        assert recorded.last_seen_at == timezone.now()
        assert (recorded.ip, recorded.user_agent) == ("192.0.2.10", "Phone browser")


def test_a_new_address_or_browser_is_recorded_at_once(patient):
    start = timezone.now()
    browser = _browser_that_read(patient, at=start)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        assert _writes_to_user_sessions(browser, READING, REMOTE_ADDR="198.51.100.4") == 1
    assert UserSession.objects.get(user=patient).ip == "198.51.100.4"
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert _writes_to_user_sessions(browser, READING, HTTP_USER_AGENT="Laptop browser") == 1
    assert UserSession.objects.get(user=patient).user_agent == "Laptop browser"


def test_an_app_token_session_is_recorded_once_a_minute(patient):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        app = client_with_token(login_for_token(patient))
        app.get(ASSIGNMENTS)
    first = UserSession.objects.get(user=patient).last_seen_at
    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        assert _writes_to_user_sessions(app, ASSIGNMENTS) == 0
    with time_machine.travel(start + timedelta(seconds=80), tick=False):
        assert _writes_to_user_sessions(app, ASSIGNMENTS) == 1
    assert UserSession.objects.get(user=patient).last_seen_at == first + timedelta(seconds=80)


def test_the_sessions_page_shows_when_each_was_last_used(patient):
    browser = _browser(patient)
    page = browser.get(reverse("usersessions_list")).content.decode()
    assert "Last used" in page
    assert "Phone browser" in page
