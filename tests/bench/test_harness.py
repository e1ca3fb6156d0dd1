"""The benchmark's server wrapper never leaves a gunicorn behind."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from apps.bench import harness


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
