"""The Spanish catalogue is complete: every string the templates and code mark for
translation has a Spanish text, with the same placeholders. Not a browser test."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "locale" / "es" / "LC_MESSAGES" / "django.po"
# {% translate "..." %} and {% trans '...' %} with a plain literal.
TEMPLATE_STRING = re.compile(r"""{%\s*trans(?:late)?\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
# _("..."), gettext("..."), gettext_lazy("...") with a single plain literal.
CODE_STRING = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|pgettext)\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*\)"""
)


def _unquote_po(text: str) -> str:
    return ast.literal_eval(text)


def _catalogue() -> dict[str, tuple[str | None, list[str]]]:
    """msgid -> (msgid_plural or None, its msgstr forms), from the .po file."""
    entries: dict[str, tuple[str | None, list[str]]] = {}
    field = None
    current: dict[str, str] = {}

    def flush():
        if current.get("msgid"):
            forms = [value for key, value in current.items() if key.startswith("msgstr")]
            entries[current["msgid"]] = (current.get("msgid_plural"), forms)
        current.clear()

    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
        if match:
            if match.group(1) == "msgid":
                flush()
            field = match.group(1)
            current[field] = _unquote_po(match.group(2))
        elif line.startswith('"') and field:
            current[field] += _unquote_po(line)
    flush()
    return entries


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|__N__", text))


def test_every_catalogue_entry_has_a_spanish_text_with_the_same_placeholders():
    catalogue = _catalogue()
    assert len(catalogue) > 100
    missing = [msgid for msgid, (_plural, forms) in catalogue.items() if not all(forms)]
    assert not missing, f"No Spanish text yet for: {missing}"
    mismatched = []
    for msgid, (plural, forms) in catalogue.items():
        english = [msgid] if plural is None else [msgid, plural]
        # Plural forms: the first is for one, the others follow the English plural.
        for index, form in enumerate(forms):
            if _placeholders(form) != _placeholders(english[min(index, len(english) - 1)]):
                mismatched.append(msgid)
    assert not mismatched, f"Placeholders differ between English and Spanish: {mismatched}"


def test_catalogue_has_no_fuzzy_entries_and_compiles():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if settings.REQUIRE_SERVICES:
            pytest.fail("required tool missing: msgfmt (apt-get install gettext)")
        # A laptop without gettext can still run the rest; CI (REQUIRE_SERVICES) fails above.
        pytest.skip("msgfmt (gettext) is not installed")
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text and ", fuzzy" not in text
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_strings_marked_in_templates_and_code_are_in_the_catalogue():
    """A string marked for translation after the last makemessages is not in the catalogue:
    run `manage.py makemessages -l es --ignore=.venv --ignore=var` and translate it."""
    catalogue = _catalogue()
    marked: dict[str, str] = {}
    for path in (BASE / "templates").rglob("*.html"):
        for literal in TEMPLATE_STRING.findall(path.read_text(encoding="utf-8")):
            marked.setdefault(ast.literal_eval(literal), str(path.relative_to(BASE)))
    for path in [*(BASE / "apps").rglob("*.py"), *(BASE / "portal").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        for literal in CODE_STRING.findall(path.read_text(encoding="utf-8")):
            marked.setdefault(ast.literal_eval(literal), str(path.relative_to(BASE)))
    absent = {text: where for text, where in marked.items() if text and text not in catalogue}
    assert not absent, f"Marked for translation but not in the Spanish catalogue: {absent}"
