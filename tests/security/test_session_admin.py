"""Issue 18, item 3: the admin's list of sessions never shows a session key.

A key works as a cookie or an X-Session-Token; an admin sees the device, the address and
when it was last used, and can end a session."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari"


@pytest.fixture
def patient_browser(patient):
    browser = Client(HTTP_USER_AGENT=AGENT, REMOTE_ADDR="198.51.100.23")
    browser.force_login(patient)
    assert browser.get("/reading/").status_code == 200
    return browser


@pytest.fixture
def admin_browser(logged_in):
    return logged_in(AdminFactory(email="root@example.org"))


def test_the_session_pages_show_device_address_and_time_but_never_the_key(
    patient_browser, admin_browser
):
    user_session = UserSession.objects.get(user__email="pat@example.org")
    key = user_session.session_key
    listing = admin_browser.get(reverse("admin:usersessions_usersession_changelist"))
    detail = admin_browser.get(
        reverse("admin:usersessions_usersession_change", args=[user_session.pk])
    )
    for page in (listing, detail):
        assert page.status_code == 200
        body = page.content.decode()
        assert key not in body
        assert "iPhone" in body and "198.51.100.23" in body
    assert "End this session" in detail.content.decode()
    search = admin_browser.get(
        reverse("admin:usersessions_usersession_changelist"), {"q": "pat@example.org"}
    )
    assert search.status_code == 200 and "198.51.100.23" in search.content.decode()


def test_ending_a_session_logs_that_browser_out(patient_browser, admin_browser):
    user_session = UserSession.objects.get(user__email="pat@example.org")
    response = admin_browser.post(
        reverse("admin:usersessions_usersession_changelist"),
        {"action": "end_sessions", "_selected_action": [user_session.pk]},
    )
    assert response.status_code == 302
    assert not UserSession.objects.filter(pk=user_session.pk).exists()
    assert patient_browser.get("/reading/").status_code == 302
    assert SESSION_KEY not in patient_browser.session


def test_sessions_cannot_be_added_or_edited_in_the_admin(patient_browser, admin_browser):
    user_session = UserSession.objects.get(user__email="pat@example.org")
    assert admin_browser.get(reverse("admin:usersessions_usersession_add")).status_code == 403
    change = reverse("admin:usersessions_usersession_change", args=[user_session.pk])
    admin_browser.post(change, {"session_key": "stolen", "ip": "203.0.113.1"})
    user_session.refresh_from_db()
    assert user_session.ip == "198.51.100.23"
