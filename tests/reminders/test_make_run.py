"""What `make run` starts, for real on PostgreSQL and Redis: runserver leaves no idle
database connections behind, and a killed Celery worker is started again while the web
process goes on serving (Procfile)."""

import os
import signal
import socket
import subprocess
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from .workers import BASE_DIR, service_env, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REQUESTS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status
    except OSError:
        return 0


def _other_connections() -> int:
    """Connections to the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _development_env(**extra: str) -> dict[str, str]:
    env = service_env(DJANGO_SETTINGS_MODULE="portal.settings.base", DJANGO_ENV="development")
    env.pop("CONN_MAX_AGE", None)
    return {**env, **extra}


def _stop(process: subprocess.Popen) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_runserver_keeps_no_idle_database_connection_after_requests(require_services):
    port = _free_port()
    server = subprocess.Popen(
        [str(BASE_DIR / ".venv/bin/python"), "manage.py", "runserver", f"127.0.0.1:{port}"]
        + ["--noreload"],
        cwd=BASE_DIR,
        env=_development_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        assert wait_for(lambda: _status(url) == 200, 60), "runserver did not start"
        # /healthz queries the database; runserver answers each request in a new thread.
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(_status, [url] * REQUESTS))
        assert statuses == [200] * REQUESTS
        assert wait_for(lambda: _other_connections() == 0, 10), (
            f"{_other_connections()} connections left open by runserver"
        )
    finally:
        _stop(server)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


def _celery_worker_pids(honcho: subprocess.Popen) -> list[int]:
    """The main process of each Celery worker under honcho (not its pool's children)."""
    workers = set()
    for pid in _descendants(honcho.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # The celery script runs as "python .venv/bin/celery -A portal worker ...".
        if any(part.endswith(b"/celery") for part in command[:2]) and b"worker" in command:
            workers.add(pid)
    pool_children = {child for pid in workers for child in _children(pid)}
    return sorted(workers - pool_children)


def test_make_run_starts_a_killed_worker_again_and_keeps_serving(require_services):
    port = _free_port()
    honcho = subprocess.Popen(
        [str(BASE_DIR / ".venv/bin/honcho"), "start", "-f", "Procfile"],
        cwd=BASE_DIR,
        env=_development_env(PORT=str(port), PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(honcho.stdout), daemon=True).start()

    def workers_ready() -> int:
        return sum(" worker.1 " in line and " ready." in line for line in list(log))

    url = f"http://127.0.0.1:{port}/healthz"
    try:
        assert wait_for(lambda: workers_ready() == 1 and _status(url) == 200, 90), "".join(log)
        [worker] = _celery_worker_pids(honcho)

        os.kill(worker, signal.SIGKILL)

        assert wait_for(lambda: workers_ready() == 2, 90), "".join(log[-40:])
        assert honcho.poll() is None, "honcho stopped everything"
        assert _status(url) == 200
        assert [pid for pid in _celery_worker_pids(honcho) if pid != worker]
    finally:
        _stop(honcho)
