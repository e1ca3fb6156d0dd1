from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.assignments import tally


class Command(BaseCommand):
    help = (
        "Compare every care team's kept totals (patients, assignments, waiting questions) "
        "with a fresh count; --rebuild counts them all again. PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Replace the kept totals with fresh counts."
        )

    def handle(self, *args, rebuild=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Care-team totals are kept on PostgreSQL only; SQLite counts.")
        if rebuild:
            with transaction.atomic():
                tally.rebuild()
            self.stdout.write("Counted every care team's totals again.")
        found = tally.differences()
        for clinician_id, kept, counted in found:
            self.stdout.write(
                f"clinician {clinician_id}: kept {kept or 'nothing'}, counted {counted or 'nothing'}"
                " (patients, assignments, waiting questions)"
            )
        if found:
            raise CommandError(
                f"{len(found)} care team(s) differ from a fresh count; run with --rebuild."
            )
        self.stdout.write("Every care team's totals match a fresh count.")
