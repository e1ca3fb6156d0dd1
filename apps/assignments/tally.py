"""Reading a clinician's CareTeamTally, with a count as the fallback.

The totals are kept by PostgreSQL triggers (migration 0004). Where they are not kept (SQLite,
or a clinician without a row, which the triggers never leave behind for anyone with a care
team) the reader counts the rows instead, with the compiled count it was given, so the answer
is the same either way; only its cost differs. tests/assignments/test_care_team_tally.py
checks the totals against fresh counts after every kind of change.
"""

from typing import NamedTuple

from django.db import connection

from portal.compiled import CompiledCount


class Totals(NamedTuple):
    patients: int
    assignments: int
    waiting_questions: int


def team_totals(clinician_id: int) -> Totals | None:
    """The clinician's care team's totals, or None when they are not kept for this clinician
    or on this database."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT patients, assignments, waiting_questions FROM assignments_careteamtally "
            "WHERE clinician_id = %s",
            [clinician_id],
        )
        row = cursor.fetchone()
    return None if row is None else Totals(*row)


class TeamTotal:
    """One total of a clinician's care team, read like a CompiledCount (`run(clinician_id=)`),
    so a CompiledList or a nav badge can use it in place of the count it falls back to."""

    def __init__(self, column: str, fallback: CompiledCount):
        self._position = Totals._fields.index(column)
        self.fallback = fallback

    def run(self, *, clinician_id: int) -> int:
        totals = team_totals(clinician_id)
        if totals is None:
            return self.fallback.run(clinician_id=clinician_id)
        return totals[self._position]


def differences() -> list[tuple[int, tuple | None, tuple | None]]:
    """Every clinician whose kept totals differ from a fresh count: (clinician id, kept,
    counted), either side None where there is no row. PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(kept.clinician_id, counted.clinician_id),
                   kept.patients, kept.assignments, kept.waiting_questions,
                   counted.patients, counted.assignments, counted.waiting_questions
              FROM assignments_careteamtally kept
              FULL JOIN portal_tally_expected() counted
                ON counted.clinician_id = kept.clinician_id
             WHERE (kept.patients, kept.assignments, kept.waiting_questions)
                   IS DISTINCT FROM
                   (counted.patients, counted.assignments, counted.waiting_questions)
             ORDER BY 1
            """
        )
        return [
            (
                row[0],
                None if row[1] is None else tuple(row[1:4]),
                None if row[4] is None else tuple(row[4:7]),
            )
            for row in cursor.fetchall()
        ]


def rebuild() -> None:
    """Count every care team's totals again from scratch (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_tally_rebuild()")
