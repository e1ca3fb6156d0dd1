"""Caregiver notes: a "::: caregiver" block inside a section, kept as its own text, reviewed,
hashed, graded and rendered like the body (issue 25)."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.accounts.management.commands.seed_demo import content_reviewers_group
from apps.library import diffing, rendering, services
from apps.library.models import Module, Section, reading_texts
from tests.factories import AdminFactory, ClinicianFactory, ensure_mfa

from .factories import (
    PublishedModuleFactory,
    SectionFactory,
    module_approved,
    publish_with_caregiver_note,
)
from .test_load_library import VALID_MODULE, load

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "caregiver-notes.md"
NOTE = (
    "If you look after someone who had this treatment, stay close to them.\n\n"
    "- Check on them every few hours.\n"
    "- Call {{CARE_TEAM_PHONE}} if they seem confused."
)


@pytest.fixture
def accounts(db):
    return ClinicianFactory(email="clinician@example.com"), AdminFactory(email="admin@example.com")


@pytest.fixture
def folder(tmp_path):
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    return tmp_path


def test_the_block_is_taken_out_of_the_body_into_its_own_field(accounts, folder):
    load(folder)

    first, second = Section.objects.filter(module__slug="looking-after-someone").order_by(
        "position"
    )
    assert first.body_markdown == "Rest when you need to. Drink plenty of water."
    assert first.caregiver_markdown == NOTE
    assert second.caregiver_markdown == ""
    assert "caregiver" not in second.body_markdown


def test_the_note_is_rendered_sanitised_and_numbered_like_the_body_and_only_where_it_exists(
    accounts, folder
):
    load(folder, demo=True)

    version = Module.objects.get(slug="looking-after-someone").current_version
    first, second = version.sections
    assert first["caregiver_markdown"] == NOTE
    html = first["caregiver_html"]
    assert html == rendering.render_markdown(NOTE)
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert f"Call {settings.CARE_TEAM_PHONE} if they seem confused." in html
    assert "caregiver" not in first["html"]
    assert first["caregiver_reading_grade"] is not None
    # A section without a note has no caregiver keys, so versions of modules without notes
    # keep the hash they had before notes existed.
    assert not {"caregiver_markdown", "caregiver_html", "caregiver_reading_grade"} & set(second)


def test_a_script_in_a_note_never_reaches_the_snapshot():
    module = module_approved(sections=1)
    module.sections.update(caregiver_markdown="Stay close.<script>alert(1)</script>")

    snapshot = services.build_snapshot(module=module)

    assert "<script" not in snapshot["sections"][0]["caregiver_html"]
    assert "Stay close." in snapshot["sections"][0]["caregiver_html"]


def test_the_note_is_part_of_the_version_hash_and_of_a_changed_file(accounts, folder):
    load(folder, demo=True)
    module = Module.objects.get(slug="looking-after-someone")
    before = services.snapshot_hash(services.build_snapshot(module=module))

    path = folder / FIXTURE.name
    path.write_text(path.read_text().replace("every few hours", "every two hours"))
    out, _err = load(folder, demo=True)

    assert "caregiver-notes.md: changed" in out
    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert "every two hours" in module.sections.get(position=1).caregiver_markdown
    assert services.snapshot_hash(services.build_snapshot(module=module)) != before


def test_caregiver_notes_count_in_the_grades(accounts, folder):
    load(folder)
    module = Module.objects.get(slug="looking-after-someone")
    first = module.sections.get(position=1)

    assert first.caregiver_reading_grade == rendering.markdown_reading_grade(NOTE)
    texts = reading_texts(module.sections.order_by("position"))
    assert texts[1] == NOTE
    assert module.reading_grade == rendering.combined_reading_grade(texts)

    # A hard note raises the module's grade: it is held to the same targets.
    first.caregiver_markdown = (
        "Immunotherapy-associated neurological complications necessitate comprehensive, "
        "uninterrupted observation by designated responsible individuals throughout recovery."
    )
    first.save()
    module.refresh_from_db()
    first.refresh_from_db()
    assert first.caregiver_reading_grade > 12
    assert module.reading_grade > rendering.combined_reading_grade(texts)


def test_the_library_report_counts_a_hard_note_as_the_hardest_part(accounts, folder):
    load(folder)
    section = Section.objects.get(module__slug="looking-after-someone", position=1)
    section.caregiver_markdown = (
        "Immunotherapy-associated neurological complications necessitate comprehensive, "
        "uninterrupted observation by designated responsible individuals throughout recovery."
    )
    section.save()
    section.refresh_from_db()
    out = StringIO()

    call_command("library_report", stdout=out)

    row = next(line for line in out.getvalue().splitlines() if "looking-after-someone" in line)
    assert f"| {section.caregiver_reading_grade} |" in row
    assert section.caregiver_reading_grade > section.reading_grade


def with_block(text: str, block: str, after: str = "Live vaccines are often not safe during treatment.\n") -> str:  # fmt: skip
    return text.replace(after, after + "\n" + block)


BAD_BLOCKS = [
    (
        "unclosed",
        lambda text: with_block(text, "::: caregiver\nStay with them.\n"),
        "section 2 (“Live vaccines”): the “::: caregiver” block is not closed",
    ),
    (
        "unclosed before the next section",
        lambda text: with_block(
            text,
            "::: caregiver\nStay with them.\n",
            after="Ask your care team before any vaccine.\n",
        ),
        "section 1 (“Ask first”): the “::: caregiver” block is not closed",
    ),
    (
        "nested",
        lambda text: with_block(text, "::: caregiver\nStay.\n::: caregiver\nClose.\n:::\n:::\n"),
        "section 2 (“Live vaccines”): a “::: caregiver” block is opened inside another one",
    ),
    (
        "two in one section",
        lambda text: with_block(text, "::: caregiver\nStay.\n:::\n\n::: caregiver\nCall.\n:::\n"),
        "section 2 (“Live vaccines”) has two “::: caregiver” blocks; a section may have one",
    ),
    (
        "an include inside",
        lambda text: with_block(text, "::: caregiver\n::: include urgent-signs\n:::\n"),
        "“::: include urgent-signs” is inside a “::: caregiver” block",
    ),
    (
        "outside any section",
        lambda text: text.replace("---\n## Ask", "---\n::: caregiver\nStay.\n:::\n\n## Ask"),
        "a “::: caregiver” block comes before the first section heading",
    ),
    (
        "a close with no block",
        lambda text: with_block(text, "Stay.\n:::\n"),
        "section 2 (“Live vaccines”): a line “:::” closes no “::: caregiver” block",
    ),
    (
        "empty",
        lambda text: with_block(text, "::: caregiver\n\n:::\n"),
        "section 2 (“Live vaccines”): the “::: caregiver” block is empty",
    ),
]


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [pytest.param(mangle, problem, id=name) for name, mangle, problem in BAD_BLOCKS],
)
def test_a_bad_block_stops_its_module_with_the_file_named(accounts, tmp_path, mangle, problem):
    (tmp_path / "_shared").mkdir()
    (tmp_path / "_shared" / "urgent-signs.en.md").write_text("- Chest pain.\n")
    (tmp_path / "broken.md").write_text(mangle(VALID_MODULE.format(slug="broken")))
    (tmp_path / "good.md").write_text(VALID_MODULE.format(slug="good"))
    err = StringIO()

    with pytest.raises(CommandError, match="1 file"):
        call_command("load_library", path=str(tmp_path), stdout=StringIO(), stderr=err)

    assert f"broken.md: not loaded: {problem}" in err.getvalue()
    assert not Module.objects.filter(slug="broken").exists()
    assert Module.objects.filter(slug="good").exists()


def test_shared_text_may_not_hold_a_caregiver_block(accounts, tmp_path):
    (tmp_path / "_shared").mkdir()
    (tmp_path / "_shared" / "call-now.en.md").write_text("::: caregiver\nStay.\n:::\n")
    (tmp_path / "vaccines.md").write_text(
        VALID_MODULE.format(slug="vaccines").replace(
            "## Live vaccines\n", "## Live vaccines\n\n::: include call-now\n"
        )
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("load_library", path=str(tmp_path), stdout=StringIO(), stderr=err)

    assert "vaccines.md: not loaded: _shared/call-now.en.md may not hold" in err.getvalue()


def test_the_reviewers_diff_shows_the_note_as_a_caregiver_block():
    old = {"sections": [{"position": 1, "title": "At home", "body_markdown": "Rest."}]}
    new = {
        "sections": [
            {
                "position": 1,
                "title": "At home",
                "body_markdown": "Rest.",
                "caregiver_markdown": "Stay close.",
            }
        ]
    }

    part = diffing.snapshot_diff(old, new)["sections"][0]

    assert part.state == "changed"
    added = [line.text for line in part.lines if line.op == "added"]
    assert added == ["", "::: caregiver", "Stay close.", ":::"]


def test_the_review_screen_shows_the_note(client):
    editor = AdminFactory(email="editor@example.org")
    reviewer = ClinicianFactory(email="rita@example.org")
    reviewer.groups.add(content_reviewers_group())
    module = module_approved(sections=1)
    services.module_publish(module=module, publisher=AdminFactory())
    module.sections.update(caregiver_markdown="If you look after someone, stay close.")
    services.module_record_edit(module=module, user=editor)
    services.review_request(module=module, reviewer=reviewer, requested_by=editor)
    ensure_mfa(reviewer)
    client.force_login(reviewer)

    page = client.get(reverse("admin:library_module_review", args=[module.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "::: caregiver" in text
    assert "If you look after someone, stay close." in text


def test_the_admin_edits_the_note_next_to_the_body_and_previews_it_marked(client):
    editor = AdminFactory(email="editor@example.org")
    ensure_mfa(editor)
    client.force_login(editor)
    module = module_approved(sections=1)
    change = reverse("admin:library_module_change", args=[module.pk])
    from .test_admin import change_form_data

    form = client.get(change)
    assert 'name="sections-0-caregiver_markdown"' in form.content.decode()
    data = change_form_data(form)
    data["sections-0-caregiver_markdown"] = "If you look after someone, call {{CARE_TEAM_PHONE}}."
    assert client.post(change, data).status_code == 302

    section = module.sections.get()
    assert section.caregiver_markdown == "If you look after someone, call {{CARE_TEAM_PHONE}}."
    assert section.caregiver_reading_grade is not None
    preview = client.get(reverse("admin:library_module_preview", args=[module.pk]))
    text = preview.content.decode()
    assert "Caregiver note" in text
    assert f"If you look after someone, call {settings.CARE_TEAM_PHONE}." in text


def _published_with_note():
    module = PublishedModuleFactory(title="CAR-T")
    publish_with_caregiver_note(module, "If you look after someone, stay close.")
    return module


def test_the_library_preview_shows_the_note_marked_as_caregiver_text(staff_login, clinician):
    module = _published_with_note()

    page = staff_login(clinician).get(reverse("library:module_preview", args=[module.pk]))

    text = page.content.decode()
    assert "Caregiver note" in text
    assert "Caregiver text: shown to caregivers" in text
    assert text.count("If you look after someone, stay close.") == 1


def test_the_module_api_gives_the_note_as_its_own_field(patient_client, patient, clinician):
    from apps.assignments.models import Assignment

    module = _published_with_note()
    Assignment.objects.create(patient=patient, module=module, assigned_by=clinician)

    body = patient_client.get(f"/api/v1/modules/{module.slug}/").json()

    first, second = body["sections"]
    assert first["caregiver_note"] == (
        '<p class="govuk-body">If you look after someone, stay close.</p>'
    )
    assert "stay close" not in first["html"]
    assert second["caregiver_note"] is None


def test_a_section_made_in_the_admin_has_no_note_by_default():
    section = SectionFactory()
    assert section.caregiver_markdown == ""
    assert section.caregiver_reading_grade is None
