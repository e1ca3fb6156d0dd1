"""Notes given with several readings at once, to be shown once for the group.

A clinician's note goes on every assignment made in one assign action (one row per patient
and module; see services.assignment_create_bulk). That action gives all its rows the same
assigner and the same `assigned_at` (one timestamp, taken once, to the microsecond), and the
service itself relies on that pair to find the rows it has just made. So, for one patient,
the assignments that share assigner, timestamp and note text are the ones that one action
created: no group key needs storing. Two separate actions by the same clinician would be
taken for one only if they ran in the same microsecond with the very same note.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .models import Assignment


@dataclass
class NoteGroup:
    """One note and the readings it was given with (in the order the page lists them)."""

    anchor: str
    note: str
    author_name: str
    assigned_at: datetime
    titles: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.titles)


def shared_notes(
    assignments: Iterable[Assignment], *, title: Callable[[Assignment], str]
) -> dict[int, NoteGroup]:
    """The groups of one patient's assignments given one note together, by assignment id.

    Only notes shared by two or more of `assignments` are returned (a note on one reading
    stays with that reading). `title` names a reading as the page shows it.
    """
    groups: dict[tuple, NoteGroup] = {}
    members: dict[tuple, list[int]] = {}
    for assignment in assignments:
        if not assignment.note:
            continue
        key = (
            assignment.patient_id,
            assignment.assigned_by_id,
            assignment.assigned_at,
            assignment.note,
        )
        if key not in groups:
            groups[key] = NoteGroup(
                anchor=f"note-{assignment.pk}",
                note=assignment.note,
                author_name=assignment.assigned_by.name if assignment.assigned_by_id else "",
                assigned_at=assignment.assigned_at,
            )
            members[key] = []
        groups[key].titles.append(title(assignment))
        members[key].append(assignment.pk)
    return {pk: groups[key] for key, pks in members.items() if len(pks) > 1 for pk in pks}


def distinct_groups(by_assignment: dict[int, NoteGroup]) -> list[NoteGroup]:
    """Each group once, in the order first met."""
    seen: dict[str, NoteGroup] = {}
    for group in by_assignment.values():
        seen.setdefault(group.anchor, group)
    return list(seen.values())
