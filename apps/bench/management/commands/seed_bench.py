"""Seed the benchmark database: `python manage.py seed_bench --patients 10000 [--reset]`."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from apps.bench import seed as bench_seed


class Command(BaseCommand):
    help = (
        "Create bench clinicians, care teams, patients and their reading history in bulk "
        f"(accounts at @{bench_seed.BENCH_EMAIL_DOMAIN}). Safe to run again: with the same "
        "number of patients it does nothing; --reset replaces earlier bench data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete earlier bench data (bench accounts only) before seeding.",
        )
        parser.add_argument("--random-seed", type=int, default=2026)

    def handle(self, *args, patients: int, reset: bool, random_seed: int, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        if bench_seed.bench_data_exists():
            if not reset:
                if bench_seed.bench_patient_count() == patients:
                    self.stdout.write(f"Bench data for {patients} patients is already there.")
                    return
                raise CommandError(
                    "There is bench data for a different number of patients. "
                    "Run again with --reset to replace it."
                )
            try:
                deleted = bench_seed.bench_data_delete()
            except bench_seed.BenchDataLocked as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"Deleted earlier bench data: {deleted}")
        if not bench_seed.published_library():
            self._publish_library()
        try:
            result = bench_seed.bench_data_seed(patients=patients, seed=random_seed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Seeded in {result.seconds} s: {result.as_dict()}"))

    def _publish_library(self) -> None:
        """Publish the library the way `make run` does: the demo accounts review and publish
        the modules in fixtures/ (both commands are idempotent)."""
        commands = get_commands()
        if "load_library" not in commands:
            raise CommandError("No module is published and there is no load_library command.")
        if "seed_demo" in commands:
            call_command("seed_demo", stdout=self.stdout)
        call_command("load_library", demo=True, stdout=self.stdout)
