"""Print the library as Markdown tables (grades, versions, sources), for docs/content.md."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db.models import Count, Max

from apps.library import rendering
from apps.library.models import Module, reading_texts


def _grade(value) -> str:
    # SQLite hands aggregates of decimals back with extra digits.
    return "—" if value is None else str(Decimal(value).quantize(Decimal("0.1")))


def _hardest(module):
    grades = [
        grade
        for grade in (module.max_section_grade, module.max_caregiver_grade)
        if grade is not None
    ]
    return max(grades, key=Decimal) if grades else None


class Command(BaseCommand):
    help = "Print every module's reading grades, status and sources as Markdown (docs/content.md)."

    def handle(self, *args, **options):
        modules = (
            Module.objects.select_related("current_version", "translation_of")
            .annotate(
                max_section_grade=Max("sections__reading_grade"),
                # A caregiver note is graded like a section and can be the hardest part.
                max_caregiver_grade=Max("sections__caregiver_reading_grade"),
                section_count=Count("sections", distinct=True),
                check_count=Count("checks", distinct=True),
            )
            .order_by("language", "topic", "title")
        )
        modules = modules.prefetch_related("sections")
        self.stdout.write(
            "| module | language | status | version | grade (whole module) | hardest section "
            "| SMOG (whole module) | sections | checks |"
        )
        self.stdout.write("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for module in modules:
            version = f"v{module.current_version.number}" if module.current_version else "—"
            # SMOG is an English formula; Spanish modules are graded by Crawford's alone.
            smog = (
                rendering.smog_grade(reading_texts(module.sections.all()))
                if module.language == "en"
                else None
            )
            self.stdout.write(
                f"| {module.title} (`{module.slug}`) | {module.language} "
                f"| {module.get_status_display().lower()} | {version} | {_grade(module.reading_grade)} "
                f"| {_grade(_hardest(module))} | {_grade(smog)} | {module.section_count} "
                f"| {module.check_count} |"
            )
        self.stdout.write("")
        for module in modules:
            self.stdout.write(f"**{module.title}** (`{module.slug}`)")
            self.stdout.write("")
            for source in module.sources:
                if isinstance(source, dict):
                    self.stdout.write(
                        f"- {source['name']}: <{source['url']}> (checked {source['checked']})"
                    )
                else:
                    self.stdout.write(f"- {source}")
            self.stdout.write("")
