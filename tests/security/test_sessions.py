"""Sessions: idle timeout, absolute lifetime, logout everywhere, and ending sessions that
must not outlive a change of password, role or account status."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.audit.services import audit_log
from apps.questions.models import Question
from tests.factories import TEST_PASSWORD, ensure_mfa

pytestmark = pytest.mark.django_db

READING = "/reading/"
PATIENTS = "/patients/"
LOGIN = reverse("account_login")


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0)


def _login_at(moment, user) -> Client:
    if user.is_staff_role:
        ensure_mfa(user)
    client = Client()
    with time_machine.travel(moment, tick=False):
        client.force_login(user)
    return client


def _get_at(client: Client, moment, path: str, **extra):
    with time_machine.travel(moment, tick=False):
        return client.get(path, **extra)


def test_staff_are_logged_out_after_15_idle_minutes(clinician, start):
    client = _login_at(start, clinician)
    assert _get_at(client, start + timedelta(minutes=14), PATIENTS).status_code == 200
    later = start + timedelta(minutes=14 + 15, seconds=1)
    response = _get_at(client, later, PATIENTS)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=%2Fpatients%2F"
    assert SESSION_KEY not in client.session
    login_page = _get_at(client, later, response.url)
    assert (
        "You were logged out after 15 minutes without activity, to protect your information."
        in login_page.content.decode()
    )


def test_patients_get_30_idle_minutes(patient, start):
    client = _login_at(start, patient)
    assert _get_at(client, start + timedelta(minutes=29), READING).status_code == 200
    response = _get_at(client, start + timedelta(minutes=29 + 30, seconds=1), READING)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_activity_keeps_the_session_alive(patient, start):
    client = _login_at(start, patient)
    for step in range(1, 13):  # two hours, a page every ten minutes
        assert _get_at(client, start + timedelta(minutes=10 * step), READING).status_code == 200


def test_asking_how_long_is_left_is_not_activity(clinician, start):
    client = _login_at(start, clinician)
    status = _get_at(client, start + timedelta(minutes=10), reverse("accounts:session_status"))
    assert status.json() == {"authenticated": True, "seconds_left": 5 * 60}
    expired = _get_at(
        client, start + timedelta(minutes=15, seconds=1), reverse("accounts:session_status")
    )
    assert expired.json()["authenticated"] is False
    assert "15 minutes without activity" in expired.json()["detail"]
    assert SESSION_KEY not in client.session


def test_stay_logged_in_restarts_the_clock(clinician, start):
    client = _login_at(start, clinician)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        kept = client.post(reverse("accounts:session_keep_alive"))
    assert kept.json() == {"authenticated": True, "seconds_left": 15 * 60}
    assert _get_at(client, start + timedelta(minutes=28), PATIENTS).status_code == 200


def test_an_expired_api_session_gets_a_json_401(clinician, start):
    client = _login_at(start, clinician)
    response = _get_at(client, start + timedelta(minutes=16), "/api/v1/me/")
    assert response.status_code == 401
    assert "without activity" in response.json()["detail"]


def test_sessions_end_after_the_absolute_lifetime_even_with_activity(patient, start, settings):
    settings.SESSION_COOKIE_AGE = 2 * 3600
    client = _login_at(start, patient)
    for step in range(1, 12):
        assert _get_at(client, start + timedelta(minutes=10 * step), READING).status_code == 200
    response = _get_at(client, start + timedelta(hours=2, minutes=1), READING)
    assert response.url.startswith(LOGIN)
    page = _get_at(client, start + timedelta(hours=2, minutes=1), response.url)
    assert "you had been logged in for 2 hours" in page.content.decode()


def test_pages_tell_the_warning_script_the_idle_minutes(patient, clinician, logged_in):
    patient_page = logged_in(patient).get(READING).content.decode()
    assert 'data-idle-minutes="30"' in patient_page
    assert 'id="session-timeout-dialog"' in patient_page
    assert "js/session-timeout.js" in patient_page
    assert 'data-idle-minutes="15"' in logged_in(clinician).get(PATIENTS).content.decode()
    anonymous = Client().get(LOGIN).content.decode()
    assert 'data-idle-minutes=""' in anonymous
    assert "session-timeout-dialog" not in anonymous


def test_logging_in_gives_a_new_session_key(client, patient):
    client.get(LOGIN)
    before = client.session.session_key or client.cookies["sessionid"].value
    client.post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(patient.pk)


def _real_login(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_changing_the_password_logs_out_every_other_browser(patient):
    phone, laptop = _real_login(patient), _real_login(patient)
    assert UserSession.objects.filter(user=patient).count() == 2
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get(READING).status_code == 200
    assert phone.get(READING).url.startswith(LOGIN)
    assert UserSession.objects.filter(user=patient).count() == 1


def test_log_out_everywhere_else_from_the_sessions_page(patient):
    phone, laptop = _real_login(patient), _real_login(patient)
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "This browser" in page
    assert "Log out everywhere else" in page
    laptop.post(reverse("usersessions_list"))
    assert phone.get(READING).url.startswith(LOGIN)
    assert laptop.get(READING).status_code == 200


def test_a_change_of_role_ends_the_persons_sessions(patient):
    browser = _real_login(patient)
    patient.role = User.Role.CLINICIAN
    patient.save()
    assert browser.get(READING).url.startswith(LOGIN)
    assert not UserSession.objects.filter(user=patient).exists()


def test_granting_staff_in_the_admin_ends_the_persons_sessions(patient, admin_user, logged_in):
    browser = _real_login(patient)
    admin = logged_in(admin_user)
    response = admin.post(
        reverse("admin:accounts_user_change", args=[patient.pk]),
        {
            "email": patient.email,
            "name": patient.name,
            "role": "patient",
            "timezone": patient.timezone,
            "preferred_language": "en",
            "text_size": "standard",
            "is_active": "on",
            "is_staff": "on",
            "care_team_links-TOTAL_FORMS": "0",
            "care_team_links-INITIAL_FORMS": "0",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    patient.refresh_from_db()
    assert patient.is_staff
    assert browser.get(READING).url.startswith(LOGIN)
    assert admin.get("/admin/").status_code == 200  # the admin's own session is untouched


def test_saving_unrelated_fields_keeps_the_session(patient):
    browser = _real_login(patient)
    patient.name = "Pat P. Patient"
    patient.save()
    assert browser.get(READING).status_code == 200


def test_deactivation_stops_the_session_at_once_and_keeps_the_history(patient, clinician):
    audit_log(actor=clinician, action="patient.view", patient=patient)
    question = Question.objects.create(patient=patient, body="Is the rash normal?")
    browser = _real_login(patient)
    services.user_deactivate(user=patient)
    assert browser.get(READING).url.startswith(LOGIN)
    again = Client().post(LOGIN, {"login": patient.email, "password": TEST_PASSWORD})
    assert again.url == reverse("account_inactive")
    assert User.objects.filter(pk=patient.pk, is_active=False).exists()
    assert AuditEvent.objects.filter(subject_patient=patient).count() == 1
    assert Question.objects.get(pk=question.pk).patient_id == patient.pk


def test_deactivating_from_the_admin_list_works_the_same(patient, admin_user, logged_in):
    browser = _real_login(patient)
    admin = logged_in(admin_user)
    admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [patient.pk]},
    )
    assert browser.get(READING).url.startswith(LOGIN)
    patient.refresh_from_db()
    assert patient.is_active is False


def test_changing_ones_own_privileges_keeps_this_browser_with_a_new_key(admin_user, logged_in):
    here, elsewhere = logged_in(admin_user), logged_in(admin_user)
    for browser in (here, elsewhere):
        assert browser.get("/admin/").status_code == 200
    key_before = here.session.session_key
    response = here.post(
        reverse("admin:accounts_user_change", args=[admin_user.pk]),
        {
            "email": admin_user.email,
            "name": admin_user.name,
            "role": "admin",
            "timezone": admin_user.timezone,
            "preferred_language": "en",
            "text_size": "standard",
            "is_active": "on",
            "is_staff": "on",
            "care_team_links-TOTAL_FORMS": "0",
            "care_team_links-INITIAL_FORMS": "0",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser  # the box was left unticked: a privilege change
    assert here.session.session_key != key_before
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").url.startswith("/admin/login/")
