"""`make bench`: the performance benchmark (see docs/performance.md).

Run from `make bench` (or `python manage.py run_bench --settings portal.settings.bench`: the
command exists only under the benchmark's settings), it recreates the benchmark's own
PostgreSQL database and runs itself again in a process configured for it; that second
process does the work (apps/bench/runner.py).
"""

import os
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.bench import runner

QUICK = {
    "patients": 25_000,
    "seconds": 5,
    "rounds": 1,
    "sweep_sizes": (10_000,),
    "growth_requests": 10,
}


def _sizes(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split(",") if part.strip())


class Command(BaseCommand):
    help = (
        "Seed a benchmark database, serve it with gunicorn, drive the main pages and API "
        "endpoints with locust, time the reminder sweep and bulk assignment, and write "
        "docs/performance.md and docs/performance.json."
    )

    def add_arguments(self, parser):
        defaults = runner.Options()
        parser.add_argument(
            "--patients", type=int, default=None, help=f"Default {defaults.patients:,}."
        )
        parser.add_argument(
            "--users",
            type=int,
            default=None,
            help="Concurrent simulated users (default: one per gunicorn worker).",
        )
        parser.add_argument(
            "--seconds", type=int, default=None, help="Measured seconds per endpoint."
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=None,
            help="Runs of each endpoint, each between two runs of its floor.",
        )
        parser.add_argument("--workers", type=int, default=defaults.workers)
        parser.add_argument(
            "--sweep-sizes",
            type=_sizes,
            default=None,
            help="Due assignments per sweep run, comma-separated.",
        )
        parser.add_argument(
            "--database-url",
            default=os.environ.get("BENCH_DATABASE_URL", runner.DEFAULT_DATABASE_URL),
            help="PostgreSQL database for the benchmark (BENCH_DATABASE_URL). One whose name "
            "starts with portal_bench is dropped and created again; DATABASE_URL is not used, "
            "so the benchmark never writes into the database `make run` uses.",
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("BENCH_REDIS_URL", runner.DEFAULT_REDIS_URL),
            help="A Redis database the benchmark may empty (BENCH_REDIS_URL).",
        )
        parser.add_argument(
            "--growth-requests",
            type=int,
            default=None,
            help="Timed requests per growth size and page.",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help=f"For trying a change: {QUICK['patients']:,} patients (every growth size "
            f"still fits), {QUICK['seconds']} s runs, one round, one sweep size; options given "
            "explicitly still win.",
        )
        parser.add_argument("--json", default=str(defaults.json_path))
        parser.add_argument("--markdown", default=str(defaults.markdown_path))

    def handle(self, *args, **options):
        # An option given on the command line wins; then --quick's value; then the default.
        preset = QUICK if options["quick"] else {}
        defaults = runner.Options()
        for name in ("patients", "seconds", "rounds", "sweep_sizes", "growth_requests"):
            if options[name] is None:
                options[name] = preset.get(name, getattr(defaults, name))
        run_options = runner.Options(
            patients=options["patients"],
            users=options["users"] or options["workers"],
            seconds=options["seconds"],
            rounds=max(1, options["rounds"]),
            workers=options["workers"],
            sweep_sizes=options["sweep_sizes"],
            growth_requests=options["growth_requests"],
            database_url=options["database_url"],
            redis_url=options["redis_url"],
            json_path=Path(options["json"]),
            markdown_path=Path(options["markdown"]),
            command="make bench"
            if os.environ.get("MAKELEVEL")
            else " ".join(["python manage.py run_bench", *sys.argv[2:]]),
        )
        if os.environ.get("BENCH_INNER") != "1":
            code = runner.launch(run_options, sys.argv[2:])
            if code:
                raise CommandError(f"The benchmark stopped with exit code {code}.")
            return
        if settings.DATABASES["default"]["NAME"] != runner.database_name(run_options.database_url):
            raise CommandError("run_bench was started with another database than its own.")
        started = time.monotonic()

        def log(text: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f} s] {text}")
            self.stdout.flush()

        run = runner.Run(run_options, log=log)
        results = run.execute()
        self.stdout.write(
            self.style.SUCCESS(f"Written {run_options.markdown_path} and {run_options.json_path}")
        )
        for name, figures in results["endpoints"].items():
            self.stdout.write(
                f"  {name}: {figures['rps']} req/s, p95 {figures['p95_ms']} ms, "
                f"x floor {figures['ratio_to_floor']}, errors {figures['errors']}"
            )
