"""Production smoke test: the portal as a clinic deploys it.

Run by .ci/run after `make test` (and by `make smoke`). It uses the production settings
(DJANGO_ENV=production, a generated SECRET_KEY, manifest static files after collectstatic)
on a fresh PostgreSQL database, serves them with gunicorn, and walks the main pages over
HTTP marked as HTTPS the way a TLS proxy marks it (X-Forwarded-Proto, which
SECURE_PROXY_SSL_HEADER trusts). It fails on any non-200 page, missing CSS or JS, missing
HSTS or CSP headers, or an API error that is not JSON.

Cookies are kept by hand: production cookies are `Secure` and `__Host-` prefixed, and an
HTTP client would rightly refuse to send them over the plain-HTTP hop behind the proxy.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - the documented demo password
DATABASE_NAME = os.environ.get("SMOKE_DATABASE", "portal_smoke")
PG_SERVER = os.environ.get("SMOKE_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


class SmokeFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "MFA_RELAX_FOR_DEMO"):
        env.pop(name, None)
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"{PG_SERVER}/{DATABASE_NAME}",
        REDIS_URL=os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/6"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        CONN_MAX_AGE="0",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SmokeFailure(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def recreate_database() -> None:
    for sql in (
        f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)',
        f'CREATE DATABASE "{DATABASE_NAME}"',
    ):
        subprocess.run(
            ["psql", f"{PG_SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True
        )


ENROL_STAFF_MFA = """
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from apps.accounts.models import User
user = User.objects.get(email="clinician@example.com")
Authenticator.objects.filter(user=user).delete()
secret = generate_totp_secret()
TOTP.activate(user, secret)
print(secret)
"""


def totp_code(env: dict[str, str], secret: str) -> str:
    """The current code, by allauth's own algorithm and settings."""
    script = (
        "import time\n"
        "from allauth.mfa import app_settings\n"
        "from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value\n"
        f"counter = int(time.time()) // app_settings.TOTP_PERIOD\n"
        f"print(format_hotp_value(hotp_value({secret!r}, counter)))\n"
    )
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


class Browser:
    """Just enough of a browser: cookies by hand, redirects followed, HTTPS as the proxy says."""

    def __init__(self, base: str, env: dict[str, str]):
        self.base = base
        self.env = env
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    def request(self, method: str, path: str, *, follow: bool = True, **kwargs):
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        if method != "GET":
            headers.setdefault("Origin", self.base.replace("http://", "https://"))
            headers.setdefault("X-CSRFToken", self.cookies.get("__Host-csrftoken", ""))
        for _ in range(6):
            response = self.http.request(
                method,
                self.base + path,
                headers=headers,
                cookies=dict(self.cookies),
                allow_redirects=False,
                timeout=30,
                **kwargs,
            )
            for cookie in response.cookies:
                if cookie.value:
                    self.cookies[cookie.name] = cookie.value
                else:
                    self.cookies.pop(cookie.name, None)
            if not follow or response.status_code not in (301, 302, 303):
                return response
            location = response.headers["Location"]
            check(
                location.startswith("/") or location.startswith(self.base.replace("http", "https")),
                f"{path} redirected off-site to {location}",
            )
            path = re.sub(r"^https?://[^/]+", "", location)
            method, kwargs = "GET", {}
        raise SmokeFailure(f"too many redirects from {path}")

    def page(self, path: str) -> str:
        response = self.request("GET", path)
        check(response.status_code == 200, f"GET {path}: {response.status_code}")
        check("text/html" in response.headers.get("Content-Type", ""), f"{path} is not HTML")
        check(
            "max-age=" in response.headers.get("Strict-Transport-Security", ""),
            f"{path}: no HSTS header",
        )
        check(
            "default-src" in response.headers.get("Content-Security-Policy", ""),
            f"{path}: no Content-Security-Policy header",
        )
        return response.text

    def form_token(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        check(match is not None, "no CSRF token in the form")
        return match.group(1)

    def log_in(self, email: str, totp_secret: str | None = None) -> str:
        html = self.page("/accounts/login/")
        response = self.request(
            "POST",
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": self.form_token(html),
                "login": email,
                "password": DEMO_PASSWORD,
            },
        )
        check(response.status_code == 200, f"login as {email}: {response.status_code}")
        if totp_secret and "/2fa/authenticate" in response.url:
            response = self.request(
                "POST",
                "/accounts/2fa/authenticate/",
                data={
                    "csrfmiddlewaretoken": self.form_token(response.text),
                    "code": totp_code(self.env, totp_secret),
                },
            )
            check(response.status_code == 200, f"two-step code for {email}: {response.status_code}")
        check("/accounts/login" not in response.url, f"{email} was not logged in")
        return response.text


def assets_of(html: str) -> list[str]:
    paths = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    check(any(p.endswith(".css") for p in paths), "the page links no stylesheet")
    check(any(p.endswith(".js") for p in paths), "the page loads no script")
    return sorted(set(paths))


def check_assets(browser: Browser, html: str) -> None:
    for path in assets_of(html):
        check(re.search(r"\.[0-9a-f]{12}\.(css|js)$", path) is not None, f"{path} is not hashed")
        response = browser.request("GET", path)
        check(response.status_code == 200, f"GET {path}: {response.status_code}")
        check(len(response.content) > 0, f"{path} is empty")


def walk(base: str, env: dict[str, str], totp_secret: str) -> list[str]:
    seen = []

    plain = requests.get(base + "/accounts/login/", allow_redirects=False, timeout=30)
    check(plain.status_code == 301, f"plain HTTP was not redirected to HTTPS: {plain.status_code}")
    check(plain.headers["Location"].startswith("https://"), "HTTP redirect is not to HTTPS")

    anonymous = Browser(base, env)
    ready = anonymous.request("GET", "/readyz")
    check(ready.status_code == 200, f"/readyz: {ready.status_code} {ready.text}")
    check(ready.json()["migrations"] is True, "/readyz: migrations not applied")
    api = anonymous.request("GET", "/api/v1/me/")
    check(api.status_code in (401, 403), f"anonymous /api/v1/me/: {api.status_code}")
    check(api.headers.get("Content-Type", "").startswith("application/json"), "401 is not JSON")
    missing = anonymous.request("GET", "/no-such-page/")
    check(missing.status_code == 404, f"unknown page: {missing.status_code}")
    check("<html" in missing.text.lower(), "the 404 page did not render")

    clinician = Browser(base, env)
    home = clinician.log_in("clinician@example.com", totp_secret)
    check_assets(clinician, home)
    seen.append("clinician home")
    patients_page = clinician.page("/patients/")
    check("Pat Rivera" in patients_page, "My patients does not list Pat Rivera")
    seen.append("/patients/")
    patients = clinician.request("GET", "/api/v1/patients/").json()
    pat = next(p for p in patients["results"] if p["email"] == "patient@example.com")
    modules = clinician.request("GET", "/api/v1/modules/").json()["results"]
    check(bool(modules), "no published module to assign")
    created = clinician.request(
        "POST",
        "/api/v1/assignments/",
        json={"patient": pat["id"], "module": modules[0]["slug"], "note": "smoke test"},
    )
    check(created.status_code == 201, f"assigning through the API: {created.status_code}")
    assignment_id = created.json()["id"]
    bad = clinician.request("POST", "/api/v1/assignments/", json={"patient": "x"})
    check(bad.status_code == 400, f"bad API input: {bad.status_code}")
    check(bad.headers.get("Content-Type", "").startswith("application/json"), "400 is not JSON")
    out_of_scope = clinician.request("GET", "/api/v1/assignments/987654321/")
    check(out_of_scope.status_code == 404, f"unknown assignment: {out_of_scope.status_code}")
    check(out_of_scope.headers.get("Content-Type", "").startswith("application/json"), "404")
    for path in (
        f"/patients/{pat['id']}/",
        "/team/questions/",
        "/patients/modules/",
        "/library/",
        f"/patients/{pat['id']}/wallet-card/",
    ):
        clinician.page(path)
        seen.append(path)
    metadata = anonymous.request("GET", "/fhir/r4/metadata")
    check(metadata.status_code == 200, f"FHIR metadata: {metadata.status_code}")
    check(metadata.json()["resourceType"] == "CapabilityStatement", "FHIR metadata")
    seen.append("/fhir/r4/metadata")

    patient = Browser(base, env)
    patient.log_in("patient@example.com")
    reading = patient.page("/reading/")
    check_assets(patient, reading)
    seen.append("/reading/")
    section = patient.page(f"/reading/{assignment_id}/")
    check("<h1" in section, "the reading page has no heading")
    seen.append(f"/reading/{assignment_id}/ (first section)")
    for path in (
        "/questions/",
        "/questions/ask/",
        "/settings/",
        "/settings/people/",
        "/reading/wallet-card/",
        "/my-record/access/",
    ):
        patient.page(path)
        seen.append(path)

    caregiver = Browser(base, env)
    caregiver.log_in("caregiver@example.com")
    shared = caregiver.page("/reading/")
    check("You are reading for Pat Rivera" in shared, "the caregiver's banner is missing")
    seen.append("/reading/ (caregiver)")
    return seen


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_environment(port)
    recreate_database()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    deploy_check = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    print(deploy_check.strip() or "check --deploy: no issues")
    manage(env, "seed_demo")
    # Demo publishing (marked "not clinically reviewed"): a real install publishes through review.
    manage(env, "load_library", "--demo")
    totp_secret = manage(env, "shell", "-c", ENROL_STAFF_MFA).strip().splitlines()[-1]

    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "portal.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            check(server.poll() is None, "gunicorn exited during start-up")
            check(time.monotonic() < deadline, "gunicorn did not answer within 60 s")
            time.sleep(0.5)
        seen = walk(base, env, totp_secret)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("production smoke test passed:", ", ".join(seen))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SmokeFailure as failure:
        print(f"production smoke test FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
