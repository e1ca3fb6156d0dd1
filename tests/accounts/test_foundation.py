import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import CareTeamMembership, User

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_healthz_says_503_when_the_broker_is_down(client, monkeypatch):
    from apps.accounts import views

    monkeypatch.setattr(views, "_broker_reachable", lambda: False)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] is False


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    # Nine with caregiver@example.com (issue 25).
    assert User.objects.filter(email__endswith="@example.com").count() == 9
    clinician = User.objects.get(email="clinician@example.com")
    assert set(
        CareTeamMembership.objects.filter(clinician=clinician).values_list(
            "patient__email", flat=True
        )
    ) == {"patient@example.com", "patient2@example.com"}
    assert User.objects.get(email="patient3@example.com").care_team_links.get().clinician.email == (
        "clinician2@example.com"
    )
    assert User.objects.get(email="patient@example.com").check_password("portal-demo-2026")


def _run_manage(args, env_extra):
    import os

    dropped = {"SECRET_KEY", "DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_check_deploy_is_clean_in_production():
    result = _run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": "x" * 20 + "a-real-random-secret-key-for-the-check-0123456789",
            "ALLOWED_HOSTS": "portal.example.org",
            "DATABASE_URL": "sqlite:////tmp/portal-deploy-check.sqlite3",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_manage(
        ["check"], {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "portal.example.org"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_clinicians_may_view_but_not_change_the_library():
    call_command("seed_demo", stdout=io.StringIO())
    clinician = User.objects.get(email="clinician@example.com")
    assert clinician.has_perm("library.view_module")
    assert clinician.has_perm("library.view_moduleversion")
    assert not clinician.has_perm("library.change_module")


def _postgres_options(env_extra) -> dict:
    # Only reads the settings: nothing connects to this database.
    result = _run_manage(
        [
            "shell",
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default']['OPTIONS']))",
        ],
        {"DATABASE_URL": "postgres://nobody@127.0.0.1:5432/not_used", **env_extra},
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_prepares_statements_and_runs_without_jit_unless_told_otherwise():
    assert _postgres_options({}) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "options": "-c jit=off",
    }
    # Behind a pooler that cannot keep prepared statements, they can be turned off.
    assert _postgres_options({"DATABASE_PREPARE_THRESHOLD": ""})["prepare_threshold"] is None


def test_the_filesystem_broker_keeps_every_folder_under_var():
    # Without Redis, kombu's filesystem transport would otherwise create ./control in the
    # working directory (it once did, and the folder was committed by mistake).
    result = _run_manage(
        [
            "shell",
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps([settings.CELERY_BROKER_URL, "
            "settings.CELERY_BROKER_TRANSPORT_OPTIONS, str(settings.VAR_DIR)]))",
        ],
        {"REDIS_URL": ""},
    )
    assert result.returncode == 0, result.stderr
    import json

    url, options, var_dir = json.loads(result.stdout.strip().splitlines()[-1])
    assert url == "filesystem://"
    folders = {k: v for k, v in options.items() if "folder" in k}
    assert set(folders) >= {
        "data_folder_in",
        "data_folder_out",
        "processed_folder",
        "control_folder",
    }
    assert all(v.startswith(var_dir) for v in folders.values()), folders


def test_patient_role_is_a_constant_in_the_sql_and_still_selects_only_patients(
    clinician, patient, other_patient, admin_user
):
    from apps.accounts.selectors import patient_list_for_user

    sql, params = patient_list_for_user(user=clinician).query.sql_with_params()
    assert "'patient'" in sql
    assert "patient" not in [str(p) for p in params]
    assert list(patient_list_for_user(user=clinician)) == [patient]
    everyone = set(patient_list_for_user(user=admin_user))
    assert everyone == {patient, other_patient}
    assert not User.objects.filter(User.patients_q(), pk__in=[clinician.pk, admin_user.pk]).exists()
