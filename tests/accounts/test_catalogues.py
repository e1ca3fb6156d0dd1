"""The compiled Spanish catalogue is committed (serving needs no GNU gettext): it must match."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def translations(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): (
            entry.msgstr,
            tuple(sorted(entry.msgstr_plural.items())),
        )
        for entry in entries
        if entry.msgid
    }


def test_each_committed_mo_matches_its_po():
    po_files = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
    assert po_files, "no catalogues found"
    for po_path in po_files:
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run `make messages` and commit it"
        # msgfmt leaves out untranslated and fuzzy entries, as Django's gettext would ignore them.
        expected = translations(polib.pofile(str(po_path)).translated_entries())
        compiled = translations(polib.mofile(str(mo_path)))
        assert expected, f"{po_path} has no translations"
        assert compiled == expected, f"{mo_path} is stale: run `make messages` and commit it"
