"""Factories for modules and published versions.

`PublishedModuleFactory` builds a module whose current version has a snapshot in the shape
described on ModuleVersion, without going through the publishing service, so that other apps'
tests don't depend on it.
"""

import hashlib
import json

import factory
from factory.django import DjangoModelFactory

from apps.library.models import CheckQuestion, Module, ModuleVersion, Section
from tests.factories import AdminFactory, ClinicianFactory


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Reading module {n}")
    topic = Module.Topic.IMMUNOTHERAPY
    summary = "What this module covers."
    language = "en"
    status = Module.Status.DRAFT
    estimated_minutes = 5
    sources = factory.LazyFunction(
        lambda: [
            {
                "name": "National Cancer Institute: Immunotherapy",
                "url": "https://www.cancer.gov/about-cancer/treatment/types/immunotherapy",
                "checked": "2026-12-06",
            }
        ]
    )


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Section {n}")
    body_markdown = (
        "Your immune system protects you from germs.\n\n- It can find some faulty cells."
    )


class CheckQuestionFactory(DjangoModelFactory):
    class Meta:
        model = CheckQuestion

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n + 1)
    prompt = "What does your immune system do?"
    choices = factory.LazyFunction(lambda: ["Digests food", "Fights germs", "Makes hair grow"])
    correct_index = 1
    explanation = "Your immune system fights germs."


def build_snapshot(module: Module, sections: int = 3, checks: int = 2) -> dict:
    return {
        "title": module.title,
        "summary": module.summary,
        "language": module.language,
        "topic": module.topic,
        "estimated_minutes": module.estimated_minutes,
        "reading_grade": 6.0,
        "sources": list(module.sources),
        "last_reviewed": "2026-11-01",
        "sections": [
            {
                "position": i,
                "title": f"{module.title}: part {i}",
                "body_markdown": f"Plain words for part {i}.",
                "html": f"<p>Plain words for part {i}.</p>",
                "reading_grade": 6.0,
            }
            for i in range(1, sections + 1)
        ],
        "checks": [
            {
                "position": i,
                "prompt": f"Question {i}?",
                "choices": ["Choice A", "Choice B", "Choice C"],
                "correct_index": i % 3,
                "explanation": f"Because of reason {i}.",
            }
            for i in range(1, checks + 1)
        ],
    }


def publish_version(module: Module, *, sections: int = 3, checks: int = 2, snapshot=None):
    """Add a new published version to `module` and make it current."""
    snapshot = snapshot or build_snapshot(module, sections=sections, checks=checks)
    number = (module.versions.count() or 0) + 1
    version = ModuleVersion.objects.create(
        module=module,
        number=number,
        published_by=AdminFactory(),
        reviewed_by=ClinicianFactory(),
        snapshot=snapshot,
        section_count=len(snapshot["sections"]),
        content_hash=hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest(),
    )
    module.current_version = version
    module.status = Module.Status.PUBLISHED
    module.has_unpublished_changes = False
    module.save(update_fields=["current_version", "status", "has_unpublished_changes"])
    return version


def publish_with_caregiver_note(module: Module, note: str, *, sections: int = 2):
    """Publish a version of `module` whose first section has `note` as its caregiver note (one
    paragraph, as publishing would render it); the other sections have none."""
    snapshot = build_snapshot(module, sections=sections)
    snapshot["sections"][0]["caregiver_markdown"] = note
    snapshot["sections"][0]["caregiver_html"] = f'<p class="govuk-body">{note}</p>'
    return publish_version(module, snapshot=snapshot)


class PublishedModuleFactory(ModuleFactory):
    class Meta:
        # publish_version() saves what it changes; a second save would only repeat it.
        skip_postgeneration_save = True

    status = Module.Status.PUBLISHED

    @factory.post_generation
    def version(obj, create, extracted, **kwargs):
        if create:
            publish_version(obj, **kwargs)


def module_with_content(*, sections: int = 2, checks: int = 3, **fields) -> Module:
    """A draft module with `sections` sections and `checks` valid comprehension checks."""
    module = ModuleFactory(**fields)
    for position in range(1, sections + 1):
        SectionFactory(
            module=module,
            position=position,
            title=f"Part {position}",
            body_markdown=f"Part {position}. Your immune system fights germs. Ask your team.",
        )
    for position in range(1, checks + 1):
        CheckQuestionFactory(module=module, position=position)
    module.refresh_from_db()
    return module


def module_in_review(*, reviewer=None, last_edited_by=None, **fields) -> Module:
    """A module with content, sent to review with a clinician reviewer."""
    module = module_with_content(**fields)
    module.reviewed_by = reviewer or ClinicianFactory()
    module.last_edited_by = last_edited_by
    module.status = Module.Status.IN_REVIEW
    module.save()
    return module


def module_approved(*, reviewer=None, last_edited_by=None, **fields) -> Module:
    """A module with content that its clinician reviewer approved: ready to publish."""
    module = module_in_review(reviewer=reviewer, last_edited_by=last_edited_by, **fields)
    module.status = Module.Status.APPROVED
    module.save(update_fields=["status"])
    return module


def reviewer_with_permission(**fields):
    """A clinician allowed to review modules (as the “Content reviewers” group allows)."""
    from django.contrib.auth.models import Permission

    clinician = ClinicianFactory(**fields)
    clinician.user_permissions.add(
        Permission.objects.get(content_type__app_label="library", codename="review_module")
    )
    return clinician
