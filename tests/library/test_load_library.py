"""load_library: loads fixtures/modules, idempotently, and never overwrites a published version."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.library import rendering
from apps.library.models import CheckQuestion, Module, ModuleVersion, Section, reading_texts
from tests.factories import AdminFactory, ClinicianFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "modules"
FIXTURE_COUNT = len(list(FIXTURES.glob("*.md")))

VALID_MODULE = """---
slug: {slug}
title: "Vaccines and you"
topic: vaccination-safety
language: en
summary: "What to ask before a vaccine."
estimated_minutes: 3
last_reviewed: 2026-11-01
sources:
  - name: "CDC: Vaccines"
    url: "https://www.cdc.gov/vaccines/"
    checked: 2026-12-06
checks:
  - prompt: "Who should you ask before a vaccine?"
    choices: ["Your care team", "A neighbour", "Nobody"]
    answer: 0
    explanation: "Your care team knows your treatment."
---
## Ask first

Ask your care team before any vaccine.

## Live vaccines

Live vaccines are often not safe during treatment.
"""


@pytest.fixture
def accounts(db):
    return ClinicianFactory(email="clinician@example.com"), AdminFactory(email="admin@example.com")


def load(folder: Path, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_library", path=str(folder), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def library_state() -> dict:
    return {
        "modules": list(
            Module.objects.order_by("slug").values(
                "id", "slug", "status", "source_hash", "current_version_id", "reading_grade",
                "has_unpublished_changes", "updated_at", "reviewed_by_id",
            )
        ),
        "versions": list(ModuleVersion.objects.order_by("id").values("id", "content_hash")),
        "sections": list(Section.objects.order_by("id").values()),
        "checks": list(CheckQuestion.objects.order_by("id").values()),
    }  # fmt: skip


def test_without_demo_mode_every_fixture_waits_in_review_and_nothing_is_published(accounts):
    reviewer, _publisher = accounts

    out, _err = load(FIXTURES)

    assert not Module.objects.published().exists()
    assert not ModuleVersion.objects.exists()
    assert set(Module.objects.values_list("status", flat=True)) == {Module.Status.IN_REVIEW}
    assert set(Module.objects.values_list("reviewed_by", flat=True)) == {reviewer.pk}
    assert (
        "what-is-immunotherapy.md: created, in review (reviewer clinician@example.com); a " in out
    )


def test_demo_mode_publishes_the_nine_english_modules_as_demo_content(accounts):
    reviewer, publisher = accounts

    out, _err = load(FIXTURES, demo=True)

    published = Module.objects.published()
    assert published.count() == 9
    assert set(published.values_list("language", flat=True)) == {"en"}
    for module in Module.objects.filter(language="es"):
        assert module.status == Module.Status.IN_REVIEW
        assert module.reviewed_by == reviewer
        assert module.translation_of is not None
    for version in ModuleVersion.objects.all():
        assert version.number == 1
        assert (version.reviewed_by, version.published_by) == (reviewer, publisher)
        assert version.snapshot["demo"] is True
        assert version.snapshot["review"] is None
        assert 3 <= version.section_count <= 8
        assert 4 <= len(version.checks) <= 6
    assert (
        "what-is-immunotherapy.md: created, published as version 1 (demo content, not "
        "clinically reviewed)" in out
    )


def test_every_fixture_reads_at_its_target_grade(accounts):
    """English: Flesch-Kincaid grade 6 or below for the module, 8 for its hardest section, and
    SMOG 8 or below. Spanish (Crawford): grade 9 or below throughout. Caregiver notes are held
    to the same targets: each like a section, and inside the module's grade and SMOG."""
    load(FIXTURES)

    for module in Module.objects.prefetch_related("sections"):
        sections = list(module.sections.all())
        whole_limit, section_limit = (6, 8) if module.language == "en" else (9, 9)
        assert module.reading_grade is not None, module.slug
        assert module.reading_grade <= whole_limit, f"{module.slug}: {module.reading_grade}"
        for section in sections:
            assert section.reading_grade <= section_limit, f"{module.slug}: {section.title}"
            if section.caregiver_markdown:
                assert section.caregiver_reading_grade <= section_limit, (
                    f"{module.slug}: caregiver note of {section.title}: "
                    f"{section.caregiver_reading_grade}"
                )
            else:
                assert section.caregiver_reading_grade is None
        if module.language == "en":
            smog = rendering.smog_grade(reading_texts(sections))
            assert smog <= 8, f"{module.slug}: SMOG {smog}"


def test_a_second_run_changes_nothing(accounts, tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "modules")
    load(tmp_path / "modules")
    before = library_state()

    out, _err = load(tmp_path / "modules")

    assert library_state() == before
    assert out.count(": unchanged\n") == FIXTURE_COUNT


def test_a_changed_file_becomes_a_draft_and_the_published_version_stays(accounts, tmp_path):
    source = tmp_path / "checkpoint-inhibitors.md"
    shutil.copytree(FIXTURES / "_shared", tmp_path / "_shared")
    shutil.copy(FIXTURES / "checkpoint-inhibitors.md", source)
    load(tmp_path, demo=True)
    module = Module.objects.get(slug="checkpoint-inhibitors")
    version = module.current_version
    published_snapshot = version.snapshot

    source.write_text(
        source.read_text().replace(
            "## How you get them", "## How you get them\n\nA new sentence for the new draft."
        )
    )
    out, _err = load(tmp_path, demo=True)

    module.refresh_from_db()
    version.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.has_unpublished_changes is True
    assert module.current_version == version
    assert version.snapshot == published_snapshot
    assert ModuleVersion.objects.filter(module=module).count() == 1
    assert "A new sentence for the new draft." in module.sections.get(position=3).body_markdown
    assert Module.objects.published().filter(pk=module.pk).exists()
    assert "checkpoint-inhibitors.md: changed, updated as a draft; version 1 stays" in out


def test_without_the_review_accounts_modules_wait_in_review_then_publish_later(db, tmp_path):
    (tmp_path / "vaccines.md").write_text(VALID_MODULE.format(slug="vaccines"))

    out, _err = load(tmp_path, demo=True)

    module = Module.objects.get(slug="vaccines")
    assert module.status == Module.Status.IN_REVIEW
    assert module.current_version is None
    assert "no reviewer clinician@example.com and publisher admin@example.com account" in out

    ClinicianFactory(email="clinician@example.com")
    AdminFactory(email="admin@example.com")
    out, _err = load(tmp_path, demo=True)

    module.refresh_from_db()
    assert module.status == Module.Status.PUBLISHED
    assert module.current_version.number == 1
    assert module.current_version.snapshot["demo"] is True
    assert "vaccines.md: unchanged, now published as version 1" in out


def test_status_in_review_in_the_file_keeps_the_module_in_review(accounts, tmp_path):
    text = VALID_MODULE.format(slug="vaccines").replace(
        "language: en\n", "language: en\nstatus: in_review\n"
    )
    (tmp_path / "vaccines.md").write_text(text)

    out, _err = load(tmp_path)

    module = Module.objects.get(slug="vaccines")
    assert module.status == Module.Status.IN_REVIEW
    assert not module.versions.exists()
    assert "in review (reviewer clinician@example.com)" in out


def test_sections_are_split_on_level_two_headings(accounts, tmp_path):
    (tmp_path / "vaccines.md").write_text(VALID_MODULE.format(slug="vaccines"))

    load(tmp_path)

    sections = list(
        Section.objects.order_by("position").values_list("position", "title", "body_markdown")
    )
    assert sections == [
        (1, "Ask first", "Ask your care team before any vaccine."),
        (2, "Live vaccines", "Live vaccines are often not safe during treatment."),
    ]


BAD_FRONT_MATTER = [
    ("no front matter", lambda text: text.split("---\n", 2)[2], "must start with front matter"),
    ("unclosed front matter", lambda text: text.replace("---\n## Ask", "## Ask"), "no closing line"),
    ("invalid YAML", lambda text: text.replace('title: "Vaccines and you"', "title: [oops"), "not valid YAML"),
    ("missing title", lambda text: text.replace('title: "Vaccines and you"\n', ""), "missing field(s) in the front matter: title"),
    ("misspelt field", lambda text: text.replace("summary:", "sumary:"), "unknown field(s) in the front matter: sumary"),
    ("unknown topic", lambda text: text.replace("vaccination-safety", "astrology"), "“topic” must be one of"),
    ("unknown language", lambda text: text.replace("language: en", "language: fr"), "“language” must be one of"),
    ("bad date", lambda text: text.replace("2026-11-01", "next week"), "“last_reviewed” must be a date"),
    ("minutes not a number", lambda text: text.replace("estimated_minutes: 3", "estimated_minutes: three"), "“estimated_minutes” must be a whole number"),
    ("answer out of range", lambda text: text.replace("answer: 0", "answer: 3"), "check 1: “answer” is 3, but it must be between 0 and 2"),
    ("two choices", lambda text: text.replace('["Your care team", "A neighbour", "Nobody"]', '["Yes", "No"]'), "check 1 needs 3 or 4 choices"),
    ("no sources", lambda text: text.replace('sources:\n  - name: "CDC: Vaccines"\n    url: "https://www.cdc.gov/vaccines/"\n    checked: 2026-12-06\n', "sources: []\n"), "“sources” must list each public source"),
    ("source without a web address", lambda text: text.replace('https://www.cdc.gov/vaccines/', 'cdc vaccines page'), "source 1 (“CDC: Vaccines”): “url” must be a web address"),
    ("source without a date checked", lambda text: text.replace("checked: 2026-12-06", "checked: recently"), "source 1 (“CDC: Vaccines”): “checked” must be a date"),
    ("source given by name only", lambda text: text.replace('  - name: "CDC: Vaccines"\n    url: "https://www.cdc.gov/vaccines/"\n    checked: 2026-12-06\n', '  - "CDC: Vaccines"\n'), "source 1 is not"),
    ("unknown include", lambda text: text.replace("## Live vaccines\n", "## Live vaccines\n\n::: include nowhere-to-be-found\n"), "“::: include nowhere-to-be-found” names no shared text: _shared/nowhere-to-be-found.en.md does not exist"),
    ("bad status", lambda text: text.replace("language: en\n", "language: en\nstatus: live\n"), "“status” must be one of"),
    ("text before the first heading", lambda text: text.replace("---\n## Ask", "---\nIntro.\n\n## Ask"), "text before the first section heading"),
    ("unknown translation", lambda text: text.replace("language: en\n", "language: en\ntranslation_of: nowhere\n"), "“translation_of” names nowhere"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [pytest.param(mangle, problem, id=name) for name, mangle, problem in BAD_FRONT_MATTER],
)
def test_a_bad_file_names_itself_and_its_problem_and_loads_nothing(
    accounts, tmp_path, mangle, problem
):
    (tmp_path / "broken.md").write_text(mangle(VALID_MODULE.format(slug="broken")))
    (tmp_path / "good.md").write_text(VALID_MODULE.format(slug="good"))

    with pytest.raises(CommandError, match="1 file"):
        load(tmp_path, demo=True)

    assert not Module.objects.filter(slug="broken").exists()
    assert Module.objects.get(slug="good").status == Module.Status.PUBLISHED
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_library", path=str(tmp_path), demo=True, stdout=StringIO(), stderr=err)
    assert "broken.md: not loaded: " in err.getvalue()
    assert problem in err.getvalue()


def test_a_file_that_fails_to_publish_leaves_nothing_behind(db, tmp_path):
    ClinicianFactory(email="clinician@example.com")
    AdminFactory(email="admin@example.com", is_active=False)
    (tmp_path / "vaccines.md").write_text(VALID_MODULE.format(slug="vaccines"))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("load_library", path=str(tmp_path), demo=True, stdout=StringIO(), stderr=err)

    assert "vaccines.md: not loaded: Only an active clinician or admin account" in err.getvalue()
    assert not Module.objects.exists()
    assert not Section.objects.exists()
    assert not CheckQuestion.objects.exists()


def test_the_reviewer_must_be_a_clinician(db, tmp_path):
    AdminFactory(email="admin@example.com")

    with pytest.raises(CommandError, match="must be an active clinician"):
        load(tmp_path, reviewer="admin@example.com")


def with_shared_text(folder: Path, text: str) -> None:
    (folder / "_shared").mkdir(exist_ok=True)
    (folder / "_shared" / "call-now.en.md").write_text(text)
    module = VALID_MODULE.format(slug="vaccines").replace(
        "## Live vaccines\n", "## Live vaccines\n\n::: include call-now\n"
    )
    (folder / "vaccines.md").write_text(module)


def test_an_include_line_is_replaced_by_the_shared_text_in_the_modules_language(accounts, tmp_path):
    with_shared_text(tmp_path, "- Chest pain: call {{EMERGENCY_NUMBER}}.\n")

    load(tmp_path)

    body = Section.objects.get(module__slug="vaccines", position=2).body_markdown
    assert body == (
        "- Chest pain: call {{EMERGENCY_NUMBER}}.\n\n\n"
        "Live vaccines are often not safe during treatment."
    )
    # The shared folder holds snippets, not modules.
    assert Module.objects.count() == 1


def test_changing_the_shared_text_changes_every_module_that_includes_it(accounts, tmp_path):
    with_shared_text(tmp_path, "- Chest pain.\n")
    load(tmp_path)

    (tmp_path / "_shared" / "call-now.en.md").write_text("- Chest pain.\n- Fainting.\n")
    out, _err = load(tmp_path)

    assert "vaccines.md: changed" in out
    body = Section.objects.get(module__slug="vaccines", position=2).body_markdown
    assert body.startswith("- Chest pain.\n- Fainting.\n")


def test_shared_text_may_not_start_a_section(accounts, tmp_path):
    with_shared_text(tmp_path, "## Call now\n\n- Chest pain.\n")

    with pytest.raises(CommandError):
        call_command(
            "load_library", path=str(tmp_path), stdout=StringIO(), stderr=(err := StringIO())
        )

    assert "_shared/call-now.en.md may not include other text or start a section" in err.getvalue()
    assert not Module.objects.exists()
