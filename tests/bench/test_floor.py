"""The floor endpoints exist only for `make bench`: routed when BENCHMARK_FLOOR_ENABLED is on."""

import importlib

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, clear_url_caches, resolve

import portal.urls

pytestmark = pytest.mark.django_db

FLOOR_PATHS = ("/bench/floor/", "/bench/floor/api/")


@pytest.fixture
def floor_routed():
    """The URLconf as `make bench` loads it; the normal one again afterwards."""

    def reload_urls():
        # portal/urls.py wraps the admin's login view when it runs: keep the one wrapping.
        admin_login = admin.site.login
        clear_url_caches()
        importlib.reload(portal.urls)
        admin.site.login = admin_login

    with override_settings(BENCHMARK_FLOOR_ENABLED=True):
        reload_urls()
        yield
    reload_urls()


def test_the_setting_is_off_by_default():
    assert settings.BENCHMARK_FLOOR_ENABLED is False


@pytest.mark.parametrize("path", FLOOR_PATHS)
def test_floor_is_not_routed_by_default(path, patient_client):
    with pytest.raises(Resolver404):
        resolve(path)
    assert patient_client.get(path).status_code == 404


@pytest.mark.parametrize("path", FLOOR_PATHS)
def test_floor_answers_with_one_query_of_its_own_when_enabled(
    path, floor_routed, patient_client, patient
):
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


def test_web_floor_sends_anonymous_visitors_to_log_in(floor_routed, client):
    response = client.get("/bench/floor/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_api_floor_refuses_anonymous_callers(floor_routed, client):
    assert client.get("/bench/floor/api/").status_code == 401
