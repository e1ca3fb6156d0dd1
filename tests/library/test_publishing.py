"""Review and publishing: who may approve and publish, immutable versions, drafts after
publishing."""

import pytest
from django.core.exceptions import ValidationError

from apps.assignments.models import Assignment
from apps.assignments.selectors import module_get_for_user
from apps.library import services
from apps.library.models import Module, ModuleVersion
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory

from .factories import SectionFactory, module_approved, module_with_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return ClinicianFactory(name="Rita Reviewer")


@pytest.fixture
def publisher(db):
    return AdminFactory(name="Pablo Publisher")


def test_publish_freezes_the_module_into_version_one(reviewer, publisher):
    module = module_approved(reviewer=reviewer, sections=2, checks=3)

    version = services.module_publish(module=module, publisher=publisher)

    module.refresh_from_db()
    assert module.status == Module.Status.PUBLISHED
    assert module.current_version == version
    assert module.has_unpublished_changes is False
    assert version.number == 1
    assert version.published_by == publisher
    assert version.reviewed_by == reviewer
    assert version.section_count == 2
    assert len(version.content_hash) == 64


def test_snapshot_has_the_documented_shape_with_sanitised_html(reviewer, publisher):
    module = module_approved(reviewer=reviewer, sections=1, checks=1, sources=["NCI"])
    section = module.sections.get()
    section.body_markdown = "Call **now**. <script>alert(1)</script>[x](javascript:alert(1))"
    section.save()

    snapshot = services.module_publish(module=module, publisher=publisher).snapshot

    assert set(snapshot) == {
        "title", "summary", "language", "topic", "estimated_minutes", "reading_grade",
        "sources", "last_reviewed", "sections", "checks", "demo", "review",
    }  # fmt: skip
    assert snapshot["sources"] == ["NCI"]
    assert snapshot["last_reviewed"]  # set to today when the editor left it empty
    [snap_section] = snapshot["sections"]
    assert set(snap_section) == {"position", "title", "body_markdown", "html", "reading_grade"}
    assert "<strong>now</strong>" in snap_section["html"]
    assert "script" not in snap_section["html"] and "javascript" not in snap_section["html"]
    [check] = snapshot["checks"]
    assert set(check) == {"position", "prompt", "choices", "correct_index", "explanation"}
    assert check["choices"] == ["Digests food", "Fights germs", "Makes hair grow"]
    assert check["correct_index"] == 1


def test_version_numbers_follow_on_from_the_previous_one(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    services.module_publish(module=module, publisher=publisher)
    section = module.sections.first()
    section.body_markdown += "\n\nOne more sentence."
    section.save()
    services.module_record_edit(module=module, user=AdminFactory())
    services.module_submit_for_review(module=module)
    services.module_approve(module=module, reviewer=reviewer)

    second = services.module_publish(module=module, publisher=publisher)

    assert second.number == 2
    assert list(module.versions.values_list("number", flat=True)) == [2, 1]


def test_publishing_unchanged_content_again_makes_no_new_version(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    first = services.module_publish(module=module, publisher=publisher)
    services.module_record_edit(module=module, user=AdminFactory())
    services.module_submit_for_review(module=module)
    services.module_approve(module=module, reviewer=reviewer)

    again = services.module_publish(module=module, publisher=publisher)

    assert again == first
    assert module.versions.count() == 1


# The four-eyes rule ------------------------------------------------------------------------


def test_publish_refuses_a_module_without_a_reviewer(publisher):
    module = module_with_content(status=Module.Status.APPROVED)

    with pytest.raises(ValidationError, match="needs a reviewer"):
        services.module_publish(module=module, publisher=publisher)
    assert not ModuleVersion.objects.exists()


def test_publish_refuses_a_reviewer_who_is_not_a_clinician(publisher):
    module = module_approved(reviewer=AdminFactory(name="Ann Admin"))

    with pytest.raises(ValidationError, match="must be a clinician. Ann Admin is not"):
        services.module_publish(module=module, publisher=publisher)
    assert not ModuleVersion.objects.exists()


def test_publish_refuses_a_reviewer_whose_account_is_inactive(publisher):
    module = module_approved(reviewer=ClinicianFactory(is_active=False))

    with pytest.raises(ValidationError, match="no longer has an active account"):
        services.module_publish(module=module, publisher=publisher)


def test_the_reviewer_may_publish_what_they_approved(reviewer):
    module = module_approved(reviewer=reviewer, last_edited_by=AdminFactory())

    version = services.module_publish(module=module, publisher=reviewer)

    assert version.published_by == reviewer == version.reviewed_by


def test_the_editor_may_publish_their_change_once_someone_else_approved_it(reviewer, publisher):
    module = module_approved(reviewer=reviewer, last_edited_by=publisher)

    version = services.module_publish(module=module, publisher=publisher)

    assert version.published_by == publisher


def test_more_distinct_people_can_be_required(settings, reviewer, publisher):
    settings.LIBRARY_REVIEW_DISTINCT_PEOPLE = 3
    module = module_approved(reviewer=reviewer, last_edited_by=publisher)

    with pytest.raises(ValidationError, match="needs 3 different people .* so far 2"):
        services.module_publish(module=module, publisher=publisher)
    assert not ModuleVersion.objects.exists()
    assert services.module_publish(module=module, publisher=AdminFactory()).number == 1


def test_a_clinician_who_is_not_the_reviewer_and_no_editor_cannot_publish(reviewer):
    module = module_approved(reviewer=reviewer)

    with pytest.raises(ValidationError, match="Only the reviewer .* or an editor"):
        services.module_publish(module=module, publisher=ClinicianFactory())


def test_publish_refuses_a_module_that_was_not_sent_to_review(reviewer, publisher):
    module = module_with_content(reviewed_by=reviewer)

    with pytest.raises(ValidationError, match="needs its reviewer's approval first"):
        services.module_publish(module=module, publisher=publisher)


def test_publish_refuses_a_patient_as_publisher(reviewer):
    module = module_approved(reviewer=reviewer)

    with pytest.raises(ValidationError, match="Only an active clinician or admin"):
        services.module_publish(module=module, publisher=PatientFactory())


def test_publish_refuses_a_module_without_sections(reviewer, publisher):
    module = module_approved(reviewer=reviewer, sections=0)

    with pytest.raises(ValidationError, match="has no sections yet"):
        services.module_publish(module=module, publisher=publisher)


def test_publish_refuses_a_check_with_too_few_choices(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    module.checks.filter(position=1).update(choices=["Yes", "No"])

    with pytest.raises(ValidationError, match="Question 1 .*Give 3 or 4 choices"):
        services.module_publish(module=module, publisher=publisher)


# Submitting for review -----------------------------------------------------------------------


def test_submit_for_review_needs_a_clinician_reviewer():
    module = module_with_content()

    with pytest.raises(ValidationError, match="needs a reviewer"):
        services.module_submit_for_review(module=module)
    with pytest.raises(ValidationError, match="must be a clinician"):
        services.module_submit_for_review(module=module, reviewer=AdminFactory())
    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT


def test_submit_for_review_records_the_reviewer(reviewer):
    module = module_with_content()

    services.module_submit_for_review(module=module, reviewer=reviewer)

    module.refresh_from_db()
    assert module.status == Module.Status.IN_REVIEW
    assert module.reviewed_by == reviewer


def test_a_published_module_without_changes_has_nothing_to_review(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    services.module_publish(module=module, publisher=publisher)

    with pytest.raises(ValidationError, match="nothing to review"):
        services.module_submit_for_review(module=module)


# Immutability ------------------------------------------------------------------------------


def test_a_saved_version_cannot_be_changed_or_deleted(reviewer, publisher):
    version = services.module_publish(
        module=module_approved(reviewer=reviewer), publisher=publisher
    )
    version.snapshot["title"] = "Changed"

    with pytest.raises(ValidationError, match="never changes"):
        version.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        version.delete()
    version.refresh_from_db()
    assert version.snapshot["title"] != "Changed"


def test_editing_a_published_module_starts_a_draft_and_patients_keep_the_old_version(
    reviewer, publisher
):
    module = module_approved(reviewer=reviewer, sections=1)
    version = services.module_publish(module=module, publisher=publisher)
    published_snapshot = dict(version.snapshot)
    patient = PatientFactory()
    Assignment.objects.create(patient=patient, module=module, assigned_by=reviewer)
    editor = AdminFactory()

    section = module.sections.get()
    section.body_markdown = "Completely new advice."
    section.save()
    SectionFactory(module=module, position=2, body_markdown="A new part.")
    services.module_record_edit(module=module, user=editor)

    module.refresh_from_db()
    version.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.has_unpublished_changes is True
    assert module.last_edited_by == editor
    assert module.current_version == version
    assert version.snapshot == published_snapshot
    seen = module_get_for_user(user=patient, slug=module.slug)
    assert seen.current_version.snapshot["sections"][0]["body_markdown"] != "Completely new advice."
    assert seen.current_version.section_count == 1


# Retiring ----------------------------------------------------------------------------------


def test_retiring_hides_the_module_but_keeps_its_versions(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    services.module_publish(module=module, publisher=publisher)

    services.module_retire(module=module)

    module.refresh_from_db()
    assert module.status == Module.Status.RETIRED
    assert module.current_version is None
    assert module.versions.count() == 1
    assert not Module.objects.published().filter(pk=module.pk).exists()
    with pytest.raises(ValidationError, match="already retired"):
        services.module_retire(module=module)


def test_a_retired_module_sent_to_review_stays_hidden_until_published(reviewer, publisher):
    module = module_approved(reviewer=reviewer)
    services.module_publish(module=module, publisher=publisher)
    services.module_retire(module=module)

    services.module_submit_for_review(module=module)
    services.module_approve(module=module, reviewer=reviewer)
    assert not Module.objects.published().filter(pk=module.pk).exists()
    version = services.module_publish(module=module, publisher=publisher)

    assert Module.objects.published().filter(pk=module.pk).exists()
    assert version.number == 2


# Grades ------------------------------------------------------------------------------------


def test_reading_grades_are_stored_when_sections_are_saved():
    module = module_with_content(sections=2)

    assert all(section.reading_grade is not None for section in module.sections.all())
    assert module.reading_grade is not None

    section = module.sections.first()
    section.body_markdown = (
        "Immunotherapeutic interventions frequently precipitate immune-related adverse events "
        "necessitating corticosteroid administration and comprehensive surveillance."
    )
    section.save()
    module.refresh_from_db()
    assert module.reading_grade > 8
