"""Server CPU per request: read from /proc, grouped into the app, PostgreSQL and Redis."""

import os
import time
from pathlib import Path

import pytest

from apps.bench import harness


def _stat(pid: int, name: str, parent: int, utime: int, stime: int) -> str:
    # pid (name) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
    # stime ...
    return f"{pid} ({name}) S {parent} 1 1 0 -1 0 0 0 0 0 {utime} {stime} 0 0 20 0 1 0\n"


def fake_proc(tmp_path: Path, processes: list[tuple[int, str, int, int, int]]) -> Path:
    (tmp_path / "self").mkdir()
    (tmp_path / "self" / "stat").write_text(_stat(1, "python", 0, 0, 0))
    (tmp_path / "meminfo").write_text("not a process\n")
    for pid, name, parent, utime, stime in processes:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(_stat(pid, name, parent, utime, stime))
    return tmp_path


def test_groups_the_server_its_workers_postgresql_and_redis(tmp_path):
    proc = fake_proc(
        tmp_path,
        [
            (100, "gunicorn", 1, 10, 5),  # the server
            (101, "gunicorn", 100, 200, 100),  # a worker
            (102, "python3", 100, 50, 50),  # a worker whose name differs
            (200, "postgres", 1, 300, 100),
            (201, "postgres", 200, 40, 10),
            (300, "redis-server *:6379", 1, 20, 0),
            (400, "python (bench) x", 1, 999, 999),  # parentheses in the name; not counted
            (401, "gunicorn", 7, 999, 999),  # another gunicorn, not ours
        ],
    )
    meter = harness.CpuMeter(100, proc=proc)
    meter.ticks = 100

    assert meter.read() == {"app": 4.15, "database": 4.5, "redis": 0.2}


def test_per_request_figures_from_two_readings():
    before = {"app": 1.0, "database": 2.0, "redis": 0.5}
    after = {"app": 3.0, "database": 2.5, "redis": 0.6}

    used = harness.cpu_used(before, after)
    assert used == {"app": 2.0, "database": 0.5, "redis": 0.1}
    assert harness.cpu_per_request(used, 1000) == {
        "app": 2.0,
        "database": 0.5,
        "redis": 0.1,
        "total": 2.6,
    }
    assert harness.cpu_used(None, after) is None
    assert harness.cpu_per_request(used, 0) is None


def test_floor_runs_are_combined_by_adding_their_cpu_and_requests():
    runs = [
        {
            "requests": 1000,
            "errors": 0,
            "rps": 100.0,
            "cpu_seconds": {"app": 2.0, "database": 1.0, "redis": 0.0},
        },
        {
            "requests": 3000,
            "errors": 0,
            "rps": 300.0,
            "cpu_seconds": {"app": 4.0, "database": 1.0, "redis": 0.4},
        },
    ]

    combined = harness.combine_all(runs)

    assert combined["cpu_seconds"] == {"app": 6.0, "database": 2.0, "redis": 0.4}
    assert combined["cpu_ms_per_request"] == {
        "app": 1.5,
        "database": 0.5,
        "redis": 0.1,
        "total": 2.1,
    }


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_reads_this_machine_and_sees_a_process_work():
    # This process stands in for the server: its own CPU time is the "app" group.
    meter = harness.CpuMeter(os.getpid())
    before = meter.read()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        sum(range(1000))
    after = meter.read()

    used = harness.cpu_used(before, after)
    assert 0.2 <= used["app"] <= 5, used
