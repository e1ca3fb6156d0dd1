"""One whole benchmark run, step by step (called by `manage.py run_bench`).

This process runs with the benchmark's own environment (see `bench_environment`): its own
PostgreSQL database and Redis index, DEBUG off, the floor endpoints routed. It migrates,
seeds, starts gunicorn, logs in, drives each endpoint with locust, then runs the bulk
assignment and the reminder sweep benchmarks, and writes the report.
"""

import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from io import StringIO
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, User
from apps.assignments.models import Assignment

from . import harness, report, seed, sweep

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
OWN_DATABASE_PREFIX = "portal_bench"
GROWTH_PAGES = ("my_patients", "api_assignments")
GROWTH_WARM_UP = 2  # requests per size and page before the timed ones


@dataclass
class Options:
    # A clinic of this size holds every growth panel (seed.GROWTH_PANEL_SIZES).
    patients: int = 100_000
    users: int = field(default_factory=harness.default_workers)
    seconds: int = 10
    # Each endpoint is measured this many times, each time between two runs of its floor.
    rounds: int = 2
    warmup_seconds: int = 6
    workers: int = field(default_factory=harness.default_workers)
    max_requests: int = 200_000
    sweep_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    # Sequential requests per growth size and page (the sizes taken in turn).
    growth_requests: int = 30
    sweep_deliver: str = "enqueue"
    bulk_patients: int = 1_000
    conn_max_age: int = 600
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    json_path: Path = Path("docs/performance.json")
    markdown_path: Path = Path("docs/performance.md")
    work_dir: Path = Path("var/bench")
    command: str = "make bench"


def _with_adjacent_floors(runs: list[tuple[dict, dict, dict]]) -> dict:
    """An endpoint's runs, each with the floor runs right before and after it, combined: its
    requests and CPU added up, its rates averaged, and the floor's rate the mean of all the
    adjacent floor runs. `round_ratios` keeps each run's own ratio to its two floor runs, so
    the report shows how far they spread."""
    measured = [run for run, _before, _after in runs]
    figures = harness.combine_all(measured) if len(measured) > 1 else dict(measured[0])
    adjacent = [harness.combine_runs(before, after) for _run, before, after in runs]
    floors = []
    for _run, before, after in runs:
        floors += [floor for floor in (before, after) if all(floor is not f for f in floors)]
    combined_floor = harness.combine_all(floors)
    figures["floor_rps"] = round(sum(a["rps"] for a in adjacent) / len(adjacent), 1)
    figures["floor_cpu_ms_per_request"] = combined_floor.get("cpu_ms_per_request")
    upkeep = [run.get("maintenance_after") or {} for run in measured]
    if len(upkeep) > 1 and all(part.get("cpu_seconds") for part in upkeep):
        figures["maintenance_after"] = {
            **upkeep[0],
            "cpu_seconds": {
                group: round(sum(part["cpu_seconds"][group] for part in upkeep), 3)
                for group in upkeep[0]["cpu_seconds"]
            },
        }
    figures["round_ratios"] = [
        round(run["rps"] / pair["rps"], 2) if pair["rps"] else None
        for run, pair in zip(measured, adjacent, strict=True)
    ]
    return figures


def bench_environment(options: Options) -> dict[str, str]:
    """The server's and this run's settings: the production settings with the benchmark's
    app and floor (portal.settings.bench), its own database and Redis index. Nothing here
    changes what a request does."""
    return {
        **os.environ,
        "DATABASE_URL": options.database_url,
        "REDIS_URL": options.redis_url,
        "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
        # One key for every process of the run (sessions, the encrypted TOTP secrets).
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": str(options.conn_max_age),
        # The per-person write limit still runs (and costs its Redis round trip) on every
        # POST, but a handful of simulated patients may post far more than a person would.
        "API_WRITE_RATE": "1000000/min",
        # Bench accounts are at .invalid; nothing may leave the machine.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "BENCH_INNER": "1",
    }


def table_activity() -> dict[str, int]:
    """Rows inserted, updated and deleted so far in each table (PostgreSQL's statistics,
    which a backend reports within about a second)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def written_tables(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """The tables with rows written between two table_activity() readings, by name."""
    return sorted(name for name, count in after.items() if count > before.get(name, 0))


def _session_id(cookie_header: str) -> str:
    """The session cookie's value in a Cookie header."""
    cookies = dict(part.strip().split("=", 1) for part in cookie_header.split(";"))
    return cookies[settings.SESSION_COOKIE_NAME]


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate_database(url: str) -> str:
    """A fresh database for a run: dropped and created again when it is the benchmark's own
    (its name starts with portal_bench), only created when missing otherwise."""
    import psycopg

    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError("The benchmark runs on PostgreSQL: give a postgres:// URL.")
    name = database_name(url)
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        quoted = '"' + name.replace('"', '""') + '"'
        if exists and name.startswith(OWN_DATABASE_PREFIX):
            admin.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {quoted}")
            return "created"
    return "kept"


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _service_versions(redis_url: str) -> dict:
    import redis

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "postgresql": postgres,
        "redis": redis.Redis.from_url(redis_url).info("server").get("redis_version"),
    }


class Run:
    def __init__(self, options: Options, *, log):
        self.options = options
        self.log = log
        self.base_dir = Path(settings.BASE_DIR)
        self.work_dir = self.base_dir / options.work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        self.meter: harness.CpuMeter | None = None  # set once the server runs
        self.results: dict = {
            "machine": report.machine_info(),
            "run": {
                "command": options.command,
                "started_at": timezone.now().isoformat(),
                "workers": options.workers,
                "users": options.users,
                "seconds": options.seconds,
                "rounds": options.rounds,
                "conn_max_age": options.conn_max_age,
                "database": database_name(options.database_url),
                "gunicorn": version("gunicorn"),
                "locust": version("locust"),
                "django": version("django"),
            },
            "endpoints": {},
            "floors": {},
            "missing": [],
            "notes": [],
        }

    # --- the steps ----------------------------------------------------------------------------

    def execute(self) -> dict:
        started = time.monotonic()
        _flush_redis(self.options.redis_url)
        self.results["machine"].update(_service_versions(self.options.redis_url))
        self.prepare_data()
        with harness.Server(
            env=self.env,
            workers=self.options.workers,
            log_path=self.work_dir / "gunicorn.log",
            base_dir=self.base_dir,
        ) as server:
            self.log(f"gunicorn on {server.url}, {server.workers} workers")
            self.meter = harness.CpuMeter(server.process.pid)
            sessions = self.log_in(server.url)
            self.measure_endpoints(server.url, self.scenarios(sessions))
            # The clinician's app login needs a fresh TOTP code; by now one has come round.
            sessions["clinician"]["token"] = self.clinician_app_login(server.url)
            self.measure_endpoints(server.url, self.clinician_api_scenarios(sessions))
            self.measure_growth(server.url, sessions)
            self.measure_bulk_assign(server.url, sessions)
        self.measure_sweep()
        self.results["machine"]["load_average_at_end"] = list(os.getloadavg())
        self.results["run"]["total_seconds"] = round(time.monotonic() - started, 1)
        report.evaluate(self.results)
        report.write_report(
            self.results,
            json_path=self.base_dir / self.options.json_path,
            markdown_path=self.base_dir / self.options.markdown_path,
        )
        return self.results

    def prepare_data(self) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.results["run"]["migrate_seconds"] = round(time.monotonic() - started, 1)
        # The server serves the hashed files from the manifest, as in production.
        call_command("collectstatic", interactive=False, clear=True, verbosity=0)
        if seed.bench_data_exists():
            seed.bench_data_delete()
        if not seed.published_library():
            commands = get_commands()
            if "seed_demo" in commands:
                call_command("seed_demo", verbosity=0, stdout=StringIO())
            call_command("load_library", demo=True, verbosity=0, stdout=StringIO())
        self.log(f"seeding {self.options.patients} patients")
        result = seed.bench_data_seed(patients=self.options.patients)
        self.results["seed"] = result.as_dict()
        self.log(f"seeded in {result.seconds} s")
        self.checkpoint()

    def checkpoint(self) -> None:
        """Write the seeded pages out now. Otherwise PostgreSQL's next timed checkpoint
        spreads that writing over the following minutes, which are the measurements, and its
        CPU is counted against whichever endpoint is running (it needs superuser or
        pg_checkpoint; without, the run says so and goes on)."""
        started = time.monotonic()
        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError as error:
            self.results["notes"].append(f"No CHECKPOINT before measuring: {error}".strip())
            return
        self.results["run"]["checkpoint_seconds"] = round(time.monotonic() - started, 1)

    def settle(self, written: list[str]) -> dict:
        """After a measured run: vacuum and analyse the tables it wrote, then checkpoint.

        A list view writes an audit row per patient shown, some thousands a second here.
        PostgreSQL's upkeep for them (autovacuum, the next checkpoint) would otherwise run
        during whichever run comes next and be charged to it: a floor, or another endpoint.
        Its cost is reported with the run that caused it (`maintenance_after`), apart from the
        throughput figures, which are the requests' own. VACUUM is refused for a table the
        benchmark's user does not own; that is noted and the run goes on."""
        started = time.monotonic()
        before = self.meter.read() if self.meter else None
        done, refused = [], []
        with connection.cursor() as cursor:
            for table in written:
                try:
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
                    done.append(table)
                except DatabaseError:
                    refused.append(table)
            try:
                cursor.execute("CHECKPOINT")
                checkpointed = True
            except DatabaseError:
                checkpointed = False
        return {
            "vacuumed": done,
            "refused": refused,
            "checkpoint": checkpointed,
            "seconds": round(time.monotonic() - started, 2),
            "cpu_seconds": harness.cpu_used(before, self.meter.read() if self.meter else None),
        }

    def log_in(self, base_url: str) -> dict:
        """Real logins: the HTML form for pages, allauth headless for the API, and the TOTP
        second step for the clinician."""
        password = seed.BENCH_PASSWORD
        clinician_email = seed.BIG_CLINICIAN_EMAIL
        secret = seed.bench_totp_secret(email=clinician_email)
        # The Cookie header a browser sends from then on: the session and the CSRF cookie.
        clinician_web = harness.web_login_cookie(
            base_url, email=clinician_email, password=password, totp_secret=secret
        )
        self._totp_used_at = time.time()
        patients = list(self._patients_to_log_in())

        def log_in_patient(patient: User) -> dict:
            return {
                "id": patient.pk,
                "cookie": harness.web_login_cookie(
                    base_url, email=patient.email, password=password
                ),
                "token": harness.app_login(base_url, email=patient.email, password=password),
            }

        # One after the other: allauth's login rate limit takes a short lock per client IP
        # and answers 429 when it cannot get it within a second, which concurrent logins
        # from one address can cause on a busy machine.
        patient_sessions = [log_in_patient(patient) for patient in patients]
        clinician = User.objects.get(email=clinician_email)
        self.log(f"logged in {len(patients)} patients and 1 clinician")
        return {
            "patients": patient_sessions,
            "clinician": {"id": clinician.pk, "cookie": clinician_web, "token": None},
        }

    def clinician_app_login(self, base_url: str) -> str:
        """allauth refuses a TOTP code twice, so this login waits for the next code if the
        web login used the current one."""
        harness.wait_for_fresh_totp_period(self._totp_used_at)
        email = seed.BIG_CLINICIAN_EMAIL
        return harness.app_login(
            base_url,
            email=email,
            password=seed.BENCH_PASSWORD,
            totp_secret=seed.bench_totp_secret(email=email),
        )

    def _patients_to_log_in(self):
        """Patients of the big clinician with open reading, one per simulated user."""
        count = min(self.options.users, 12)
        open_ids = Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES).values(
            "patient_id"
        )
        return (
            User.objects.filter(
                email__startswith="bench-patient-",
                pk__in=open_ids,
                care_team_links__clinician__email=seed.BIG_CLINICIAN_EMAIL,
            )
            .order_by("pk")
            .distinct()[:count]
        )

    def scenarios(self, sessions: dict) -> list[harness.Scenario]:
        patients = sessions["patients"]
        clinician = sessions["clinician"]

        def cookie(session):
            return {"Cookie": session["cookie"]}

        def token(session):
            return {"X-Session-Token": session["token"]}

        def get(path):
            return {"method": "GET", "path": path}

        sections = self._open_sections([p["id"] for p in patients])
        floor_web = reverse("bench:floor_web")
        floor_api = reverse("bench:floor_api")
        return [
            harness.Scenario(
                "floor_web_patient",
                "Floor, web session (patient)",
                None,
                [{"headers": cookie(p), "requests": [get(floor_web)]} for p in patients],
            ),
            harness.Scenario(
                "my_reading",
                'Patient "My reading" (/reading/)',
                "floor_web_patient",
                [{"headers": cookie(p), "requests": [get("/reading/")]} for p in patients],
            ),
            harness.Scenario(
                "section_page",
                "Module section page (/reading/{id}/sections/{n}/)",
                "floor_web_patient",
                [
                    {
                        "headers": cookie(p),
                        "requests": [
                            get(f"/reading/{assignment_id}/sections/{position}/")
                            for assignment_id, position in sections[p["id"]]
                        ],
                    }
                    for p in patients
                ],
            ),
            harness.Scenario(
                "floor_api_patient",
                "Floor, API token (patient)",
                None,
                [{"headers": token(p), "requests": [get(floor_api)]} for p in patients],
            ),
            harness.Scenario(
                "api_assignments_patient",
                "GET /api/v1/assignments/ (patient)",
                "floor_api_patient",
                [
                    {"headers": token(p), "requests": [get("/api/v1/assignments/")]}
                    for p in patients
                ],
            ),
            harness.Scenario(
                "progress_post",
                "POST /api/v1/assignments/{id}/progress/ (patient)",
                "floor_api_patient",
                [
                    {
                        "headers": token(p),
                        "requests": [
                            {
                                "method": "POST",
                                "path": f"/api/v1/assignments/{assignment_id}/progress/",
                                "json": {"section": position},
                            }
                            for assignment_id, position in sections[p["id"]]
                        ],
                    }
                    for p in patients
                ],
            ),
            harness.Scenario(
                "floor_web_clinician",
                "Floor, web session (clinician)",
                None,
                [{"headers": cookie(clinician), "requests": [get(floor_web)]}],
            ),
            harness.Scenario(
                "my_patients",
                'Clinician "My patients", 2,000 patients (/patients/)',
                "floor_web_clinician",
                [{"headers": cookie(clinician), "requests": [get("/patients/")]}],
            ),
        ]

    def clinician_api_scenarios(self, sessions: dict) -> list[harness.Scenario]:
        headers = {"X-Session-Token": sessions["clinician"]["token"]}

        def get(path):
            return {"method": "GET", "path": path}

        floor_api = reverse("bench:floor_api")
        return [
            harness.Scenario(
                "floor_api_clinician",
                "Floor, API token (clinician)",
                None,
                [{"headers": headers, "requests": [get(floor_api)]}],
            ),
            harness.Scenario(
                "api_assignments_clinician",
                "GET /api/v1/assignments/ (clinician, 2,000 patients)",
                "floor_api_clinician",
                [{"headers": headers, "requests": [get("/api/v1/assignments/")]}],
            ),
        ]

    def _open_sections(self, patient_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
        """(assignment id, section position) of every open assignment of these patients,
        shuffled so each simulated user moves around its reading as a patient would."""
        rng = random.Random(7)
        found: dict[int, list[tuple[int, int]]] = {pk: [] for pk in patient_ids}
        rows = Assignment.objects.filter(
            patient_id__in=patient_ids, status__in=Assignment.OPEN_STATUSES
        ).values_list("patient_id", "id", "module__current_version__section_count")
        for patient_id, assignment_id, section_count in rows:
            found[patient_id].extend(
                (assignment_id, position) for position in range(1, (section_count or 1) + 1)
            )
        for requests in found.values():
            rng.shuffle(requests)
        return found

    def measure_endpoints(self, base_url: str, scenarios: list[harness.Scenario]) -> None:
        available = []
        for scenario in scenarios:
            probe = scenario.users[0]["requests"][0] if scenario.users[0]["requests"] else None
            if probe is None:
                self.results["missing"].append(f"{scenario.label}: no request to send")
                continue
            status, _seconds, body = harness.timed_request(
                base_url,
                probe["path"],
                method=probe["method"],
                headers=scenario.users[0]["headers"],
                body=probe.get("json"),
            )
            if not 200 <= status < 300:
                self.results["missing"].append(
                    f"{scenario.label}: answered HTTP {status} before the run ({body[:120]!r})"
                )
                continue
            available.append(scenario)
        self._warm_up(base_url, available)
        by_name = {scenario.name: scenario for scenario in available}
        for floor in [scenario for scenario in available if scenario.floor is None]:
            endpoints = [scenario for scenario in available if scenario.floor == floor.name]
            # The machine may be busier at one moment than the next (it is shared): the floor
            # is measured right before and right after each run of an endpoint (floor,
            # endpoint, floor, endpoint, floor, ...), and each run is compared with the mean
            # of the two floor runs next to it. Every endpoint is measured `rounds` times, in
            # turn with the others, so that a slow spell of the machine falls on one of its
            # runs and not on all of them. The floor's own figures combine all its runs.
            floor_runs = [self._measure(base_url, floor)]
            runs: dict[str, list[tuple[dict, dict, dict]]] = {e.name: [] for e in endpoints}
            for _round in range(self.options.rounds):
                for endpoint in endpoints:
                    measured = self._measure(base_url, endpoint)
                    floor_runs.append(self._measure(base_url, floor))
                    runs[endpoint.name].append((measured, floor_runs[-2], floor_runs[-1]))
            for endpoint in endpoints:
                self.results["endpoints"][endpoint.name] = _with_adjacent_floors(
                    runs[endpoint.name]
                )
            self.results["floors"][floor.name] = harness.combine_all(floor_runs)
        for scenario in available:
            if scenario.floor is not None and scenario.floor not in by_name:
                self.results["endpoints"][scenario.name] = self._measure(base_url, scenario)
                self.results["missing"].append(f"{scenario.label}: its floor could not be measured")

    def _measure(self, base_url: str, scenario: harness.Scenario) -> dict:
        started = time.monotonic()
        meter = self.meter
        activity = table_activity()
        before = meter.read() if meter else None
        figures = harness.run_locust(
            scenario=scenario,
            host=base_url,
            users=self.options.users,
            seconds=self.options.seconds,
            max_requests=self.options.max_requests,
            work_dir=self.work_dir,
            env=self.env,
        )
        figures["cpu_seconds"] = harness.cpu_used(before, meter.read() if meter else None)
        figures["cpu_ms_per_request"] = harness.cpu_per_request(
            figures["cpu_seconds"], figures["requests"]
        )
        figures["label"] = scenario.label
        figures["floor"] = scenario.floor
        figures["maintenance_after"] = self.settle(written_tables(activity, table_activity()))
        cpu = figures["cpu_ms_per_request"]
        self.log(
            f"{scenario.name}: {figures['rps']} req/s, p95 {figures['p95_ms']} ms, "
            f"errors {figures['errors']}"
            + (f", server CPU {cpu['total']} ms/request" if cpu else "")
            + f" ({time.monotonic() - started:.0f} s)"
        )
        return figures

    def _warm_up(self, base_url: str, scenarios: list[harness.Scenario]) -> None:
        """Every worker imports, compiles templates and opens its database connection before
        anything is measured: a short mixed run over all endpoints, not recorded."""
        users = []
        for index in range(self.options.users):
            requests = []
            for scenario in scenarios:
                entry = scenario.users[index % len(scenario.users)]
                requests.extend({**r, "headers": entry["headers"]} for r in entry["requests"][:3])
            users.append({"headers": {}, "requests": requests})
        harness.run_locust(
            scenario=harness.Scenario("warm_up", "warm-up", None, users),
            host=base_url,
            users=self.options.users,
            seconds=self.options.warmup_seconds,
            max_requests=self.options.max_requests,
            work_dir=self.work_dir,
            env=self.env,
        )

    def _growth_logins(self, base_url: str, sessions: dict, emails: list[str]) -> dict:
        """Web cookie and API token of each growth clinician (the big one is logged in)."""
        logins = {seed.BIG_CLINICIAN_EMAIL: sessions["clinician"]}
        others = [email for email in emails if email not in logins]
        for email in others:
            logins[email] = {
                "cookie": harness.web_login_cookie(
                    base_url,
                    email=email,
                    password=seed.BENCH_PASSWORD,
                    totp_secret=seed.bench_totp_secret(email=email),
                )
            }
        # allauth takes each TOTP code once: the app logins wait for the next one.
        harness.wait_for_fresh_totp_period(time.time())
        for email in others:
            logins[email]["token"] = harness.app_login(
                base_url,
                email=email,
                password=seed.BENCH_PASSWORD,
                totp_secret=seed.bench_totp_secret(email=email),
            )
        return logins

    def measure_growth(self, base_url: str, sessions: dict) -> None:
        """My patients and the staff API list for clinicians with each growth panel in the
        same clinic: the p50 of sequential requests (the sizes in turn, so that a busy spell
        of the machine falls on all of them) and the queries one request runs."""
        emails = seed.growth_clinician_emails(self.options.patients)
        if len(emails) < 2:
            self.results["missing"].append(
                f"Growth sizes: {self.options.patients} patients hold only one of "
                f"{seed.GROWTH_PANEL_SIZES}"
            )
            return
        logins = self._growth_logins(base_url, sessions, list(emails.values()))

        def requests_for(login: dict) -> dict[str, tuple[str, dict]]:
            return {
                "my_patients": ("/patients/", {"Cookie": login["cookie"]}),
                "api_assignments": ("/api/v1/assignments/", {"X-Session-Token": login["token"]}),
            }

        timings: dict[int, dict[str, list[float]]] = {
            size: {page: [] for page in GROWTH_PAGES} for size in emails
        }
        errors = 0
        for attempt in range(self.options.growth_requests + GROWTH_WARM_UP):
            for size, email in emails.items():
                for page, (path, headers) in requests_for(logins[email]).items():
                    status, seconds, _body = harness.timed_request(base_url, path, headers=headers)
                    if status != 200:
                        errors += 1
                    elif attempt >= GROWTH_WARM_UP:
                        timings[size][page].append(seconds)
        sizes = {}
        for size, email in emails.items():
            queries = self._growth_query_counts(requests_for(logins[email]))
            sizes[str(size)] = {
                "clinician": email,
                **{
                    page: {
                        "p50_ms": round(statistics.median(timings[size][page]) * 1000, 1)
                        if timings[size][page]
                        else None,
                        "requests": len(timings[size][page]),
                        "queries": queries[page],
                    }
                    for page in GROWTH_PAGES
                },
            }
        self.results["growth"] = {"sizes": sizes, "errors": errors}
        self.log(f"growth: {self.results['growth']}")

    def _growth_query_counts(self, requests: dict[str, tuple[str, dict]]) -> dict[str, int]:
        """The queries of one request of each page, run in this process through Django's
        test client with the same session or token (what the server runs for it)."""
        from django.test import Client

        counts = {}
        for page, (path, headers) in requests.items():
            client = Client(headers={"host": harness.LOOPBACK, **harness.PROXY_HEADERS})
            if "Cookie" in headers:
                client.cookies[settings.SESSION_COOKIE_NAME] = _session_id(headers["Cookie"])
                extra = {}
            else:
                extra = headers
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, headers=extra)
            counts[page] = len(queries) if response.status_code == 200 else None
        return counts

    def measure_bulk_assign(self, base_url: str, sessions: dict) -> None:
        """One module to N of the big clinician's patients in one request (the API's bulk
        endpoint when there is one, else the web form), the service alone, and the service's
        query count at two sizes, which must be the same."""
        clinician = User.objects.get(pk=sessions["clinician"]["id"])
        library = seed.published_library()
        if len(library) < 4:
            self.results["missing"].append("Bulk assignment: needs four published modules")
            return
        panel = list(
            CareTeamMembership.objects.filter(clinician=clinician)
            .order_by("patient_id")
            .values_list("patient_id", flat=True)
        )
        count = min(self.options.bulk_patients, len(panel))
        patient_ids = panel[:count]
        by_request, by_service, small, large = (module.module_id for module in library[:4])
        self._make_assignable(patient_ids, [by_request, by_service, small, large])

        bulk = {
            "patients": count,
            "request": self._bulk_assign_request(
                base_url, sessions["clinician"], patient_ids, by_request
            ),
        }
        bulk["request"]["created"] = self._created_now(clinician, by_request, patient_ids)

        from apps.assignments.services import assignment_create_bulk

        started = time.perf_counter()
        assignment_create_bulk(
            assigned_by=clinician, patient_ids=patient_ids, module_ids=[by_service]
        )
        bulk["service_seconds"] = round(time.perf_counter() - started, 3)
        bulk["service_created"] = self._created_now(clinician, by_service, patient_ids)
        # The target applies to one request; when the request could not do it, the service
        # (what any request would call) is the figure, and the refusal is reported.
        if bulk["request"]["created"] == count:
            bulk.update(seconds=bulk["request"]["seconds"], created=count, figure="request")
        else:
            bulk.update(
                seconds=bulk["service_seconds"], created=bulk["service_created"], figure="service"
            )
            self.results["notes"].append(
                f"Bulk assignment in one request, {bulk['request']['through']}: HTTP "
                f"{bulk['request']['status']}, {bulk['request']['created']} created "
                f"({bulk['request'].get('error', '')}); the service was timed instead."
            )
        counts = {}
        for size, module_id in ((count // 10 or 1, small), (count, large)):
            with CaptureQueriesContext(connection) as queries:
                assignment_create_bulk(
                    assigned_by=clinician, patient_ids=patient_ids[:size], module_ids=[module_id]
                )
            counts[str(size)] = len(queries)
        bulk["query_counts"] = counts
        self.results["bulk_assign"] = bulk
        self.log(f"bulk assign: {bulk}")

    def _bulk_assign_request(
        self, base_url: str, clinician: dict, patient_ids: list[int], module_id: int
    ) -> dict:
        from apps.library.models import Module

        try:
            path = reverse("api-assignment-bulk")
        except NoReverseMatch:
            path = None
        if path:
            slug = Module.objects.values_list("slug", flat=True).get(pk=module_id)
            status, seconds, body = harness.timed_request(
                base_url,
                path,
                method="POST",
                headers={"X-Session-Token": clinician["token"]},
                body={"patients": patient_ids, "modules": [slug]},
            )
            through = f"through the API, POST {path}"
        else:
            status, seconds, body = harness.web_form_post(
                base_url,
                reverse("assignments:assign"),
                session=_session_id(clinician["cookie"]),
                fields=[("patients", pk) for pk in patient_ids] + [("modules", module_id)],
            )
            through = (
                f"through the web form, POST {reverse('assignments:assign')} "
                "(the API has no bulk endpoint)"
            )
        result = {"through": through, "status": status, "seconds": round(seconds, 3)}
        if status >= 400:
            title = re.search(r"<title>(.*?)</title>", body, re.S)
            result["error"] = (title.group(1) if title else body[:200]).strip()
        return result

    def _created_now(self, clinician: User, module_id: int, patient_ids: list[int]) -> int:
        return Assignment.objects.filter(
            module_id=module_id,
            patient_id__in=patient_ids,
            assigned_by=clinician,
            status=Assignment.Status.ASSIGNED,
        ).count()

    def _make_assignable(self, patient_ids: list[int], module_ids: list[int]) -> None:
        """Bench data preparation, not measured: close the open assignments of these modules
        for these patients, so that every pair in the measured request is new."""
        now = timezone.now()
        Assignment.objects.filter(
            patient_id__in=patient_ids,
            module_id__in=module_ids,
            status__in=Assignment.OPEN_STATUSES,
        ).update(status=Assignment.Status.CANCELLED, cancelled_at=now)

    def measure_sweep(self) -> None:
        sizes = sorted(self.options.sweep_sizes)
        if not sizes:
            return
        moment = sweep.sweep_moment()
        clinician = User.objects.get(email=seed.BIG_CLINICIAN_EMAIL)
        started = time.monotonic()
        available = sweep.sweep_patients_seed(
            assignments=sizes[-1], clinician_id=clinician.pk, now=moment
        )
        self.log(f"sweep data: {available} assignments in {time.monotonic() - started:.1f} s")
        watermark = sweep.notification_watermark()
        runs = []
        for due in sizes:
            started = time.monotonic()
            made_due = sweep.sweep_prepare(due=due, moment=moment, watermark=watermark)
            prepare_seconds = round(time.monotonic() - started, 1)
            # The baseline is short and easily disturbed on a shared machine: best of three.
            inserts = [
                sweep.plain_insert_seconds(moment=moment, watermark=watermark)
                for _attempt in range(3)
            ]
            insert_seconds, inserted = min(inserts)
            measured = sweep.sweep_in_child(
                moment=moment,
                deliver=self.options.sweep_deliver,
                env=self.env,
                base_dir=self.base_dir,
            )
            runs.append(
                {
                    "due": made_due,
                    "prepare_seconds": prepare_seconds,
                    "insert_seconds": round(insert_seconds, 3),
                    "insert_attempts_seconds": [round(seconds, 3) for seconds, _rows in inserts],
                    "inserted": inserted,
                    **measured,
                }
            )
            self.log(f"sweep {due}: {runs[-1]}")
        self.results["sweep"] = {
            "moment": moment.isoformat(),
            "deliver": self.options.sweep_deliver,
            "runs": runs,
        }


def launch(options: Options, argv: list[str]) -> int:
    """From `make bench`: prepare the benchmark's database, then run the benchmark in a
    process whose settings point at it."""
    state = recreate_database(options.database_url)
    print(f"database {database_name(options.database_url)}: {state}", flush=True)
    completed = subprocess.run(  # noqa: S603 - this same command, with the bench environment
        [sys.executable, "manage.py", "run_bench", *argv],
        cwd=settings.BASE_DIR,
        env=bench_environment(options),
        check=False,
    )
    return completed.returncode
