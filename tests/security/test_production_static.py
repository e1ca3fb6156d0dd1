"""Production serves hashed static files from a manifest: collectstatic must complete."""

import json
import os
import subprocess
import sys

from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WhiteNoise's production storage is this one plus compression; the manifest is what fails.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


def test_collectstatic_with_the_production_storage_writes_a_manifest(tmp_path):
    # The vendored minified files name source maps; a missing one stops collectstatic and
    # every {% static %} in production then fails.
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/govuk-frontend-6.6.0/govuk-frontend.min.css" in manifest
    assert "vendor/htmx-2.0.11/htmx.min.js" in manifest


def production_setting(name: str):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        SECRET_KEY="s" * 60,
        DATABASE_URL="sqlite:////tmp/portal-production-static.sqlite3",
    )
    script = f"import json; from django.conf import settings; print(json.dumps(settings.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_liveness_probe_over_plain_http_is_answered_in_production(client, db):
    # Load balancers probe the private plain-HTTP hop; a redirect would read as "down".
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_REDIRECT_EXEMPT=production_setting("SECURE_REDIRECT_EXEMPT"),
    ):
        assert client.get("/accounts/login/").status_code == 301
        assert client.get("/healthz").status_code in (200, 503)
