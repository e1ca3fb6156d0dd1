import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, ensure_mfa

pytestmark = pytest.mark.django_db


def test_patient_logs_in_with_email_and_lands_on_my_reading(client, patient):
    response = client.post(
        reverse("account_login"), {"login": "PAT@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get(response.url, follow=True)
    assert home.redirect_chain[-1][0] == reverse("assignments:my_reading")
    assert "My reading" in home.content.decode()
    assert "Pat Patient" in home.content.decode()


def _log_in_with_code(client, user):
    """Staff log in with their password, then a code from their authenticator app."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = ensure_mfa(user)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    for counter in yield_hotp_counters_from_time():
        response = client.post(
            reverse("mfa_authenticate"), {"code": format_hotp_value(hotp_value(secret, counter))}
        )
        if response.status_code == 302:
            return response
    raise AssertionError("the authenticator code was refused")


def test_clinician_lands_on_my_patients_after_the_second_step(client, clinician):
    _log_in_with_code(client, clinician)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("assignments:my_patients")


def test_admin_lands_on_the_admin_after_the_second_step(client, admin_user):
    _log_in_with_code(client, admin_user)
    response = client.get(reverse("home"))
    assert response.url == reverse("admin:index")


def test_wrong_password_shows_a_plain_error_and_keeps_the_email(client, patient):
    response = client.post(reverse("account_login"), {"login": patient.email, "password": "not-it"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The email address and/or password you specified are not correct." in body
    assert f'value="{patient.email}"' in body
    assert "govuk-error-summary" in body


def test_logout_ends_the_session(patient_client):
    response = patient_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert patient_client.get(reverse("assignments:my_reading")).status_code == 302


def test_there_is_no_open_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()
    assert 'name="password1"' not in response.content.decode()


def test_inactive_account_cannot_log_in(client, patient):
    patient.is_active = False
    patient.save()
    response = client.post(
        reverse("account_login"), {"login": patient.email, "password": TEST_PASSWORD}
    )
    assert response.url == reverse("account_inactive")
    assert client.get(reverse("assignments:my_reading")).status_code == 302


def test_login_page_renders_accessible_form(client):
    body = client.get(reverse("account_login")).content.decode()
    assert 'class="govuk-skip-link"' in body
    assert '<label class="govuk-label" for="id_login">' in body
