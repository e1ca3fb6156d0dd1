from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.audit.services import audit_archive


class Command(BaseCommand):
    help = (
        "Move audit rows older than the retention period (AUDIT_RETENTION_DAYS, about six "
        "years) to a gzip JSON-lines file in AUDIT_ARCHIVE_DIR, then delete them from the "
        "database. Nothing is deleted unless the file was written first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--before",
            help="Archive rows before this date (YYYY-MM-DD); default: the retention cut-off.",
        )
        parser.add_argument("--directory", help="Where to write the file (AUDIT_ARCHIVE_DIR).")

    def handle(self, *args, before=None, directory=None, **options):
        if before:
            try:
                day = datetime.strptime(before, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--before must be a date like 2020-12-31.") from None
            cut_off = timezone.make_aware(datetime.combine(day, time.min))
        else:
            cut_off = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        try:
            report = audit_archive(
                before=cut_off, directory=Path(directory or settings.AUDIT_ARCHIVE_DIR)
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not report.rows:
            self.stdout.write(f"No audit rows before {cut_off:%Y-%m-%d}: nothing archived.")
            return
        self.stdout.write(
            f"Archived {report.rows} audit rows to {report.path} (sha256 {report.sha256})."
        )
