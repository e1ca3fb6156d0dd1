"""The benchmark's server wrapper never leaves a gunicorn behind."""

import os
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from apps.bench import harness
from tests.factories import TEST_PASSWORD, PatientFactory


def test_a_server_that_cannot_start_is_reported_and_stopped(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.does_not_exist"}
    server = harness.Server(
        env=env, workers=1, log_path=tmp_path / "gunicorn.log", base_dir=Path(settings.BASE_DIR)
    )

    with pytest.raises(RuntimeError, match="gunicorn"), server:
        pass

    assert server.process.poll() is not None
    assert "does_not_exist" in (tmp_path / "gunicorn.log").read_text()


def test_the_server_listens_on_loopback_only():
    server = harness.Server(env={}, workers=3, log_path=Path("unused.log"), base_dir=Path("."))

    bind = server.command[server.command.index("--bind") + 1]
    assert bind.startswith("127.0.0.1:")
    assert server.command[server.command.index("--workers") + 1] == "3"


def _run(tmp_path):
    from apps.bench.runner import Options, Run

    return Run(Options(work_dir=tmp_path / "bench"), log=lambda message: None)


@pytest.mark.django_db(transaction=True)
def test_the_seeded_pages_are_written_out_before_measuring(tmp_path, require_services):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = _run(tmp_path)
    with CaptureQueriesContext(connection) as queries:
        run.checkpoint()

    assert [query["sql"] for query in queries.captured_queries] == ["CHECKPOINT"]
    assert run.results["run"]["checkpoint_seconds"] >= 0
    assert run.results["notes"] == []


@pytest.mark.django_db
def test_a_database_that_refuses_the_checkpoint_is_noted_not_fatal(tmp_path, monkeypatch):
    from unittest import mock

    from django.db import DatabaseError, connection

    run = _run(tmp_path)
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.execute.side_effect = DatabaseError("must be superuser")
    monkeypatch.setattr(connection, "cursor", lambda: cursor)

    run.checkpoint()

    assert run.results["notes"] == ["No CHECKPOINT before measuring: must be superuser"]
    assert "checkpoint_seconds" not in run.results["run"]


def test_the_tables_a_run_wrote_are_those_whose_rows_changed():
    from apps.bench.runner import written_tables

    before = {"audit_auditevent": 10, "accounts_user": 5, "django_session": 3}
    after = {"audit_auditevent": 2510, "accounts_user": 5, "django_session": 4, "new": 1}
    assert written_tables(before, after) == ["audit_auditevent", "django_session", "new"]
    assert written_tables(after, after) == []


@pytest.mark.django_db(transaction=True)
def test_after_a_run_the_tables_it_wrote_are_vacuumed_and_written_out(tmp_path, require_services):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.bench.runner import table_activity

    run = _run(tmp_path)
    assert "audit_auditevent" in table_activity()
    with CaptureQueriesContext(connection) as queries:
        settled = run.settle(["audit_auditevent", "no_such_table"])

    assert [query["sql"] for query in queries.captured_queries] == [
        'VACUUM (ANALYZE) "audit_auditevent"',
        'VACUUM (ANALYZE) "no_such_table"',
        "CHECKPOINT",
    ]
    assert settled["vacuumed"] == ["audit_auditevent"]
    assert settled["refused"] == ["no_such_table"]
    assert settled["checkpoint"] is True
    assert settled["seconds"] >= 0


@pytest.mark.django_db(transaction=True)
def test_a_web_login_gives_the_cookies_a_browser_sends_back(live_server):
    """The load generator sends what a browser sends after logging in: the session and the
    CSRF cookie, so a page reuses the CSRF secret instead of minting a new one."""
    PatientFactory(email="bench-login@example.org")
    header = harness.web_login_cookie(
        live_server.url, email="bench-login@example.org", password=TEST_PASSWORD
    )
    names = {part.split("=", 1)[0].strip() for part in header.split(";")}
    assert names == {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    request = urllib.request.Request(f"{live_server.url}/reading/", headers={"Cookie": header})
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the test's own server
        assert response.status == 200
        set_cookies = response.headers.get_all("Set-Cookie") or []
    # Django sets the CSRF cookie again on a page with a form (to renew it), with the same
    # secret it was sent rather than a new one.
    sent = dict(part.strip().split("=", 1) for part in header.split(";"))
    renewed = [c for c in set_cookies if c.startswith(f"{settings.CSRF_COOKIE_NAME}=")]
    assert renewed, set_cookies
    assert (
        renewed[0].split(";")[0] == f"{settings.CSRF_COOKIE_NAME}={sent[settings.CSRF_COOKIE_NAME]}"
    )
    # And web_login still gives the session id alone.
    session = harness.web_login(
        live_server.url, email="bench-login@example.org", password=TEST_PASSWORD
    )
    assert session and "=" not in session
