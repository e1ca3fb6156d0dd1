"""The email settings page: on/off per kind, quiet hours, stop everything."""

from datetime import time

import pytest
from django.urls import reverse

from apps.accounts.models import NotificationPreference

from .factories import NotificationPreferenceFactory

pytestmark = pytest.mark.django_db

URL = "/settings/notifications/"

PATIENT_FORM = {
    "due_soon": "on",
    "overdue": "on",
    "not_started": "on",
    "reply": "on",
    "quiet_start": "21:00",
    "quiet_end": "08:00",
}


def test_the_page_lives_at_settings_notifications():
    assert reverse("reminders:preferences") == URL


def test_logging_in_is_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_settings_page_links_to_email_settings(patient_client):
    page = patient_client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{URL}"' in page


def test_a_patient_chooses_among_the_patient_reminders(patient_client):
    page = patient_client.get(URL).content.decode()
    assert page.count("<h1") == 1
    for label in (
        "When reading is due in the next few days",
        "When reading is past its due date",
        "When my care team answers my question",
    ):
        assert label in page
    assert 'name="digest"' not in page
    assert 'name="new_question"' not in page
    assert 'value="21:00"' in page and 'value="08:00"' in page


def test_a_clinician_chooses_question_emails_and_the_digest(clinician_client):
    page = clinician_client.get(URL).content.decode()
    assert "A summary each morning" in page
    assert "When one of my patients asks a new question" in page
    assert 'name="due_soon"' not in page


def test_a_patient_turns_one_kind_off_and_sets_quiet_hours(patient_client, patient):
    form = {**PATIENT_FORM, "quiet_start": "20:30", "quiet_end": "09:15"}
    del form["overdue"]

    response = patient_client.post(URL, form)

    assert response.status_code == 302
    prefs = NotificationPreference.objects.get(user=patient)
    assert (prefs.due_soon, prefs.overdue, prefs.not_started, prefs.reply) == (
        True,
        False,
        True,
        True,
    )
    assert (prefs.quiet_start, prefs.quiet_end) == (time(20, 30), time(9, 15))
    assert prefs.digest is True  # not on the patient's form: left alone
    page = patient_client.get(URL).content.decode()
    assert "Your email choices were saved." in page
    assert 'name="overdue" id="id_overdue">' in page  # shown unticked


def test_a_clinician_turns_the_digest_off(clinician_client, clinician):
    response = clinician_client.post(
        URL, {"new_question": "on", "reply": "on", "quiet_start": "21:00", "quiet_end": "08:00"}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=clinician).digest is False


def test_a_mistyped_time_is_explained_and_nothing_is_lost(patient_client, patient):
    form = {**PATIENT_FORM, "quiet_start": "25:99"}
    del form["reply"]

    response = patient_client.post(URL, form)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a time in hours and minutes, like 21:00." in page
    assert 'value="25:99"' in page
    assert 'name="reply" id="id_reply">' in page  # still unticked as they left it
    assert 'name="due_soon" id="id_due_soon" checked>' in page
    assert not NotificationPreference.objects.filter(user=patient).exists()


def test_stop_all_emails_and_start_again(patient_client, patient):
    patient_client.post(URL, {**PATIENT_FORM, "all_off": "on"})
    prefs = NotificationPreference.objects.get(user=patient)
    assert prefs.unsubscribed_all_at is not None
    assert (
        "You have stopped all emails from the portal." in patient_client.get(URL).content.decode()
    )

    patient_client.post(URL, PATIENT_FORM)
    prefs.refresh_from_db()
    assert prefs.unsubscribed_all_at is None


def test_saved_choices_are_shown_next_time(patient_client, patient):
    NotificationPreferenceFactory(user=patient, not_started=False, quiet_start=time(22, 0))
    page = patient_client.get(URL).content.decode()
    assert 'name="not_started" id="id_not_started">' in page
    assert 'value="22:00"' in page
