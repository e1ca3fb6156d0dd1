"""Two-step verification: required for clinicians and admins on the web and in the API."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.api.permissions import StaffMFARequired
from tests.factories import TEST_PASSWORD, AdminFactory, ClinicianFactory, ensure_mfa

pytestmark = pytest.mark.django_db

MY_PATIENTS = "/patients/"
ME_API = "/api/v1/me/"


def _code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def _password_login(client: Client, user) -> None:
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def test_clinician_without_mfa_is_sent_to_set_it_up_before_any_page(staff_without_mfa):
    client = Client()
    client.force_login(staff_without_mfa)
    response = client.get(MY_PATIENTS)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    for path in (reverse("accounts:invitation_list"), "/admin/", reverse("accounts:profile")):
        assert client.get(path).url == reverse("mfa_activate_totp"), path


def _confirm_password(client: Client) -> None:
    """allauth asks for the password again before an authenticator is added."""
    response = client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_after_login_staff_are_told_why_and_taken_to_set_up(staff_without_mfa):
    client = Client()
    _password_login(client, staff_without_mfa)
    page = client.get(MY_PATIENTS, follow=True)
    # allauth first asks for the password again, then shows the set-up page.
    assert page.redirect_chain[0][0] == reverse("mfa_activate_totp")
    body = page.content.decode()
    assert "so it must be protected with two-step verification" in body
    _confirm_password(client)
    assert (
        "Set up two-step verification" in client.get(reverse("mfa_activate_totp")).content.decode()
    )


def test_pages_needed_to_set_up_mfa_or_leave_stay_open(staff_without_mfa):
    client = Client()
    client.force_login(staff_without_mfa)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:session_status")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(MY_PATIENTS).status_code == 302  # logged out now: to the login page
    assert client.get(MY_PATIENTS).url.startswith(reverse("account_login"))


def test_enrolling_opens_the_portal(staff_without_mfa):
    client = Client()
    _password_login(client, staff_without_mfa)
    _confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()  # the setup key for people who cannot scan

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "govuk-error-summary" in wrong.content.decode()

    done = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert done.status_code == 302
    assert done.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(
        user=staff_without_mfa, type=Authenticator.Type.TOTP
    ).exists()
    codes = client.get(done.url).content.decode()
    assert "You have 10 of 10 codes left." in codes
    assert codes.count("<li><code>") == 10
    assert client.get(MY_PATIENTS).status_code == 200
    overview = client.get(reverse("mfa_index")).content.decode()
    assert "must stay on" in overview
    assert "10 of 10 codes left" in overview


def test_api_refuses_a_staff_session_without_mfa(staff_without_mfa):
    client = Client()
    client.force_login(staff_without_mfa)
    response = client.get(ME_API)
    assert response.status_code == 403
    assert "Two-step verification is required" in response.json()["detail"]


def test_api_refuses_a_staff_token_without_mfa(staff_without_mfa):
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": staff_without_mfa.email, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    token = login.json()["meta"]["session_token"]
    response = Client().get(ME_API, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 403
    assert "Two-step verification is required" in response.json()["detail"]


def test_staff_with_an_authenticator_get_through(clinician):
    ensure_mfa(clinician)
    client = Client()
    client.force_login(clinician)
    assert client.get(MY_PATIENTS).status_code == 200
    assert client.get(ME_API).json()["email"] == clinician.email


def test_admin_without_mfa_cannot_open_the_django_admin(db):
    admin = AdminFactory(email="boss@example.org")
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
    ensure_mfa(admin)
    admin.refresh_from_db()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_patients_do_not_need_mfa(patient_client):
    assert patient_client.get("/reading/").status_code == 200
    assert patient_client.get(ME_API).status_code == 200


def test_logging_in_with_an_authenticator_asks_for_the_code(clinician):
    secret = ensure_mfa(clinician)
    client = Client()
    _password_login(client, clinician)
    assert client.get(MY_PATIENTS).url.startswith(reverse("account_login"))  # not in yet
    stage = client.get(reverse("mfa_authenticate"))
    assert "Enter your code" in stage.content.decode()
    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert "govuk-error-summary" in wrong.content.decode()
    right = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert right.status_code == 302
    assert client.get(MY_PATIENTS).status_code == 200


def test_django_admin_login_goes_through_the_portal_login(db):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@override_settings(MFA_RELAX_FOR_DEMO=True, IS_PRODUCTION=False)
def test_demo_staff_may_skip_mfa_in_development_when_the_setting_is_on(db):
    demo = ClinicianFactory(email="clinician@example.com")
    client = Client()
    client.force_login(demo)
    assert client.get(MY_PATIENTS).status_code == 200
    assert client.get(ME_API).status_code == 200


@override_settings(MFA_RELAX_FOR_DEMO=True, IS_PRODUCTION=False)
def test_the_relaxation_is_only_for_the_demo_accounts(db):
    real = ClinicianFactory(email="nurse@example.com")  # same domain, not a demo account
    client = Client()
    client.force_login(real)
    assert client.get(MY_PATIENTS).url == reverse("mfa_activate_totp")
    assert client.get(ME_API).status_code == 403


@override_settings(MFA_RELAX_FOR_DEMO=False)
def test_demo_staff_need_mfa_when_the_setting_is_off(db):
    demo = ClinicianFactory(email="clinician@example.com")
    client = Client()
    client.force_login(demo)
    assert client.get(MY_PATIENTS).url == reverse("mfa_activate_totp")


@override_settings(MFA_RELAX_FOR_DEMO=True, IS_PRODUCTION=True)
def test_the_relaxation_never_applies_in_production(db):
    demo = AdminFactory(email="admin@example.com")
    client = Client()
    client.force_login(demo)
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
    assert client.get(ME_API).status_code == 403


def _api_views():
    """Every REST framework view in the URLconf, with its route."""

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None)
                if view_class is not None and hasattr(view_class, "permission_classes"):
                    yield prefix + str(pattern.pattern), pattern.callback

    return list(walk(get_resolver()))


# The schema and its viewer describe the API, and FHIR's CapabilityStatement the FHIR server;
# FHIR's unknown addresses answer 404 to anyone. None of them holds patient data.
PUBLIC_API_ROUTES = {"api/schema/", "api/docs/", "fhir/r4/metadata", "^fhir/"}


def test_every_api_view_keeps_the_mfa_permission():
    views = _api_views()
    assert any(route.startswith("api/v1/") for route, _view in views)
    missing = []
    for route, view in views:
        if route in PUBLIC_API_ROUTES:
            continue
        permissions = getattr(view, "initkwargs", {}).get("permission_classes") or (
            view.cls.permission_classes
        )
        if StaffMFARequired not in permissions:
            missing.append(route)
    assert not missing, f"API views without StaffMFARequired: {missing}"


def test_authenticator_secrets_are_encrypted_in_the_database(clinician):
    secret = ensure_mfa(clinician)
    stored = Authenticator.objects.get(user=clinician).data["secret"]
    assert secret not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    from allauth.mfa.utils import decrypt

    assert decrypt(stored) == secret


def test_a_secret_saved_before_encryption_still_works(clinician):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    legacy = Authenticator.objects.create(
        user=clinician, type=Authenticator.Type.TOTP, data={"secret": secret}
    )
    assert TOTP(legacy).validate_code(_code(secret))
