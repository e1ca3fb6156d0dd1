"""Every page tells a patient in trouble which numbers to call: the care team's and the local
emergency number (EMERGENCY_NUMBER), the 500 page included."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from portal.urls import handler500  # noqa: F401 - the portal's own 500 page, for this URLconf


def boom(request):
    raise RuntimeError("exploded")


urlpatterns = [path("boom/", boom)]


@override_settings(ROOT_URLCONF=__name__, EMERGENCY_NUMBER="999", CARE_TEAM_PHONE="0800 555 0100")
def test_the_server_error_page_gives_both_numbers():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "In an emergency call 999." in body
    assert "0800 555 0100" in body
    assert "911" not in body


@pytest.mark.django_db
@override_settings(EMERGENCY_NUMBER="112")
def test_the_page_footer_and_the_question_page_use_the_setting(patient_client):
    for url in ("/reading/", "/questions/ask/"):
        body = patient_client.get(url).content.decode()
        assert "In an emergency call 112." in body, url
        assert "911" not in body, url
