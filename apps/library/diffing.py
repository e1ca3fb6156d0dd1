"""What changed between the published version and the draft, for the reviewer.

The comparison works on snapshots (services.build_snapshot), so the reviewer sees the text
as patients would get it: metadata, each section, and each check question with its answers.
The result is plain data; templates/admin/library/module/review.html renders it.
"""

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

METADATA_FIELDS = [
    ("title", _("Title")),
    ("summary", _("Summary")),
    ("topic", _("Topic")),
    ("language", _("Language")),
    ("estimated_minutes", _("Minutes to read")),
    ("sources", _("Sources")),
]


@dataclass
class Line:
    op: str  # "same", "added" or "removed"
    text: str


@dataclass
class Part:
    label: str
    state: str  # "same", "added", "removed" or "changed"
    lines: list[Line] = field(default_factory=list)


def _as_lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_source_text(item) for item in value]
    return str(value).splitlines() or [""]


def _source_text(item) -> str:
    if isinstance(item, dict):
        return " | ".join(str(item.get(key, "")) for key in ("name", "url", "checked"))
    return str(item)


def line_diff(old: list[str], new: list[str]) -> list[Line]:
    ops = {"  ": "same", "+ ": "added", "- ": "removed"}
    return [
        Line(op=ops[row[:2]], text=row[2:]) for row in difflib.ndiff(old, new) if row[:2] in ops
    ]


def _part(label, old: list[str] | None, new: list[str] | None) -> Part:
    if old is None:
        return Part(label=label, state="added", lines=[Line("added", text) for text in new])
    if new is None:
        return Part(label=label, state="removed", lines=[Line("removed", text) for text in old])
    lines = line_diff(old, new)
    state = "same" if all(line.op == "same" for line in lines) else "changed"
    return Part(label=label, state=state, lines=lines)


def _section_lines(section: dict) -> list[str]:
    """The section as its file would say it; a caregiver note as its “::: caregiver” block, so
    the reviewer sees it is caregiver text and approves it like the rest."""
    lines = [f"## {section['title']}", *section["body_markdown"].splitlines()]
    caregiver = section.get("caregiver_markdown")
    if caregiver:
        lines += ["", "::: caregiver", *caregiver.splitlines(), ":::"]
    return lines


def _check_lines(check: dict) -> list[str]:
    right = set(check.get("correct_indexes") or [check.get("correct_index")])
    choices = [
        f"{'✔' if number in right else '·'} {choice}"
        for number, choice in enumerate(check.get("choices", []))
    ]
    return [check["prompt"], *choices, check.get("explanation", "")]


def _by_position(items: list[dict]) -> dict[int, dict]:
    return {item["position"]: item for item in items}


def snapshot_diff(old: dict | None, new: dict) -> dict:
    """Metadata, sections and checks of `new` against `old` (None: nothing published yet)."""
    old = old or {}
    metadata = [
        _part(label, _as_lines(old.get(key)) if old else None, _as_lines(new.get(key)))
        for key, label in METADATA_FIELDS
    ]
    old_sections = _by_position(old.get("sections", []))
    new_sections = _by_position(new.get("sections", []))
    sections = [
        _part(
            _("Section %(position)s") % {"position": position},
            _section_lines(old_sections[position]) if position in old_sections else None,
            _section_lines(new_sections[position]) if position in new_sections else None,
        )
        for position in sorted(old_sections.keys() | new_sections.keys())
    ]
    old_checks = _by_position(old.get("checks", []))
    new_checks = _by_position(new.get("checks", []))
    checks = [
        _part(
            _("Question %(position)s") % {"position": position},
            _check_lines(old_checks[position]) if position in old_checks else None,
            _check_lines(new_checks[position]) if position in new_checks else None,
        )
        for position in sorted(old_checks.keys() | new_checks.keys())
    ]
    parts = metadata + sections + checks
    return {
        "metadata": metadata,
        "sections": sections,
        "checks": checks,
        "changed": sum(part.state != "same" for part in parts),
    }
