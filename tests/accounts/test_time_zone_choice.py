"""The time zone on the settings page is a list, the common zones of the person's country
first (issue 23); a value not on the list gets a clear message and loses nothing."""

import zoneinfo

import pytest
from django.urls import reverse

from apps.accounts.time_zones import common_zones, time_zone_choices

pytestmark = pytest.mark.django_db

SETTINGS = reverse("accounts:profile")


def test_a_us_patient_sees_the_us_zones_first_then_every_zone():
    groups = time_zone_choices("America/Chicago")
    (common_name, common), (all_name, everything) = groups
    assert str(common_name) == "Common in your country"
    assert [zone for zone, _label in common][:3] == [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
    ]
    assert str(all_name) == "All time zones"
    listed = {zone for zone, _label in common + everything}
    assert listed == zoneinfo.available_timezones()
    assert len(common) + len(everything) == len(listed)  # nothing twice


def test_the_country_comes_from_the_zone_the_patient_has_now():
    assert [zone for zone, _label in common_zones("Europe/Madrid")] == [
        "Europe/Madrid",
        "Africa/Ceuta",
        "Atlantic/Canary",
    ]
    assert common_zones("America/Puerto_Rico")[0][0] == "America/New_York"
    # A zone of no country (UTC) gives one list of everything.
    assert len(time_zone_choices("UTC")) == 1


def test_the_settings_page_shows_a_select_with_the_common_group_first(patient_client):
    body = patient_client.get(SETTINGS).content.decode()
    select = body[body.index('<select name="timezone"') :]
    select = select[: select.index("</select>")]
    assert select.index('<optgroup label="Common in your country">') < select.index(
        '<optgroup label="All time zones">'
    )
    assert '<option value="America/New_York" selected>Eastern time – America/New_York' in select
    assert "time_zone_search.js" in body


def test_a_zone_not_on_the_list_is_refused_with_a_message_and_nothing_lost(patient_client, patient):
    response = patient_client.post(
        SETTINGS,
        {
            "name": "Pat Changed",
            "timezone": "Mars/Olympus_Mons",
            "preferred_language": "en",
            "text_size": "large",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "We do not know that time zone. Choose your time zone from the list." in body
    assert 'value="Pat Changed"' in body
    patient.refresh_from_db()
    assert patient.timezone == "America/New_York" and patient.name != "Pat Changed"


def test_choosing_a_zone_from_the_list_saves_it(patient_client, patient):
    response = patient_client.post(
        SETTINGS,
        {
            "name": patient.name,
            "timezone": "Europe/Madrid",
            "preferred_language": "en",
            "text_size": "standard",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Madrid"
    body = patient_client.get(SETTINGS).content.decode()
    assert '<option value="Europe/Madrid" selected>Europe/Madrid – Spain (mainland)' in body
