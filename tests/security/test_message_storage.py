"""Issue 18, item 13: messages such as "Invitation sent to <address>" stay on the server (in
the session), never in a cookie the browser keeps."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_message_about_a_person_travels_in_the_session_not_a_cookie(clinician_client):
    response = clinician_client.post(
        reverse("accounts:invitation_list"), {"name": "Sam Okafor", "email": "sam@example.org"}
    )
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("sam@example.org" not in morsel.value for morsel in response.cookies.values())
    page = clinician_client.get(response.url).content.decode()
    assert "Invitation sent to sam@example.org." in page
    # Shown once.
    assert "Invitation sent to" not in clinician_client.get(response.url).content.decode()
