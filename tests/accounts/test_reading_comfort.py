"""The text-size buttons and the footer language switch (issue 9)."""

import pytest
from django.conf import settings
from django.urls import reverse

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_text_size_button_saves_the_choice_and_goes_back_to_the_page(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:text_size"), {"text_size": "larger", "next": "/reading/"}
    )

    assert response.status_code == 302
    assert response.url == "/reading/"
    patient.refresh_from_db()
    assert patient.text_size == User.TextSize.LARGER
    page = patient_client.get(reverse("accounts:profile")).content.decode()
    assert "portal-text-larger" in page
    assert (
        'value="larger" class="portal-text-size__button portal-text-size__button--larger" aria-pressed="true"'
        in page
    )


def test_unknown_text_size_keeps_the_old_one_and_says_what_to_do(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:text_size"), {"text_size": "huge", "next": "/settings/"}, follow=True
    )

    patient.refresh_from_db()
    assert patient.text_size == User.TextSize.STANDARD
    assert "Choose one of the text sizes shown." in response.content.decode()


def test_text_size_never_sends_you_to_another_site(patient_client):
    response = patient_client.post(
        reverse("accounts:text_size"),
        {"text_size": "large", "next": "https://evil.example.net/"},
    )

    assert response.url == reverse("accounts:profile")


def test_text_size_saved_in_the_background_answers_204(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:text_size"),
        {"text_size": "large"},
        headers={"X-Requested-With": "fetch"},
    )

    assert response.status_code == 204
    patient.refresh_from_db()
    assert patient.text_size == User.TextSize.LARGE


def test_text_size_in_the_background_reports_a_bad_choice_as_400(patient_client):
    response = patient_client.post(
        reverse("accounts:text_size"), {"text_size": ""}, headers={"X-Requested-With": "fetch"}
    )

    assert response.status_code == 400
    assert response.json() == {"text_size": ["Choose one of the text sizes shown."]}


def test_text_size_needs_a_login(client):
    response = client.post(reverse("accounts:text_size"), {"text_size": "large"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_text_size_buttons_are_not_shown_before_logging_in(client):
    assert "portal-text-size" not in client.get(reverse("account_login")).content.decode()


def test_footer_language_switch_saves_a_logged_in_persons_preference(patient_client, patient):
    response = patient_client.post(
        reverse("accounts:language"), {"language": "es", "next": "/settings/"}
    )

    assert response.status_code == 302
    assert response.url == "/settings/"
    patient.refresh_from_db()
    assert patient.preferred_language == "es"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_footer_language_switch_ignores_a_language_we_do_not_offer(patient_client, patient):
    patient_client.post(reverse("accounts:language"), {"language": "xx", "next": "/settings/"})

    patient.refresh_from_db()
    assert patient.preferred_language == "en"


def test_footer_language_switch_works_before_logging_in(client):
    response = client.post(
        reverse("accounts:language"), {"language": "es", "next": "/accounts/login/"}
    )

    assert response.url == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_footer_names_each_language_in_that_language(patient_client, patient):
    # Someone looking for their own language finds it written as they would write it.
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert '<option value="en" selected>English</option>' in body
    assert '<option value="es">Español</option>' in body
    patient.preferred_language = "es"
    patient.save()
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert '<option value="en">English</option>' in body
    assert '<option value="es" selected>Español</option>' in body
