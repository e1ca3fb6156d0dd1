"""One reminder sweep, measured from inside: used by run_bench in a child process.

Prints one JSON line: seconds spent in the sweep, the process's resident memory before the
sweep and its peak (VmHWM) after it, and the sweep's counts.
"""

import json
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.bench.sweep import current_rss_mb, peak_rss_mb
from apps.reminders.services import run_full_sweep


class Command(BaseCommand):
    help = "Run one full reminder sweep at --now and print its time and peak memory as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--now", required=True, help="ISO 8601 moment, with a time zone.")
        parser.add_argument("--deliver", choices=("enqueue", "inline", "none"), default="enqueue")

    def handle(self, *args, now: str, deliver: str, **options):
        moment = datetime.fromisoformat(now)
        if moment.tzinfo is None:
            raise CommandError("--now needs a time zone, for example 2026-11-27T19:00:00+00:00.")
        rss_before = current_rss_mb()
        started = time.perf_counter()
        report = run_full_sweep(now=moment, deliver=deliver)
        seconds = time.perf_counter() - started
        self.stdout.write(
            json.dumps(
                {
                    "seconds": round(seconds, 3),
                    "rss_before_mb": rss_before,
                    "peak_rss_mb": peak_rss_mb(),
                    "created": sum(report.created.values()),
                    "dispatched": sum(report.dispatched.values()),
                    "deliver": deliver,
                }
            )
        )
