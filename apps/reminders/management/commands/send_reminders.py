"""python manage.py send_reminders [--dry-run]: one reminder sweep, synchronously."""

from django.core.management.base import BaseCommand

from apps.reminders.models import Notification
from apps.reminders.services import run_full_sweep

KIND_LABELS = dict(Notification.Kind.choices)


class Command(BaseCommand):
    help = (
        "Run one reminder sweep now, in this process: the same rules and code as the beat "
        "schedule, sending the emails that are due. Prints counts per kind only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be created and sent; change nothing.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        report = run_full_sweep(dry_run=dry_run, deliver="inline")
        when = report.now.strftime("%Y-%m-%d %H:%M UTC")
        if dry_run:
            self.stdout.write(f"Reminder sweep at {when} (dry run: nothing saved or sent)")
            self._counts("Would create", report.created)
            self._counts("Would send now", report.dispatched)
            return
        self.stdout.write(f"Reminder sweep at {when}")
        self._counts("Created", report.created)
        for outcome in ("sent", "deferred", "skipped", "retry", "failed"):
            counts = {kind: n for (kind, out), n in report.outcomes.items() if out == outcome}
            if counts or outcome == "sent":
                self._counts(outcome.capitalize(), counts)

    def _counts(self, title: str, counts) -> None:
        total = sum(counts.values())
        self.stdout.write(f"{title}: {total}")
        for kind, label in KIND_LABELS.items():
            if counts.get(kind):
                self.stdout.write(f"  {kind} ({label}): {counts[kind]}")
