"""The moving parts of `run_bench`: the gunicorn server, real logins, and locust runs.

Everything talks to 127.0.0.1 only. The server and the load generator are separate
processes from this one; this process only starts them, logs in, and reads their results.
"""

import csv
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

LOOPBACK = "127.0.0.1"
# The server runs the production settings, which trust this header from the proxy in front of
# it (SECURE_PROXY_SSL_HEADER): every request says it came in over HTTPS, as behind a proxy.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def default_workers() -> int:
    """Sync workers wait on the database half of the time: 2 per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


class Server:
    """gunicorn serving the portal on a free loopback port, stopped however the run ends."""

    def __init__(self, *, env: dict[str, str], workers: int, log_path: Path, base_dir: Path):
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.workers = workers
        self.env = env
        self.log_path = log_path
        self.base_dir = base_dir
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).with_name("gunicorn")),
            "portal.wsgi:application",
            "--bind",
            f"{LOOPBACK}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            # Import the portal once, before forking the workers.
            "--preload",
            # No worker restarts during a run (a deployment's gunicorn.conf.py may ask for
            # them): the CPU of a worker that exits would be lost to the meter.
            "--max-requests",
            "0",
        ]

    def __enter__(self) -> "Server":
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            self.command,
            cwd=self.base_dir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            # __exit__ does not run when __enter__ fails: stop the server here.
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_ready(self, timeout: float = 180) -> None:
        # A worker's first /healthz also connects to the broker: seconds on a busy machine.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            try:
                request = urllib.request.Request(f"{self.url}/healthz", headers=PROXY_HEADERS)  # noqa: S310 - loopback URL
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


# --- Logging in, the way a browser and an app do -----------------------------------------------


def totp_code(secret: str, *, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


def wait_for_fresh_totp_period(last_used_at: float | None) -> None:
    """allauth refuses a TOTP code used before; a second login of the same person inside
    the same 30-second period waits for the next code, as a person would."""
    if last_used_at is None:
        return
    if int(time.time() // 30) == int(last_used_at // 30):
        time.sleep(30 - time.time() % 30 + 0.2)


class LoginFailed(Exception):
    pass


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _SecureCookiesOverProxy(http.cookiejar.DefaultCookiePolicy):
    """Sends secure cookies back over the loopback connection: the requests are marked HTTPS
    by PROXY_HEADERS, as a browser's are behind the proxy."""

    def return_ok_secure(self, cookie, request):
        return True


def _cookie_jar() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(policy=_SecureCookiesOverProxy())


def _https_referer(url: str) -> str:
    """The address the browser saw: over HTTPS, which Django's CSRF check compares with."""
    return urllib.parse.urlsplit(url)._replace(scheme="https").geturl()


def _no_redirects_opener(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def _request(opener, url: str, *, data: bytes | None = None, headers=None):
    request = urllib.request.Request(url, data=data, headers={**PROXY_HEADERS, **(headers or {})})  # noqa: S310
    try:
        response = opener.open(request, timeout=60)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, dict(response.headers), response.read().decode()


def _post_form(opener, url: str, fields: dict[str, str], referer: str):
    body = urllib.parse.urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": _https_referer(referer),
    }
    return _request(opener, url, data=body, headers=headers)


def web_login(base_url: str, *, email: str, password: str, totp_secret: str | None = None) -> str:
    """Log in through the HTML form (and the second step for staff); return the session id."""
    jar = _web_login_jar(base_url, email=email, password=password, totp_secret=totp_secret)
    return next(c.value for c in jar if c.name.endswith("sessionid"))


def web_login_cookie(
    base_url: str, *, email: str, password: str, totp_secret: str | None = None
) -> str:
    """Log in as web_login does; return the Cookie header a browser sends from then on: the
    session and the CSRF cookie. Without the CSRF cookie every page would mint a new CSRF
    secret, which no browser makes a page do. (The "signed in" message's
    cookie is left out: a browser has it once, and the page that shows it clears it.)"""
    from django.conf import settings

    jar = _web_login_jar(base_url, email=email, password=password, totp_secret=totp_secret)
    wanted = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name in wanted)


def _web_login_jar(
    base_url: str, *, email: str, password: str, totp_secret: str | None
) -> http.cookiejar.CookieJar:
    jar = _cookie_jar()
    opener = _no_redirects_opener(jar)
    login_url = f"{base_url}/accounts/login/"
    status, _headers, body = _request(opener, login_url)
    token = _CSRF_INPUT.search(body)
    if status != 200 or token is None:
        raise LoginFailed(f"login page answered {status}")
    status, headers, _body = _post_form(
        opener,
        login_url,
        {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password},
        login_url,
    )
    location = headers.get("Location", "")
    if status != 302:
        raise LoginFailed(f"login form answered {status} for {email}")
    if "/2fa/" in location:
        if totp_secret is None:
            raise LoginFailed(f"{email} was asked for a second step but has no authenticator")
        mfa_url = urllib.parse.urljoin(login_url, location)
        status, _headers, body = _request(opener, mfa_url)
        token = _CSRF_INPUT.search(body)
        if status != 200 or token is None:
            raise LoginFailed(f"second-step page answered {status}")
        status, headers, _body = _post_form(
            opener,
            mfa_url,
            {"csrfmiddlewaretoken": token.group(1), "code": totp_code(totp_secret)},
            mfa_url,
        )
        if status != 302 or "/2fa/" in headers.get("Location", ""):
            raise LoginFailed(f"second step refused for {email} ({status})")
    if not any(c.name.endswith("sessionid") for c in jar):
        raise LoginFailed(f"no session cookie for {email}")
    return jar


def app_login(base_url: str, *, email: str, password: str, totp_secret: str | None = None) -> str:
    """Log in as an app does (allauth headless); return the X-Session-Token."""
    opener = urllib.request.build_opener()
    headers = {"Content-Type": "application/json"}
    status, _h, body = _request(
        opener,
        f"{base_url}/_allauth/app/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers=headers,
    )
    payload = json.loads(body)
    flows = payload.get("data", {}).get("flows", []) if status == 401 else []
    if any(flow.get("id") == "mfa_authenticate" and flow.get("is_pending") for flow in flows):
        if totp_secret is None:
            raise LoginFailed(f"{email} was asked for a second step but has no authenticator")
        status, _h, body = _request(
            opener,
            f"{base_url}/_allauth/app/v1/auth/2fa/authenticate",
            data=json.dumps({"code": totp_code(totp_secret)}).encode(),
            headers={**headers, "X-Session-Token": payload["meta"]["session_token"]},
        )
        payload = json.loads(body)
    if status != 200:
        raise LoginFailed(f"app login answered {status} for {email}: {body[:200]}")
    return payload["meta"]["session_token"]


def web_form_post(
    base_url: str, path: str, *, session: str, fields: list[tuple[str, object]]
) -> tuple[int, float, str]:
    """Submit a form as the browser does: load the page for its CSRF token, then post it.
    Only the post is timed. Returns (status, seconds, body)."""
    from django.conf import settings

    jar = _cookie_jar()
    opener = _no_redirects_opener(jar)
    url = f"{base_url}{path}"
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    status, headers, body = _request(opener, url, headers=cookie)
    token = _CSRF_INPUT.search(body)
    if status != 200 or token is None:
        return status, 0.0, body
    csrf_cookie = next((c.value for c in jar if c.name.endswith("csrftoken")), "")
    data = urllib.parse.urlencode(
        [("csrfmiddlewaretoken", token.group(1)), *[(name, str(value)) for name, value in fields]]
    ).encode()
    request_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": _https_referer(url),
        "Cookie": f"{cookie['Cookie']}; {settings.CSRF_COOKIE_NAME}={csrf_cookie}",
    }
    plain = _no_redirects_opener(_cookie_jar())
    started = time.perf_counter()
    status, _headers, body = _request(plain, url, data=data, headers=request_headers)
    return status, time.perf_counter() - started, body


def timed_request(
    base_url: str, path: str, *, method: str = "GET", headers=None, body: dict | None = None
) -> tuple[int, float, str]:
    """One request; returns (status, seconds, body)."""
    opener = _no_redirects_opener(_cookie_jar())
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json", **PROXY_HEADERS, **(headers or {})}
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        f"{base_url}{path}", data=data, headers=all_headers, method=method
    )
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=120)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        text = response.read().decode()
    return response.status, time.perf_counter() - started, text


# --- Load generation ----------------------------------------------------------------------------


@dataclass
class Scenario:
    """One measured endpoint: what each simulated user sends, in a loop, without pauses."""

    name: str
    label: str
    floor: str | None  # the floor scenario this one is compared with; None for a floor
    users: list[dict] = field(default_factory=list)  # {"headers": {}, "requests": [...]}

    def plan(self) -> dict:
        return {"name": self.name, "users": self.users}


CPU_GROUPS = ("app", "database", "redis")


class CpuMeter:
    """CPU time (user + system, in seconds) used so far by the server side of a run, read from
    /proc: "app" is the gunicorn master and its workers, "database" every PostgreSQL process,
    "redis" the Redis server. The difference between two readings around a load run, divided
    by the requests it sent, is what one request cost each of them.

    A process that exits between two readings takes its time with it (a PostgreSQL backend
    whose connection closes, a gunicorn worker that is replaced): with persistent connections
    and no worker restarts, neither happens during a run. Linux only: elsewhere read()
    returns None and the report leaves the columns out.
    """

    def __init__(self, server_pid: int, proc: Path = Path("/proc")):
        self.server_pid = server_pid
        self.proc = proc
        self.ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _group(self, pid: int, name: str, parent: int) -> str | None:
        if pid == self.server_pid or parent == self.server_pid:
            return "app"
        if name == "postgres":
            return "database"
        if name.startswith("redis-server"):
            return "redis"
        return None

    def read(self) -> dict[str, float] | None:
        if not (self.proc / "self" / "stat").exists():
            return None
        totals = dict.fromkeys(CPU_GROUPS, 0.0)
        for entry in self.proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it exited meanwhile
                continue
            # "pid (name) state ppid ...": the name may hold spaces and parentheses.
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            group = self._group(int(entry.name), name, int(fields[1]))
            if group is not None:
                totals[group] += (int(fields[11]) + int(fields[12])) / self.ticks
        return totals


def cpu_used(before: dict | None, after: dict | None) -> dict | None:
    """CPU seconds of each group between two CpuMeter readings."""
    if before is None or after is None:
        return None
    return {group: round(max(after[group] - before[group], 0.0), 3) for group in CPU_GROUPS}


def cpu_per_request(seconds: dict | None, requests: int) -> dict | None:
    """Milliseconds of CPU per request for each group, and their total."""
    if seconds is None or not requests:
        return None
    per_request = {group: round(seconds[group] * 1000 / requests, 2) for group in CPU_GROUPS}
    per_request["total"] = round(sum(per_request.values()), 2)
    return per_request


def run_locust(
    *,
    scenario: Scenario,
    host: str,
    users: int,
    seconds: int,
    max_requests: int,
    work_dir: Path,
    env: dict[str, str],
) -> dict:
    """Drive `host` with `users` concurrent users for `seconds` (and at most `max_requests`
    requests) from a separate locust process; return its figures for this scenario."""
    plan_path = work_dir / f"{scenario.name}.plan.json"
    plan_path.write_text(
        json.dumps(
            {**scenario.plan(), "max_requests": max_requests, "every_request": PROXY_HEADERS}
        )
    )
    prefix = work_dir / scenario.name
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--only-summary",
        "--reset-stats",
        "--csv",
        str(prefix),
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    log_path = work_dir / f"{scenario.name}.locust.log"
    with log_path.open("w") as log:
        subprocess.run(  # noqa: S603 - fixed argument list
            command,
            env={**env, "BENCH_PLAN": str(plan_path)},
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=seconds + 60,
            check=True,
        )
    return read_locust_stats(Path(f"{prefix}_stats.csv"), name=scenario.name)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_locust_stats(path: Path, *, name: str) -> dict:
    """The row for `name` in locust's *_stats.csv, as the figures the report uses."""
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] != name:
                continue
            count = int(row["Request Count"])
            failures = int(row["Failure Count"])
            return {
                "requests": count,
                "errors": failures,
                "error_rate": round(failures / count, 4) if count else None,
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "mean_ms": round(float(row["Average Response Time"]), 1),
                "max_ms": _number(row["Max Response Time"]),
            }
    raise ValueError(f"no row for {name} in {path}")


def combine_runs(before: dict, after: dict) -> dict:
    """A floor measured twice: requests and errors added, rates and percentiles averaged,
    both runs kept for the record."""
    if before is after:
        return {**before, "runs": [before]}
    return combine_all([before, after])


def combine_all(runs: list[dict]) -> dict:
    """Any number of runs of the same scenario, combined as combine_runs does for two."""
    if len(runs) == 1:
        return {**runs[0], "runs": runs}

    def mean(key):
        values = [run[key] for run in runs if run.get(key) is not None]
        return round(sum(values) / len(values), 1) if values else None

    requests = sum(run["requests"] for run in runs)
    errors = sum(run["errors"] for run in runs)
    cpu = None
    if all(run.get("cpu_seconds") for run in runs):
        cpu = {
            group: round(sum(run["cpu_seconds"][group] for run in runs), 3) for group in CPU_GROUPS
        }
    return {
        **runs[0],
        "requests": requests,
        "cpu_seconds": cpu,
        "cpu_ms_per_request": cpu_per_request(cpu, requests),
        "errors": errors,
        "error_rate": round(errors / requests, 4) if requests else None,
        **{key: mean(key) for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms")},
        "max_ms": max(run.get("max_ms") or 0 for run in runs),
        "runs": runs,
    }
