"""Reading modules kept as Markdown files with YAML front matter (fixtures/modules/*.md).

A file is checked completely before anything is written, so a file with a problem loads
nothing. Loading is idempotent: the file's hash is kept on the module and an unchanged file
changes nothing. A changed file never touches a published version: its new text becomes a
draft that goes through review and publishing like any edit made in the admin.

Shared text: a line that is only `::: include NAME` is replaced by the text of
`_shared/NAME.<language>.md` beside the module files (the urgent signs, for one), so every
module says it the same way. The snippets count in the module's hash: changing one changes
every module that includes it.

Caregiver notes: inside a section, a block

    ::: caregiver
    If you look after someone who ...
    :::

holds text for the person who looks after the patient. It is kept apart from the section's
body (Section.caregiver_markdown) and shown only when the reading was assigned "for the
caregiver too" or a caregiver is reading. At most one per section; it may not hold an include
or another block, and must be closed before the next section.

Review: no file has been reviewed by a clinician in the portal, so a file never publishes
itself. Modules wait in review; only demo mode (`load_library --demo`) publishes those whose
file says `status: published`, and patients then see that they read demo content.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from apps.accounts.models import User

from . import services
from .models import CheckQuestion, Module, Section

REQUIRED_FIELDS = (
    "slug",
    "title",
    "topic",
    "language",
    "summary",
    "estimated_minutes",
    "sources",
    "checks",
)
OPTIONAL_FIELDS = ("translation_of", "status", "last_reviewed")
CHECK_FIELDS = ("prompt", "choices", "answer", "explanation")
SOURCE_FIELDS = ("name", "url", "checked")
# What a file may ask for. "published" (the default) is honoured only in demo mode; anywhere
# else the module waits in review. "in_review" waits even in demo mode (the Spanish
# translations, until a Spanish-speaking clinician approves them).
FILE_STATUSES = (Module.Status.DRAFT, Module.Status.IN_REVIEW, Module.Status.PUBLISHED)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION_HEADING = re.compile(r"^## +(?P<title>.*?)\s*$")
INCLUDE_LINE = re.compile(r"^:::\s*include\s+(?P<name>\S+)\s*$")
CAREGIVER_OPEN = re.compile(r"^:::\s*caregiver\s*$")
BLOCK_CLOSE = re.compile(r"^:::\s*$")
CAREGIVER_MAX_LENGTH = 10000
SHARED_FOLDER = "_shared"


class ModuleFileError(Exception):
    """A module file that cannot be loaded. The message names the file and the problem."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path.name}: {problem}")


@dataclass(frozen=True)
class ParsedSection:
    title: str
    body_markdown: str
    # The "::: caregiver" block's text, without its fences ("" when the section has none).
    caregiver_markdown: str = ""


@dataclass(frozen=True)
class ParsedCheck:
    prompt: str
    choices: list[str]
    correct_index: int
    explanation: str
    # Every right choice of a "choose all that apply" question (its `answer` is a list).
    correct_indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class ModuleFile:
    path: Path
    source_hash: str
    slug: str
    title: str
    topic: str
    language: str
    summary: str
    estimated_minutes: int
    last_reviewed: datetime.date | None
    sources: list[dict]
    checks: list[ParsedCheck]
    sections: list[ParsedSection]
    translation_of: str | None
    status: str


def _text(path: Path, meta: dict, field: str, *, max_length: int) -> str:
    value = meta.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ModuleFileError(path, f"“{field}” must be some text.")
    if len(value) > max_length:
        raise ModuleFileError(path, f"“{field}” is longer than {max_length} characters.")
    return value.strip()


def _date(value) -> datetime.date | None:
    """A YAML date (or text written as YYYY-MM-DD) as a date; None when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        return None
    return value


def _parse_sources(path: Path, raw) -> list[dict]:
    """Each source as {"name", "url", "checked"} (checked: the date someone last read it)."""
    shape = (
        "“sources” must list each public source as {name: ..., url: https://..., "
        "checked: YYYY-MM-DD}"
    )
    if not isinstance(raw, list) or not raw:
        raise ModuleFileError(path, shape + ".")
    validate_url = URLValidator(schemes=["https", "http"])
    sources = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != set(SOURCE_FIELDS):
            raise ModuleFileError(path, f"{shape}: source {number} is not.")
        name = _text(path, item, "name", max_length=300)
        url = item["url"]
        try:
            validate_url(url)
        except ValidationError:
            raise ModuleFileError(
                path, f"source {number} (“{name}”): “url” must be a web address (https://...)."
            ) from None
        checked = _date(item["checked"])
        if checked is None:
            raise ModuleFileError(
                path, f"source {number} (“{name}”): “checked” must be a date written as YYYY-MM-DD."
            )
        sources.append({"name": name, "url": url, "checked": checked.isoformat()})
    return sources


def _expand_includes(path: Path, body: str, language: str) -> tuple[str, list[bytes]]:
    """The body with every `::: include NAME` line replaced by its shared snippet.

    Returns the body and the raw bytes of each snippet used (they count in the hash).
    """
    lines: list[str] = []
    used: list[bytes] = []
    in_caregiver_block = False
    for line in body.splitlines():
        if CAREGIVER_OPEN.match(line):
            in_caregiver_block = True
        elif BLOCK_CLOSE.match(line) or SECTION_HEADING.match(line):
            in_caregiver_block = False
        include = INCLUDE_LINE.match(line)
        if include is None:
            lines.append(line)
            continue
        name = include.group("name")
        if in_caregiver_block:
            raise ModuleFileError(
                path,
                f"“::: include {name}” is inside a “::: caregiver” block: shared text may not be "
                "included there. Close the block (“:::”) first.",
            )
        if not SLUG_PATTERN.match(name):
            raise ModuleFileError(
                path,
                f"“::: include {name}”: the name must be lowercase letters, digits and dashes.",
            )
        snippet_path = path.parent / SHARED_FOLDER / f"{name}.{language}.md"
        if not snippet_path.is_file():
            raise ModuleFileError(
                path,
                f"“::: include {name}” names no shared text: {SHARED_FOLDER}/{snippet_path.name} "
                "does not exist.",
            )
        raw = snippet_path.read_bytes()
        try:
            snippet = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ModuleFileError(
                path, f"{SHARED_FOLDER}/{snippet_path.name} is not saved as UTF-8 text."
            ) from None
        for snippet_line in snippet.splitlines():
            if INCLUDE_LINE.match(snippet_line) or SECTION_HEADING.match(snippet_line):
                raise ModuleFileError(
                    path,
                    f"{SHARED_FOLDER}/{snippet_path.name} may not include other text or start a "
                    "section (“## ”): it is placed inside a section.",
                )
            if CAREGIVER_OPEN.match(snippet_line) or BLOCK_CLOSE.match(snippet_line):
                raise ModuleFileError(
                    path,
                    f"{SHARED_FOLDER}/{snippet_path.name} may not hold a “::: caregiver” block "
                    "or a “:::” line: write caregiver notes in the module itself.",
                )
        if not snippet:
            raise ModuleFileError(path, f"{SHARED_FOLDER}/{snippet_path.name} is empty.")
        lines.extend(["", snippet, ""])
        used.append(raw)
    return "\n".join(lines), used


def _split_front_matter(path: Path, text: str) -> tuple[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ModuleFileError(
            path, "the file must start with front matter: a line of three dashes (---)."
        )
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise ModuleFileError(path, "the front matter has no closing line of three dashes (---).")


def _parse_meta(path: Path, front_matter: str) -> dict:
    try:
        meta = yaml.safe_load(front_matter)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (front matter line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ModuleFileError(
            path, f"the front matter is not valid YAML{where}: {problem}."
        ) from None
    if not isinstance(meta, dict):
        raise ModuleFileError(path, "the front matter must be a list of “field: value” lines.")
    unknown = sorted(set(meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise ModuleFileError(
            path,
            f"unknown field(s) in the front matter: {', '.join(unknown)}. Allowed: "
            f"{', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)}.",
        )
    missing = [field for field in REQUIRED_FIELDS if field not in meta]
    if missing:
        raise ModuleFileError(path, f"missing field(s) in the front matter: {', '.join(missing)}.")
    return meta


def _parse_answer(path: Path, where: str, answer, choice_count: int) -> tuple[int, ...]:
    """The right choices: one number, or a list of them for "choose all that apply"."""
    answers = answer if isinstance(answer, list) else [answer]
    if not answers or any(isinstance(one, bool) or not isinstance(one, int) for one in answers):
        raise ModuleFileError(
            path,
            f"{where}: “answer” must be a whole number, or a list of them for a question where "
            "more than one choice is right.",
        )
    for one in answers:
        if not 0 <= one < choice_count:
            raise ModuleFileError(
                path,
                f"{where}: “answer” is {one}, but it must be between 0 and "
                f"{choice_count - 1} (answers count from 0).",
            )
    if len(set(answers)) != len(answers):
        raise ModuleFileError(path, f"{where}: “answer” lists the same choice twice.")
    return tuple(sorted(answers))


def _parse_checks(path: Path, raw) -> list[ParsedCheck]:
    if not isinstance(raw, list) or not raw:
        raise ModuleFileError(path, "“checks” must list at least one question.")
    checks = []
    for number, item in enumerate(raw, start=1):
        where = f"check {number}"
        if not isinstance(item, dict):
            raise ModuleFileError(path, f"{where} must have prompt, choices, answer, explanation.")
        if set(item) != set(CHECK_FIELDS):
            raise ModuleFileError(
                path,
                f"{where} must have exactly these fields: {', '.join(CHECK_FIELDS)} "
                f"(it has {', '.join(sorted(map(str, item))) or 'none'}).",
            )
        prompt = _text(path, item, "prompt", max_length=500)
        explanation = _text(path, item, "explanation", max_length=1000)
        choices = item["choices"]
        if (
            not isinstance(choices, list)
            or not 3 <= len(choices) <= 4
            or not all(isinstance(choice, str) and choice.strip() for choice in choices)
        ):
            raise ModuleFileError(path, f"{where} needs 3 or 4 choices, each with some text.")
        answers = _parse_answer(path, where, item["answer"], len(choices))
        checks.append(
            ParsedCheck(
                prompt=prompt,
                choices=[choice.strip() for choice in choices],
                correct_index=answers[0],
                explanation=explanation,
                correct_indexes=answers if isinstance(item["answer"], list) else (),
            )
        )
    return checks


def _split_caregiver_block(path: Path, where: str, lines: list[str]) -> tuple[str, str]:
    """A section's lines as (body, caregiver note), the note taken out of its
    “::: caregiver” … “:::” fences. Raises ModuleFileError for a block that is nested,
    repeated, unclosed, empty, or a “:::” that closes nothing."""
    body: list[str] = []
    note: list[str] = []
    inside = found = False
    for line in lines:
        if CAREGIVER_OPEN.match(line):
            if inside:
                raise ModuleFileError(
                    path,
                    f"{where}: a “::: caregiver” block is opened inside another one. "
                    "Close the first with a line “:::” (blocks cannot be nested).",
                )
            if found:
                raise ModuleFileError(
                    path,
                    f"{where} has two “::: caregiver” blocks; a section may have one. "
                    "Put the caregiver's text in one block.",
                )
            inside = found = True
        elif BLOCK_CLOSE.match(line):
            if not inside:
                raise ModuleFileError(
                    path, f"{where}: a line “:::” closes no “::: caregiver” block."
                )
            inside = False
        else:
            (note if inside else body).append(line)
    if inside:
        raise ModuleFileError(
            path,
            f"{where}: the “::: caregiver” block is not closed. End it with a line “:::” "
            "before the next section.",
        )
    caregiver = "\n".join(note).strip()
    if found and not caregiver:
        raise ModuleFileError(path, f"{where}: the “::: caregiver” block is empty.")
    if len(caregiver) > CAREGIVER_MAX_LENGTH:
        raise ModuleFileError(
            path,
            f"{where}: the “::: caregiver” block is longer than {CAREGIVER_MAX_LENGTH} characters.",
        )
    return "\n".join(body).strip(), caregiver


def _parse_sections(path: Path, body: str) -> list[ParsedSection]:
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        heading = SECTION_HEADING.match(line)
        if heading:
            sections.append((heading.group("title"), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    if any(CAREGIVER_OPEN.match(line) for line in preamble):
        raise ModuleFileError(
            path,
            "a “::: caregiver” block comes before the first section heading: it must be inside "
            "a section (after a line starting with “## ”).",
        )
    if any(line.strip() for line in preamble):
        raise ModuleFileError(
            path, "there is text before the first section heading (a line starting with “## ”)."
        )
    if not sections:
        raise ModuleFileError(path, "the body has no sections: start each with “## Title”.")
    parsed = []
    for number, (title, lines) in enumerate(sections, start=1):
        text, caregiver = _split_caregiver_block(path, f"section {number} (“{title}”)", lines)
        if not title:
            raise ModuleFileError(path, f"section {number} has an empty “## ” heading.")
        if len(title) > 200:
            raise ModuleFileError(path, f"the heading of section {number} is too long.")
        if not text:
            raise ModuleFileError(path, f"section {number} (“{title}”) has no text.")
        if len(text) > 20000:
            raise ModuleFileError(path, f"section {number} (“{title}”) is too long.")
        parsed.append(ParsedSection(title=title, body_markdown=text, caregiver_markdown=caregiver))
    return parsed


def parse_module_file(path: Path) -> ModuleFile:
    """Read and check one file completely. Raises ModuleFileError naming the problem."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModuleFileError(path, "the file is not saved as UTF-8 text.") from None
    front_matter, body = _split_front_matter(path, text)
    meta = _parse_meta(path, front_matter)

    slug = meta["slug"]
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise ModuleFileError(
            path, "“slug” must be lowercase letters, digits and single dashes, like my-module."
        )
    topic = meta["topic"]
    if topic not in Module.Topic.values:
        raise ModuleFileError(
            path, f"“topic” must be one of: {', '.join(Module.Topic.values)} (not {topic!r})."
        )
    languages = [code for code, _name in settings.LANGUAGES]
    language = meta["language"]
    if language not in languages:
        raise ModuleFileError(
            path, f"“language” must be one of: {', '.join(languages)} (not {language!r})."
        )
    minutes = meta["estimated_minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 120:
        raise ModuleFileError(path, "“estimated_minutes” must be a whole number from 1 to 120.")
    last_reviewed = meta.get("last_reviewed")
    if last_reviewed is not None:
        last_reviewed = _date(last_reviewed)
        if last_reviewed is None:
            raise ModuleFileError(path, "“last_reviewed” must be a date written as YYYY-MM-DD.")
    sources = _parse_sources(path, meta["sources"])
    translation_of = meta.get("translation_of")
    if translation_of is not None and (
        not isinstance(translation_of, str) or not SLUG_PATTERN.match(translation_of)
    ):
        raise ModuleFileError(path, "“translation_of” must be the slug of another module.")
    if translation_of == slug:
        raise ModuleFileError(path, "“translation_of” cannot name the module itself.")
    status = meta.get("status", Module.Status.PUBLISHED)
    if status not in FILE_STATUSES:
        raise ModuleFileError(
            path, f"“status” must be one of: {', '.join(FILE_STATUSES)} (not {status!r})."
        )

    body, snippets = _expand_includes(path, body, language)
    digest = hashlib.sha256(raw)
    for snippet in snippets:
        digest.update(snippet)

    return ModuleFile(
        path=path,
        source_hash=digest.hexdigest(),
        slug=slug,
        title=_text(path, meta, "title", max_length=200),
        topic=topic,
        language=language,
        summary=_text(path, meta, "summary", max_length=1000),
        estimated_minutes=minutes,
        last_reviewed=last_reviewed,
        sources=sources,
        checks=_parse_checks(path, meta["checks"]),
        sections=_parse_sections(path, body),
        translation_of=translation_of,
        status=str(status),
    )


@dataclass(frozen=True)
class Accounts:
    """Who reviews and who publishes modules loaded from files (None: no such account).

    `demo`: publish what the files ask to publish, marked as demo content nobody reviewed.
    """

    reviewer: User | None
    publisher: User | None
    reviewer_email: str
    publisher_email: str
    demo: bool = False

    def missing(self) -> str:
        absent = [
            f"{role} {email}"
            for role, email, user in (
                ("reviewer", self.reviewer_email, self.reviewer),
                ("publisher", self.publisher_email, self.publisher),
            )
            if user is None
        ]
        return " and ".join(absent)


def _apply_content(module: Module, source: ModuleFile, translation_of: Module | None) -> None:
    module.title = source.title
    module.topic = source.topic
    module.language = source.language
    module.summary = source.summary
    module.estimated_minutes = source.estimated_minutes
    module.last_reviewed = source.last_reviewed
    module.sources = source.sources
    module.translation_of = translation_of
    module.source_hash = source.source_hash
    # The file is the author: nobody in the admin made these changes.
    module.last_edited_by = None
    module.save()

    existing = {section.position: section for section in module.sections.all()}
    for position, parsed in enumerate(source.sections, start=1):
        section = existing.pop(position, None) or Section(module=module, position=position)
        section.module = module
        section.title = parsed.title
        section.body_markdown = parsed.body_markdown
        section.caregiver_markdown = parsed.caregiver_markdown
        section.save()
    for section in existing.values():
        section.delete()

    module.checks.filter(position__gt=len(source.checks)).delete()
    for position, parsed in enumerate(source.checks, start=1):
        CheckQuestion.objects.update_or_create(
            module=module,
            position=position,
            defaults={
                "prompt": parsed.prompt,
                "choices": parsed.choices,
                "correct_index": parsed.correct_index,
                "correct_indexes": list(parsed.correct_indexes),
                "explanation": parsed.explanation,
            },
        )
    module.refresh_reading_grade()


def _follow_file_status(module: Module, source: ModuleFile, accounts: Accounts) -> str:
    """Take a module that was never published to the status its file asks for."""
    if source.status == Module.Status.DRAFT:
        return "draft"
    if accounts.reviewer is None:
        module.status = Module.Status.IN_REVIEW
        module.save(update_fields=["status", "updated_at"])
        return f"in review; no {accounts.missing()} account yet, so it was not published"
    module = services.module_submit_for_review(module=module, reviewer=accounts.reviewer)
    if source.status == Module.Status.IN_REVIEW:
        return f"in review (reviewer {accounts.reviewer.email})"
    if not accounts.demo:
        return (
            f"in review (reviewer {accounts.reviewer.email}); a clinician must approve it "
            "before it is published"
        )
    if accounts.publisher is None:
        return f"in review; no {accounts.missing()} account yet, so it was not published"
    version = services.module_publish(module=module, publisher=accounts.publisher, demo=True)
    return f"published as version {version.number} (demo content, not clinically reviewed)"


def load_module_file(source: ModuleFile, *, accounts: Accounts) -> str:
    """Create or update one module from its parsed file. Returns what happened, in words."""
    translation_of = None
    if source.translation_of:
        translation_of = Module.objects.filter(slug=source.translation_of).first()
        if translation_of is None:
            raise ModuleFileError(
                source.path, f"“translation_of” names {source.translation_of}, which is not loaded."
            )
    with transaction.atomic():
        module = Module.objects.select_for_update().filter(slug=source.slug).first()
        if module is None:
            module = Module(slug=source.slug, status=Module.Status.DRAFT)
            _apply_content(module, source, translation_of)
            return "created, " + _follow_file_status(module, source, accounts)

        if module.source_hash == source.source_hash:
            waiting = (
                accounts.demo
                and source.status == Module.Status.PUBLISHED
                and module.status == Module.Status.IN_REVIEW
                and module.current_version_id is None
                and module.last_edited_by_id is None
                and accounts.reviewer is not None
                and accounts.publisher is not None
            )
            if (
                source.status == Module.Status.IN_REVIEW
                and module.status == Module.Status.IN_REVIEW
                and module.reviewed_by_id is None
                and accounts.reviewer is not None
            ):
                # The command checked that the reviewer is an active clinician.
                module.reviewed_by = accounts.reviewer
                module.save(update_fields=["reviewed_by", "updated_at"])
                return f"unchanged, in review (reviewer {accounts.reviewer.email})"
            if not waiting:
                return "unchanged"
            # Loaded before the demo accounts existed: finish what the file asked for.
            if module.reviewed_by_id is None:
                module.reviewed_by = accounts.reviewer
                module.save(update_fields=["reviewed_by", "updated_at"])
            version = services.module_publish(
                module=module, publisher=accounts.publisher, demo=True
            )
            return (
                f"unchanged, now published as version {version.number} "
                "(demo content, not clinically reviewed)"
            )

        edited_in_admin = module.last_edited_by_id is not None
        _apply_content(module, source, translation_of)
        note = (
            " (this replaced edits made in the admin since the last load)"
            if edited_in_admin
            else ""
        )
        if not module.versions.exists():
            module.status = Module.Status.DRAFT
            module.save(update_fields=["status", "updated_at"])
            return "changed, " + _follow_file_status(module, source, accounts) + note
        services.module_record_edit(module=module, user=None)
        if module.status == Module.Status.IN_REVIEW:
            module.status = Module.Status.DRAFT
            module.save(update_fields=["status", "updated_at"])
        if module.status == Module.Status.RETIRED:
            return "changed, updated; the module stays retired" + note
        if module.current_version_id is None:
            return "changed, updated as a draft; no version of it is published now" + note
        return (
            f"changed, updated as a draft; version {module.current_version.number} stays what "
            "patients read until the draft is reviewed and published in the admin" + note
        )


def find_module_files(folder: Path) -> list[Path]:
    """The modules in `folder`; the shared snippets in its _shared/ folder are not modules."""
    return sorted(path for path in folder.glob("*.md") if path.is_file())


def load_library(
    folder: Path, *, accounts: Accounts
) -> tuple[list[tuple[Path, str]], list[ModuleFileError]]:
    """Load every *.md file in `folder`. Returns (path, outcome) pairs and the errors."""
    results: list[tuple[Path, str]] = []
    errors: list[ModuleFileError] = []
    parsed: list[ModuleFile] = []
    seen: dict[str, Path] = {}
    for path in find_module_files(folder):
        try:
            source = parse_module_file(path)
        except ModuleFileError as error:
            errors.append(error)
            continue
        if source.slug in seen:
            errors.append(
                ModuleFileError(
                    path, f"slug {source.slug} is already used by {seen[source.slug].name}."
                )
            )
            continue
        seen[source.slug] = path
        parsed.append(source)
    # Originals first, so a translation can point at a module loaded in the same run.
    parsed.sort(key=lambda source: (source.translation_of is not None, source.path.name))
    for source in parsed:
        try:
            results.append((source.path, load_module_file(source, accounts=accounts)))
        except ModuleFileError as error:
            errors.append(error)
        except ValidationError as error:
            errors.append(ModuleFileError(source.path, " ".join(error.messages)))
    return results, errors
