"""The floor endpoints exist only for `make bench`: routed by the benchmark's own settings."""

import importlib

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

FLOOR_PATHS = ("/bench/floor/", "/bench/floor/api/")


@pytest.mark.parametrize("module", ["portal.settings.base", "portal.settings.test"])
def test_the_portals_own_settings_leave_the_benchmark_out(module):
    settings_module = importlib.import_module(module)
    assert "apps.bench" not in settings_module.INSTALLED_APPS
    assert settings_module.ROOT_URLCONF == "portal.urls"
    assert not hasattr(settings_module, "BENCHMARK_FLOOR_ENABLED")


@pytest.mark.parametrize("path", FLOOR_PATHS)
def test_floor_is_not_routed_by_the_portals_urls(path, settings, patient):
    settings.ROOT_URLCONF = "portal.urls"
    with pytest.raises(Resolver404):
        resolve(path)
    client = Client()
    client.force_login(patient)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", FLOOR_PATHS)
def test_floor_answers_with_one_query_of_its_own_when_enabled(path, patient_client, patient):
    with CaptureQueriesContext(connection) as queries:
        response = patient_client.get(path)

    assert response.status_code == 200
    assert response.json() == {"id": patient.pk, "role": "patient"}
    # Everything else is logging in (session, user, allauth's session tracking), which the
    # floor shares with the endpoints it is compared with.
    own = [
        q["sql"] for q in queries.captured_queries if '"accounts_user"."role" AS "role"' in q["sql"]
    ]
    assert len(own) == 1
    assert f'"accounts_user"."id" = {patient.pk}' in own[0]


def test_web_floor_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/bench/floor/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_api_floor_refuses_anonymous_callers(client):
    assert client.get("/bench/floor/api/").status_code == 401
