"""Issue 18, item 17: the OpenAPI schema and Swagger UI are public only when API_DOCS_PUBLIC
says so; production leaves it off, and then only people who are logged in see them."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

DOCS = ("/api/schema/", "/api/docs/", "/_allauth/openapi.json", "/_allauth/openapi.yaml")


def test_private_docs_refuse_anonymous_visitors_with_401(settings):
    settings.API_DOCS_PUBLIC = False
    for url in DOCS:
        response = Client().get(url)
        assert response.status_code == 401, url
        assert b"paths" not in response.content and b"swagger" not in response.content.lower()


def test_private_docs_are_shown_to_people_who_are_logged_in(settings, patient):
    settings.API_DOCS_PUBLIC = False
    client = Client()
    client.force_login(patient)
    for url in DOCS:
        assert client.get(url).status_code == 200, url


def test_public_docs_are_shown_to_anyone(settings):
    settings.API_DOCS_PUBLIC = True
    for url in DOCS:
        assert Client().get(url).status_code == 200, url


def _setting_in(env: dict) -> str:
    code = "from django.conf import settings; print(settings.API_DOCS_PUBLIC)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "SECRET_KEY": "k" * 60,
            **env,
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_production_keeps_the_docs_private_unless_told_otherwise():
    assert _setting_in({"DJANGO_ENV": "production"}) == "False"
    assert _setting_in({"DJANGO_ENV": "production", "API_DOCS_PUBLIC": "true"}) == "True"
    assert _setting_in({"DJANGO_ENV": "development"}) == "True"
