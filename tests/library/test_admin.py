"""The library admin: changelist, editing, workflow actions, preview and read-only history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.library import services
from apps.library.models import Module, ModuleVersion
from tests.factories import AdminFactory, ClinicianFactory, ensure_mfa

from .factories import (
    PublishedModuleFactory,
    module_approved,
    module_in_review,
    module_with_content,
    reviewer_with_permission,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:library_module_changelist")


@pytest.fixture
def editor(db):
    return AdminFactory(email="editor@example.org", name="Eddie Editor")


@pytest.fixture
def editor_client(client, editor):
    ensure_mfa(editor)  # staff must use two-step verification before the admin opens
    client.force_login(editor)
    return client


def change_url(module):
    return reverse("admin:library_module_change", args=[module.pk])


def preview_url(module):
    return reverse("admin:library_module_preview", args=[module.pk])


def change_form_data(response) -> dict:
    """The change form as the browser would submit it untouched (main form and inlines)."""
    data = {}

    def add(form):
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def changelist_queries(client) -> int:
    client.get(CHANGELIST)  # the first request of a session records the session once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def test_changelist_query_count_does_not_grow_with_modules(editor_client):
    PublishedModuleFactory.create_batch(3)
    few = changelist_queries(editor_client)

    PublishedModuleFactory.create_batch(27)
    many = changelist_queries(editor_client)

    assert Module.objects.count() == 30
    assert many == few


def test_changelist_shows_status_version_and_warns_about_hard_reading(editor_client):
    easy = PublishedModuleFactory(title="Easy module")
    Module.objects.filter(pk=easy.pk).update(reading_grade="6.2")
    hard = module_with_content(title="Hard module")
    Module.objects.filter(pk=hard.pk).update(reading_grade="11.4")

    page = editor_client.get(CHANGELIST).content.decode()

    assert "6.2" in page and "6.2 ⚠" not in page
    assert "11.4 ⚠ above grade 8" in page
    assert "v1" in page
    assert "Draft" in page and "Published" in page


def test_changelist_filters_and_searches(editor_client):
    module_with_content(title="Flu shots", language="es")
    module_with_content(title="Checkpoints")

    assert "Flu shots" in editor_client.get(CHANGELIST, {"q": "flu"}).content.decode()
    assert "Checkpoints" not in editor_client.get(CHANGELIST, {"q": "flu"}).content.decode()
    assert (
        "Checkpoints"
        not in editor_client.get(CHANGELIST, {"language__exact": "es"}).content.decode()
    )


def test_preview_renders_the_draft_as_a_patient_will_see_it(editor_client):
    module = module_with_content(title="Vaccines and you", sources=["CDC: Vaccines"])
    section = module.sections.get(position=1)
    section.body_markdown = "Ask **first**.<script>alert(1)</script>"
    section.save()

    response = editor_client.get(preview_url(module))

    page = response.content.decode()
    assert response.status_code == 200
    assert "library/_version_body.html" in [t.name for t in response.templates]
    assert "<h1" in page and "Vaccines and you" in page
    assert "<strong>first</strong>" in page
    assert "alert(1)" not in page
    assert "CDC: Vaccines" in page
    assert "This is the draft (status: Draft)" in page


def test_preview_of_a_version_shows_its_frozen_text(editor_client):
    module = PublishedModuleFactory(title="Frozen")

    response = editor_client.get(preview_url(module), {"version": 1})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This is version 1, exactly as patients read it now." in page
    assert "Plain words for part 1." in page
    assert editor_client.get(preview_url(module), {"version": 7}).status_code == 404


def test_preview_shows_the_live_version_until_there_is_a_new_draft(editor_client):
    module = module_approved(sections=1)
    services.module_publish(module=module, publisher=AdminFactory())
    section = module.sections.get()
    section.body_markdown = "Draft wording."
    section.save()

    live = editor_client.get(preview_url(module)).content.decode()
    services.module_record_edit(module=module, user=AdminFactory())
    draft = editor_client.get(preview_url(module)).content.decode()

    assert "This is version 1, exactly as patients read it now." in live
    assert "Draft wording." not in live
    assert "Draft wording." in draft
    assert "Patients read version 1 until then." in draft


def test_preview_is_for_staff_only(client, patient):
    module = PublishedModuleFactory()
    client.force_login(patient)

    response = client.get(preview_url(module))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_send_to_review_uses_the_reviewer_chosen_in_the_action_bar(editor_client):
    module = module_with_content()
    reviewer = reviewer_with_permission()

    response = editor_client.post(
        CHANGELIST,
        {"action": "send_to_review", "_selected_action": [module.pk], "reviewer": reviewer.pk},
        follow=True,
    )

    module.refresh_from_db()
    assert module.status == Module.Status.IN_REVIEW
    assert module.reviewed_by == reviewer
    assert "1 module sent to review." in response.content.decode()


def test_send_to_review_without_a_reviewer_explains_what_is_missing(editor_client):
    module = module_with_content(title="No reviewer")

    response = editor_client.post(
        CHANGELIST, {"action": "send_to_review", "_selected_action": [module.pk]}, follow=True
    )

    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert "Choose a reviewer from the list of reviewers." in response.content.decode()


def test_send_to_review_ignores_a_clinician_without_the_reviewer_permission(editor_client):
    module = module_with_content()

    editor_client.post(
        CHANGELIST,
        {
            "action": "send_to_review",
            "_selected_action": [module.pk],
            "reviewer": ClinicianFactory().pk,
        },
        follow=True,
    )

    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.reviewed_by is None


def test_publish_action_publishes_an_approved_module(editor_client):
    module = module_approved()

    response = editor_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [module.pk]}, follow=True
    )

    module.refresh_from_db()
    assert module.status == Module.Status.PUBLISHED
    assert module.current_version.published_by.email == "editor@example.org"
    assert "1 module published." in response.content.decode()


def test_publish_action_refuses_a_module_its_reviewer_has_not_approved(editor_client, editor):
    module = module_in_review(title="My own work", last_edited_by=editor)

    response = editor_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [module.pk]}, follow=True
    )

    module.refresh_from_db()
    assert module.status == Module.Status.IN_REVIEW
    assert not module.versions.exists()
    assert "“My own work” needs its reviewer&#x27;s approval first" in response.content.decode()


def test_retire_action_hides_the_module_from_patients(editor_client):
    module = PublishedModuleFactory()

    editor_client.post(CHANGELIST, {"action": "retire", "_selected_action": [module.pk]})

    module.refresh_from_db()
    assert module.status == Module.Status.RETIRED
    assert not Module.objects.published().filter(pk=module.pk).exists()


def test_editing_a_published_module_in_the_admin_starts_a_draft(editor_client, editor):
    module = module_approved()
    version = services.module_publish(module=module, publisher=AdminFactory())
    snapshot = version.snapshot
    data = change_form_data(editor_client.get(change_url(module)))
    data["sections-0-body_markdown"] = "New advice for the next version."

    response = editor_client.post(change_url(module), data, follow=True)

    assert response.status_code == 200
    module.refresh_from_db()
    version.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.has_unpublished_changes is True
    assert module.last_edited_by == editor
    assert module.current_version == version
    assert version.snapshot == snapshot
    assert module.sections.get(position=1).body_markdown == "New advice for the next version."
    assert "Patients keep reading version 1" in response.content.decode()


def test_the_reviewer_is_not_edited_on_the_module_form(editor_client):
    module = module_approved()
    services.module_publish(module=module, publisher=AdminFactory())
    reviewer = module.reviewed_by
    data = change_form_data(editor_client.get(change_url(module)))
    assert "reviewed_by" not in data
    data["reviewed_by"] = ClinicianFactory().pk

    editor_client.post(change_url(module), data)

    module.refresh_from_db()
    assert module.reviewed_by == reviewer
    assert module.status == Module.Status.PUBLISHED
    assert module.has_unpublished_changes is False


def test_sections_can_swap_positions_in_one_save(editor_client):
    module = module_with_content(sections=2)
    data = change_form_data(editor_client.get(change_url(module)))
    data["sections-0-position"], data["sections-1-position"] = 2, 1

    response = editor_client.post(change_url(module), data)

    assert response.status_code == 302
    assert list(module.sections.order_by("position").values_list("title", flat=True)) == [
        "Part 2",
        "Part 1",
    ]


def test_two_sections_in_the_same_position_get_a_message_not_an_error(editor_client):
    module = module_with_content(sections=2)
    data = change_form_data(editor_client.get(change_url(module)))
    data["sections-1-position"] = 1

    response = editor_client.post(change_url(module), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for position" in response.content.decode()


def test_checks_are_edited_one_choice_per_line(editor_client):
    module = module_with_content(checks=1)
    data = change_form_data(editor_client.get(change_url(module)))
    assert data["checks-0-choices"] == "Digests food\nFights germs\nMakes hair grow"
    data["checks-0-choices"] = "Yes\nNo\nNot sure\n"
    data["checks-0-correct_index"] = 2

    editor_client.post(change_url(module), data)

    check = module.checks.get()
    assert check.choices == ["Yes", "No", "Not sure"]
    assert check.correct_index == 2


@pytest.mark.parametrize(
    ("typed", "saved", "message"),
    [
        ("2, 0", ([0, 2], 0), None),
        ("", ([], 1), None),
        ("first and third", None, "Write the numbers of the right choices, like 0, 2."),
        ("0, 7", None, "List the numbers of the right choices, like [0, 2]."),
    ],
)
def test_a_choose_all_that_apply_question_takes_its_right_choices_as_numbers(
    editor_client, typed, saved, message
):
    module = module_with_content(checks=1)
    data = change_form_data(editor_client.get(change_url(module)))
    data["checks-0-correct_indexes"] = typed

    response = editor_client.post(change_url(module), data)

    check = module.checks.get()
    if saved is None:
        assert message in response.content.decode()
        assert check.correct_indexes == []
    else:
        assert response.status_code == 302
        assert (check.correct_indexes, check.correct_index) == saved


def new_module_data(editor_client, *, sources: str) -> dict:
    """The admin's add form for a one-section module "Flu shots", filled in."""
    data = change_form_data(editor_client.get(reverse("admin:library_module_add")))
    data.update(
        {
            "title": "Flu shots",
            "slug": "flu-shots",
            "topic": "vaccination-safety",
            "language": "en",
            "estimated_minutes": 3,
            "sources": sources,
            "sections-TOTAL_FORMS": 1,
            "sections-0-position": 1,
            "sections-0-title": "Get the shot",
            "sections-0-body_markdown": "Get the flu shot every year. Ask your team when.",
        }
    )
    return data


def test_new_module_records_who_wrote_it_and_gets_a_grade(editor_client, editor):
    data = new_module_data(
        editor_client,
        sources=(
            "CDC: Flu | https://www.cdc.gov/flu/ | 2026-12-06\n"
            "ACS: Vaccines | https://www.cancer.org/ | 2026-12-01"
        ),
    )

    response = editor_client.post(reverse("admin:library_module_add"), data)

    assert response.status_code == 302
    module = Module.objects.get(slug="flu-shots")
    assert module.sources == [
        {"name": "CDC: Flu", "url": "https://www.cdc.gov/flu/", "checked": "2026-12-06"},
        {"name": "ACS: Vaccines", "url": "https://www.cancer.org/", "checked": "2026-12-01"},
    ]
    assert module.last_edited_by == editor
    assert module.status == Module.Status.DRAFT
    assert module.reading_grade is not None


def test_version_history_is_read_only(editor_client):
    module = PublishedModuleFactory()
    version = module.current_version
    url = reverse("admin:library_moduleversion_change", args=[version.pk])

    assert editor_client.get(reverse("admin:library_moduleversion_changelist")).status_code == 200
    assert editor_client.get(url).status_code == 200
    assert editor_client.get(reverse("admin:library_moduleversion_add")).status_code == 403
    assert editor_client.post(url, {"number": 9}).status_code == 403
    delete_url = reverse("admin:library_moduleversion_delete", args=[version.pk])
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.number == 1
    assert ModuleVersion.objects.count() == 1


def test_a_module_with_published_versions_cannot_be_deleted(editor_client):
    module = PublishedModuleFactory()

    response = editor_client.post(
        reverse("admin:library_module_delete", args=[module.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Module.objects.filter(pk=module.pk).exists()


def test_version_history_list_query_count_does_not_grow(editor_client):
    url = reverse("admin:library_moduleversion_changelist")
    PublishedModuleFactory.create_batch(3)
    editor_client.get(url)
    with CaptureQueriesContext(connection) as few:
        editor_client.get(url)

    PublishedModuleFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(url)

    assert response.status_code == 200
    assert ModuleVersion.objects.count() == 30
    assert len(many) == len(few)


def test_a_source_without_its_web_address_and_date_is_refused_with_the_format(editor_client):
    data = new_module_data(
        editor_client, sources="CDC: Flu | https://www.cdc.gov/flu/ | 2026-12-06\nACS: Vaccines"
    )

    response = editor_client.post(reverse("admin:library_module_add"), data)

    assert response.status_code == 200
    assert "Line 2: write the source as “name | https://web address | YYYY-MM-DD”" in (
        response.content.decode()
    )
    assert not Module.objects.filter(slug="flu-shots").exists()
