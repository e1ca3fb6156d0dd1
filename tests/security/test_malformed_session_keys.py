"""A mangled session cookie or token means "not logged in", never a server error."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["0\x00\x80\x80", "x" * 500, "ABC DEF", "'; drop table"])
def test_mangled_session_cookie_is_treated_as_logged_out(client, value):
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    assert client.get("/api/v1/modules/").status_code == 401
    response = client.get(reverse("assignments:my_reading"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("value", ["0\x00\x80", "not a token!", "y" * 500])
def test_mangled_session_token_is_refused_with_401(client, value):
    response = client.get("/api/v1/modules/", headers={"X-Session-Token": value})
    assert response.status_code == 401


def test_a_real_session_still_works(patient_client):
    assert patient_client.get(reverse("assignments:my_reading")).status_code == 200
