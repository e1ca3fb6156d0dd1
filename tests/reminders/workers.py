"""Real Celery worker processes for the tests marked `services`: each consumes a queue of
the test's own on the real Redis, with the real settings and emails written as files."""

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).parent / "celery")


def database_url() -> str:
    """The test database, for a process started by the test."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def service_env(**extra: str) -> dict[str, str]:
    """The environment of a portal process that works on the test's database and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONPATH": str(BASE_DIR),
        **extra,
    }


@dataclass
class Worker:
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)

    def tail(self) -> str:
        return "".join(self.log[-40:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_worker(*, queue: str, mail_dir: Path, **extra_env: str) -> Worker:
    """A solo-pool worker (the task runs in the process a test can kill) once it is ready."""
    process = subprocess.Popen(
        [
            CELERY,
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=service_env(PORTAL_TEST_MAIL_DIR=str(mail_dir), **extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = Worker(process)
    ready = threading.Event()

    def read_output():
        for line in process.stdout:
            worker.log.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read_output, daemon=True).start()
    if not ready.wait(timeout=90):
        process.kill()
        pytest.fail("the Celery worker did not start:\n" + worker.tail())
    return worker


def wait_for(condition, timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it is true (True) or `timeout` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def emails_by_recipient(mail_dir: Path) -> Counter:
    """Emails the file backend has written so far, by address."""
    found = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("To: "):
                found[line[4:]] += 1
    return found


def use_real_queue(monkeypatch, settings, *, prefix: str) -> str:
    """Tasks the test process queues go for real to a Redis queue of the test's own."""
    from portal.celery import app as celery_app

    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "task_default_queue", name)
    monkeypatch.setattr(celery_app.conf, "broker_url", settings.REDIS_URL)
    return name
