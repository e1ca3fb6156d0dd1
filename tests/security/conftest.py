"""Helpers for the security tests: staff with and without two-step verification."""

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import ClinicianFactory, ensure_mfa

from .scenario import Scenario, build_scenario


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def logged_in():
    """logged_in(user) -> a Client with that person's session (staff get an authenticator)."""

    def _client(user, *, mfa: bool = True, **client_kwargs) -> Client:
        if mfa and (user.is_staff_role or user.is_staff):
            ensure_mfa(user)
        client = Client(**client_kwargs)
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def staff_without_mfa(db, patient):
    clinician = ClinicianFactory(email="new-doc@example.org", name="Dr New")
    clinician.care_team_patients_links.create(patient=patient)
    return clinician


@pytest.fixture
def scenario(db) -> Scenario:
    return build_scenario()
