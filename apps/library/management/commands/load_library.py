"""Load the reading modules from fixtures/modules/*.md. Safe to run again: see loading.py."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.library.loading import Accounts, load_library


class Command(BaseCommand):
    help = (
        "Load the reading modules kept as Markdown in fixtures/modules/. New modules wait in "
        "review (--demo publishes them as demo content). Unchanged files change nothing; a "
        "changed file becomes a draft and never alters a published version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "modules"),
            help="Folder holding the module files (default: fixtures/modules).",
        )
        parser.add_argument(
            "--reviewer",
            default="clinician@example.com",
            help="Email of the clinician recorded as reviewer (default: clinician@example.com).",
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help=(
                "Demo data: publish the files that say status: published (the default), marked "
                "to patients as demo content, not clinically reviewed. Without it every module "
                "waits in review for a clinician."
            ),
        )
        parser.add_argument(
            "--publisher",
            default="admin@example.com",
            help="Email of the account that publishes (default: admin@example.com).",
        )

    def handle(self, *args, **options):
        folder = Path(options["path"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        reviewer = User.objects.filter(email__iexact=options["reviewer"]).first()
        publisher = User.objects.filter(email__iexact=options["publisher"]).first()
        if reviewer is not None and not (reviewer.is_clinician and reviewer.is_active):
            raise CommandError(f"--reviewer {reviewer.email} must be an active clinician account.")
        if publisher is not None and reviewer is not None and publisher.pk == reviewer.pk:
            raise CommandError("--reviewer and --publisher must be two different people.")
        accounts = Accounts(
            reviewer=reviewer,
            publisher=publisher,
            reviewer_email=options["reviewer"],
            publisher_email=options["publisher"],
            demo=options["demo"],
        )

        results, errors = load_library(folder, accounts=accounts)
        for path, outcome in results:
            self.stdout.write(f"{path.name}: {outcome}")
        for error in errors:
            self.stderr.write(self.style.ERROR(f"{error.path.name}: not loaded: {error.problem}"))
        if errors:
            raise CommandError(
                f"{len(errors)} file(s) could not be loaded; nothing was loaded from them. "
                "Fix the problems above and run load_library again."
            )
        self.stdout.write(self.style.SUCCESS(f"Library ready: {len(results)} file(s) checked."))
