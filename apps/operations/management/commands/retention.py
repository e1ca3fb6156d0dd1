from django.core.management.base import BaseCommand

from apps.operations.services import retention_run


class Command(BaseCommand):
    help = (
        "Delete expired sessions and notification log rows past NOTIFICATION_RETENTION_DAYS "
        "(the same job beat runs daily). The audit trail is never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = retention_run(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb} {report.sessions_deleted} expired sessions and "
            f"{report.notifications_deleted} notification log rows"
        )
