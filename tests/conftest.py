import os

import pytest
from django.conf import settings

from tests.factories import (
    AdminFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
    ensure_mfa,
)


def pytest_configure(config):
    # Playwright's sync API runs an event loop; Django's async-safety check would
    # otherwise refuse ORM calls made by live-server fixtures in the same thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request by someone who prefers Spanish leaves Spanish active in this thread (the
    middleware activates it, as Django's LocaleMiddleware does, and each request sets its own).
    Code a later test runs outside a request would otherwise speak Spanish."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_default_cache():
    """Each test starts with an empty default cache: a care team's cached numbers
    (apps.accounts.team_counts) are keyed by ids, which a later test's database may reuse."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def require_services():
    """For tests that need the real PostgreSQL and Redis.

    In CI (REQUIRE_SERVICES=1) a missing service fails the test; on a laptop it is skipped.
    """
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            problems.append(f"Redis is not reachable: {error}")
    if problems:
        message = "; ".join(problems)
        if settings.REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {message}")
        # SQLite-only runs (a laptop, `make run`'s default) skip these; CI fails above.
        pytest.skip(f"needs PostgreSQL and Redis: {message}")


@pytest.fixture
def patient(db):
    return PatientFactory(email="pat@example.org", name="Pat Patient")


@pytest.fixture
def other_patient(db):
    return PatientFactory(email="other@example.org", name="Olive Other")


@pytest.fixture
def clinician(db, patient):
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    return clinician


@pytest.fixture
def other_clinician(db, other_patient):
    clinician = ClinicianFactory(email="doc2@example.org", name="Dr Other")
    CareTeamMembershipFactory(clinician=clinician, patient=other_patient)
    return clinician


@pytest.fixture
def admin_user(db):
    return AdminFactory(email="admin@example.org", name="Ada Admin")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


@pytest.fixture
def clinician_client(client, clinician):
    ensure_mfa(clinician)
    client.force_login(clinician)
    return client


@pytest.fixture
def staff_login(db):
    """A new client logged in as a clinician or admin who has set up their authenticator app.

    Each call gives a client of its own, so a test can act as a patient and a clinician
    side by side.
    """
    from django.test import Client

    def login(user):
        ensure_mfa(user)
        staff_client = Client()
        staff_client.force_login(user)
        return staff_client

    return login
