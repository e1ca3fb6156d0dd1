"""API test helpers: real logins through allauth headless, one client per role.

Staff accounts get a TOTP authenticator, as they would in production, so every staff
client below has been through the second login step.
"""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD

LOGIN_URL = "/_allauth/app/v1/auth/login"
MFA_URL = "/_allauth/app/v1/auth/2fa/authenticate"
SESSION_URL = "/_allauth/app/v1/auth/session"

ROLES = ("anonymous", "patient", "other_patient", "clinician", "other_clinician", "admin")


def give_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user._test_totp_secret = secret
    return secret


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def login_for_token(user, password: str = TEST_PASSWORD) -> str:
    """Log in as an app would; finish the second step when the account has TOTP."""
    client = APIClient()
    response = client.post(LOGIN_URL, {"email": user.email, "password": password}, format="json")
    body = response.json()
    if response.status_code == 401 and any(
        flow.get("id") == "mfa_authenticate" and flow.get("is_pending")
        for flow in body["data"]["flows"]
    ):
        token = body["meta"]["session_token"]
        # A code is good for one 30-second window; if the window turns between making the
        # code and checking it, the next window's code is the one to send.
        for _attempt in range(2):
            response = client.post(
                MFA_URL,
                {"code": current_code(user._test_totp_secret)},
                format="json",
                HTTP_X_SESSION_TOKEN=token,
            )
            body = response.json()
            if response.status_code == 200:
                break
    assert response.status_code == 200, body
    return body["meta"]["session_token"]


class InProcessApp:
    """The project's WSGI application, called the way Django's test client calls it.

    A request ending normally closes a database connection that is not in autocommit mode;
    in a test that connection holds the test's transaction, and on PostgreSQL closing it
    would end the test. Django's test client switches that off around each request (and
    back on after), so it is switched off again before every call here.
    """

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        return self.handler(environ, start_response)

    @staticmethod
    def reconnect_signals() -> None:
        """After the test: Django closes old connections around requests again."""
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def client_with_token(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_X_SESSION_TOKEN=token)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counts and used TOTP codes live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(patient, other_patient, clinician, other_clinician, admin_user):
    """One person per role; clinician cares for patient, other_clinician for other_patient."""
    for staff in (clinician, other_clinician, admin_user):
        give_totp(staff)
    return {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "admin": admin_user,
    }


@pytest.fixture
def api_as(people):
    """api_as("clinician") -> an APIClient logged in with that person's session token."""
    clients = {}

    def _client(role: str) -> APIClient:
        if role not in clients:
            user = people[role]
            clients[role] = client_with_token(login_for_token(user) if user else None)
        return clients[role]

    return _client


@pytest.fixture
def world(people):
    """A little of everything, on both sides of the care-team line.

    - `assignment`: patient's, assigned by clinician, every section already opened;
    - `other_assignment`: other_patient's, assigned by other_clinician;
    - `unassigned_module`: published, nobody has it yet;
    - `question` / `other_question`: one question by each patient.
    """
    from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
    from tests.library.factories import PublishedModuleFactory
    from tests.questions.factories import QuestionFactory

    assignment = AssignmentFactory(patient=people["patient"], assigned_by=people["clinician"])
    for section in assignment.module.current_version.sections:
        SectionProgressFactory(assignment=assignment, position=section["position"])
    other_assignment = AssignmentFactory(
        patient=people["other_patient"], assigned_by=people["other_clinician"]
    )
    return {
        "assignment": assignment,
        "other_assignment": other_assignment,
        "unassigned_module": PublishedModuleFactory(),
        "question": QuestionFactory(patient=people["patient"]),
        "other_question": QuestionFactory(patient=people["other_patient"]),
    }
