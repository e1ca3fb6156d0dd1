"""API for reading modules, as published.

Everything shown comes from the module's current version (the immutable snapshot patients
read), never from the editors' working copy, which may hold changes nobody has reviewed.
Section HTML was rendered and sanitised when the version was published.
"""

import django_filters
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from .models import Module


class SectionSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Send this as `section` to mark it read.")
    title = serializers.CharField()
    html = serializers.CharField(help_text="Sanitised HTML: safe to insert into a page.")
    reading_grade = serializers.FloatField(allow_null=True, help_text="US school grade.")
    caregiver_note = serializers.CharField(
        allow_null=True,
        help_text=(
            "Sanitised HTML for the person who looks after the patient (“If you look after "
            "someone who…”), or null when the section has none. Show it after the section, "
            "apart from `html`, when the assignment has `for_caregiver` or a caregiver is "
            "reading; otherwise leave it out, as the portal does."
        ),
    )


class CheckSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    correct_index = serializers.IntegerField(
        required=False,
        help_text="Staff only: the index in `choices` of the right answer. Never sent to patients.",
    )
    explanation = serializers.CharField(
        required=False,
        help_text="Staff only. Patients see it after answering (POST .../check/).",
    )


class SourceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="Null for versions published before.")
    checked = serializers.DateField(allow_null=True, help_text="When someone last checked it.")


class ReviewSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The clinician who approved this version.")
    role = serializers.CharField()
    reviewed_on = serializers.DateField()
    next_review = serializers.DateField()


class ModuleSerializer(serializers.ModelSerializer):
    """A module as listed: its published title and summary, not the working copy's."""

    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    estimated_minutes = serializers.SerializerMethodField()
    reading_grade = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="current_version.number", read_only=True)
    published_at = serializers.DateTimeField(source="current_version.published_at", read_only=True)
    section_count = serializers.IntegerField(source="current_version.section_count", read_only=True)

    class Meta:
        model = Module
        fields = [
            "slug",
            "title",
            "topic",
            "language",
            "summary",
            "estimated_minutes",
            "reading_grade",
            "version",
            "published_at",
            "section_count",
        ]
        read_only_fields = fields

    def _snapshot(self, module) -> dict:
        return module.current_version.snapshot

    def get_title(self, module) -> str:
        return self._snapshot(module).get("title", module.title)

    def get_summary(self, module) -> str:
        return self._snapshot(module).get("summary", "")

    def get_estimated_minutes(self, module) -> int:
        return self._snapshot(module).get("estimated_minutes", module.estimated_minutes)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_reading_grade(self, module):
        return self._snapshot(module).get("reading_grade")


class ModuleDetailSerializer(ModuleSerializer):
    sources = serializers.SerializerMethodField()
    last_reviewed = serializers.SerializerMethodField()
    demo = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()

    class Meta(ModuleSerializer.Meta):
        fields = [
            *ModuleSerializer.Meta.fields,
            "sources",
            "last_reviewed",
            "demo",
            "review",
            "sections",
            "checks",
        ]
        read_only_fields = fields

    @extend_schema_field(SourceSerializer(many=True))
    def get_sources(self, module):
        # Versions published before sources had links hold only their names.
        return [
            source
            if isinstance(source, dict)
            else {"name": str(source), "url": None, "checked": None}
            for source in self._snapshot(module).get("sources", [])
        ]

    @extend_schema_field(
        serializers.BooleanField(help_text="Demo content that no clinician reviewed.")
    )
    def get_demo(self, module) -> bool:
        return bool(self._snapshot(module).get("demo", False))

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, module):
        """Who approved this version, only when a named reviewer did so in the portal."""
        return self._snapshot(module).get("review")

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_last_reviewed(self, module):
        return self._snapshot(module).get("last_reviewed")

    @extend_schema_field(SectionSerializer(many=True))
    def get_sections(self, module):
        return [
            {
                "position": section["position"],
                "title": section["title"],
                "html": section["html"],
                "reading_grade": section.get("reading_grade"),
                "caregiver_note": section.get("caregiver_html") or None,
            }
            for section in self._snapshot(module).get("sections", [])
        ]

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, module):
        with_answers = self.context.get("with_answers", False)
        checks = []
        for check in self._snapshot(module).get("checks", []):
            row = {
                "position": check["position"],
                "prompt": check["prompt"],
                "choices": list(check["choices"]),
            }
            if with_answers:
                row["correct_index"] = check["correct_index"]
                row["explanation"] = check["explanation"]
            checks.append(row)
        return checks


class ModuleFilter(django_filters.FilterSet):
    topic = django_filters.ChoiceFilter(choices=Module.Topic.choices)
    language = django_filters.ChoiceFilter(choices=Module._meta.get_field("language").choices)

    class Meta:
        model = Module
        fields = ["topic", "language"]


MODULE_EXAMPLE = {
    "slug": "immunotherapy-side-effects",
    "title": "Side effects of immunotherapy",
    "topic": "immunotherapy",
    "language": "en",
    "summary": "Which side effects to watch for, and when to call us.",
    "estimated_minutes": 6,
    "reading_grade": 6.4,
    "version": 3,
    "published_at": "2026-10-02T09:30:00Z",
    "section_count": 4,
}
