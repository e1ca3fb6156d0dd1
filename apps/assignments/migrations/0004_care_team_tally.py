"""CareTeamTally and the PostgreSQL triggers that keep it (see the model's docstring).

How the totals stay right:
- Every change that moves a total goes through one of the functions below, in the same
  transaction as the change: assignments and questions added or removed (per statement, so a
  bulk insert costs one pass), a question starting or stopping to wait, an assignment or
  question moving to another patient, a care-team link made or removed, a person's role
  changing to or from "patient". TRUNCATE of any of the tables rebuilds every row.
- A change about a patient first locks that patient's row (FOR NO KEY UPDATE, which the
  foreign-key checks' KEY SHARE locks do not wait for). A new assignment and a new care-team
  link for the same patient are so never counted from two snapshots that each miss the
  other; under READ COMMITTED each statement of the waiting function sees what the other
  committed. Patients, then tallies, are locked in id order, so two bulk changes cannot
  deadlock on them.
- A row exists for every clinician with a care-team link: the link's trigger creates it.
  Other changes only update rows. A missing row therefore means "not kept" and readers count.

Only PostgreSQL gets the triggers; on SQLite the table stays empty.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

WAITING = "(status = 'open' AND withdrawn_at IS NULL)"


def _waiting(row: str) -> str:
    return f"({row}.status = 'open' AND {row}.withdrawn_at IS NULL)"


FUNCTIONS = f"""
-- What every row should hold, counted from scratch (check_tallies compares; rebuild uses it).
CREATE FUNCTION portal_tally_expected()
RETURNS TABLE (clinician_id bigint, patients bigint, assignments bigint, waiting_questions bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.clinician_id,
           count(*) FILTER (WHERE u.role = 'patient'),
           coalesce(sum(a.n) FILTER (WHERE u.role = 'patient'), 0)::bigint,
           coalesce(sum(q.n), 0)::bigint
      FROM accounts_careteammembership m
      JOIN accounts_user u ON u.id = m.patient_id
      LEFT JOIN (SELECT patient_id, count(*) AS n FROM assignments_assignment
                  GROUP BY patient_id) a ON a.patient_id = m.patient_id
      LEFT JOIN (SELECT patient_id, count(*) AS n FROM questions_question
                  WHERE {WAITING} GROUP BY patient_id) q ON q.patient_id = m.patient_id
     GROUP BY m.clinician_id
$$;

CREATE FUNCTION portal_tally_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE assignments_careteamtally IN EXCLUSIVE MODE;
    DELETE FROM assignments_careteamtally;
    INSERT INTO assignments_careteamtally (clinician_id, patients, assignments, waiting_questions)
    SELECT * FROM portal_tally_expected();
END $$;

-- Add per-patient changes to the tallies of each patient's clinicians.
CREATE FUNCTION portal_tally_add(patient_ids bigint[], assignment_changes bigint[],
                                 waiting_changes bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF patient_ids IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM accounts_user WHERE id = ANY(patient_ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM assignments_careteamtally
     WHERE clinician_id IN (SELECT m.clinician_id FROM accounts_careteammembership m
                             WHERE m.patient_id = ANY(patient_ids))
     ORDER BY clinician_id FOR NO KEY UPDATE;
    UPDATE assignments_careteamtally t
       SET assignments = t.assignments + d.assignments,
           waiting_questions = t.waiting_questions + d.waiting
      FROM (SELECT m.clinician_id,
                   coalesce(sum(x.assignments) FILTER (WHERE u.role = 'patient'), 0) AS assignments,
                   sum(x.waiting) AS waiting
              FROM unnest(patient_ids, assignment_changes, waiting_changes)
                   AS x(patient_id, assignments, waiting)
              JOIN accounts_careteammembership m ON m.patient_id = x.patient_id
              JOIN accounts_user u ON u.id = x.patient_id
             GROUP BY m.clinician_id) d
     WHERE t.clinician_id = d.clinician_id
       AND (d.assignments <> 0 OR d.waiting <> 0);
END $$;

-- What care-team links (clinician, patient) bring to their clinicians' totals.
CREATE FUNCTION portal_tally_link_totals(clinician_ids bigint[], patient_ids bigint[])
RETURNS TABLE (clinician_id bigint, patients bigint, assignments bigint, waiting bigint)
LANGUAGE sql STABLE AS $$
    SELECT l.clinician_id,
           count(*) FILTER (WHERE u.role = 'patient'),
           coalesce(sum(a.n) FILTER (WHERE u.role = 'patient'), 0)::bigint,
           coalesce(sum(q.n), 0)::bigint
      FROM unnest(clinician_ids, patient_ids) AS l(clinician_id, patient_id)
      JOIN accounts_user u ON u.id = l.patient_id
      LEFT JOIN (SELECT patient_id, count(*) AS n FROM assignments_assignment
                  WHERE patient_id = ANY(patient_ids) GROUP BY patient_id) a
             ON a.patient_id = l.patient_id
      LEFT JOIN (SELECT patient_id, count(*) AS n FROM questions_question
                  WHERE patient_id = ANY(patient_ids) AND {WAITING}
                  GROUP BY patient_id) q
             ON q.patient_id = l.patient_id
     GROUP BY l.clinician_id
$$;

-- Care-team links made: their totals join the clinicians' (creating a clinician's row).
CREATE FUNCTION portal_tally_links_made(clinician_ids bigint[], patient_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF patient_ids IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM accounts_user WHERE id = ANY(patient_ids) ORDER BY id FOR NO KEY UPDATE;
    INSERT INTO assignments_careteamtally AS t
           (clinician_id, patients, assignments, waiting_questions)
    SELECT * FROM portal_tally_link_totals(clinician_ids, patient_ids) ORDER BY 1
    ON CONFLICT (clinician_id) DO UPDATE
       SET patients = t.patients + EXCLUDED.patients,
           assignments = t.assignments + EXCLUDED.assignments,
           waiting_questions = t.waiting_questions + EXCLUDED.waiting_questions;
END $$;

-- Care-team links removed: their totals leave the clinicians' (rows are kept, or already
-- gone with a deleted clinician).
CREATE FUNCTION portal_tally_links_ended(clinician_ids bigint[], patient_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF patient_ids IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM accounts_user WHERE id = ANY(patient_ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM assignments_careteamtally WHERE clinician_id = ANY(clinician_ids)
     ORDER BY clinician_id FOR NO KEY UPDATE;
    UPDATE assignments_careteamtally t
       SET patients = t.patients - c.patients,
           assignments = t.assignments - c.assignments,
           waiting_questions = t.waiting_questions - c.waiting
      FROM portal_tally_link_totals(clinician_ids, patient_ids) c
     WHERE t.clinician_id = c.clinician_id;
END $$;

-- Trigger functions.
CREATE FUNCTION portal_tally_assignment_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_add(ARRAY[OLD.patient_id, NEW.patient_id], ARRAY[-1, 1]::bigint[],
                             ARRAY[0, 0]::bigint[]);
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tally_question_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_add(
        ARRAY[OLD.patient_id, NEW.patient_id], ARRAY[0, 0]::bigint[],
        ARRAY[-{_waiting("OLD")}::integer, {_waiting("NEW")}::integer]::bigint[]);
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tally_links_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_links_made(array_agg(clinician_id), array_agg(patient_id)) FROM added;
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tally_links_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_links_ended(array_agg(clinician_id), array_agg(patient_id))
       FROM removed;
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tally_link_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_links_ended(ARRAY[OLD.clinician_id], ARRAY[OLD.patient_id]);
    PERFORM portal_tally_links_made(ARRAY[NEW.clinician_id], ARRAY[NEW.patient_id]);
    RETURN NULL;
END $$;

-- A role change to or from "patient": the person's patient count and assignments join or
-- leave the tallies of the clinicians linked to them (waiting questions count either way).
CREATE FUNCTION portal_tally_role_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign integer := CASE WHEN NEW.role = 'patient' THEN 1 ELSE -1 END;
    owned bigint;
BEGIN
    SELECT count(*) INTO owned FROM assignments_assignment WHERE patient_id = NEW.id;
    PERFORM 1 FROM assignments_careteamtally
     WHERE clinician_id IN (SELECT m.clinician_id FROM accounts_careteammembership m
                             WHERE m.patient_id = NEW.id)
     ORDER BY clinician_id FOR NO KEY UPDATE;
    UPDATE assignments_careteamtally t
       SET patients = t.patients + sign, assignments = t.assignments + sign * owned
     WHERE t.clinician_id IN (SELECT m.clinician_id FROM accounts_careteammembership m
                               WHERE m.patient_id = NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_rebuild();
    RETURN NULL;
END $$;
"""  # noqa: S608 - a constant condition, no input

# (table, name): `portal_tally_<name>_added` and `_removed` run once per INSERT or DELETE
# statement with its rows as a transition table (a bulk insert is one pass).
PER_STATEMENT = (
    ("assignments_assignment", "assignments"),
    ("questions_question", "questions"),
    ("accounts_careteammembership", "links"),
)
# (name, table, columns, condition): a row-level trigger for the rare updates that move a total.
PER_ROW = (
    (
        "assignment_moved",
        "assignments_assignment",
        "patient_id",
        "OLD.patient_id IS DISTINCT FROM NEW.patient_id",
    ),
    (
        "question_changed",
        "questions_question",
        "status, withdrawn_at, patient_id",
        "OLD.patient_id IS DISTINCT FROM NEW.patient_id"
        f" OR {_waiting('OLD')} IS DISTINCT FROM {_waiting('NEW')}",
    ),
    (
        "link_changed",
        "accounts_careteammembership",
        "clinician_id, patient_id",
        "OLD.clinician_id IS DISTINCT FROM NEW.clinician_id"
        " OR OLD.patient_id IS DISTINCT FROM NEW.patient_id",
    ),
    (
        "role_changed",
        "accounts_user",
        "role",
        "OLD.role IS DISTINCT FROM NEW.role AND (OLD.role = 'patient' OR NEW.role = 'patient')",
    ),
)


def _counted_rows_function(name: str, rows: str, *, total: str, where: str = "") -> str:
    """The statement trigger function for rows added or removed (`rows`: the transition
    table, "added" or "removed"): per patient, how many there were, into the assignments or
    the waiting-questions total, negative for removed rows."""
    count = "-n" if rows == "removed" else "n"
    nothing = "array_agg(0::bigint)"
    if total == "assignments":
        changes = f"array_agg({count}), {nothing}"
    else:
        changes = f"{nothing}, array_agg({count})"
    return f"""
CREATE FUNCTION portal_tally_{name}_{rows}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_tally_add(array_agg(patient_id), {changes})
       FROM (SELECT patient_id, count(*) AS n FROM {rows}{where} GROUP BY patient_id) s;
    RETURN NULL;
END $$;
"""  # noqa: S608 - names and a constant condition, no input


COUNTED_ROWS = "".join(
    _counted_rows_function(name, rows, total=total, where=where)
    for name, total, where in (
        ("assignments", "assignments", ""),
        ("questions", "waiting", f" WHERE {WAITING}"),
    )
    for rows in ("added", "removed")
)

TRUNCATED_TABLES = (*(table for table, _name in PER_STATEMENT), "accounts_user")


def _triggers() -> list[tuple[str, str, str]]:
    """(trigger and function name, table, CREATE TRIGGER statement) of every trigger."""
    made = []
    for table, name in PER_STATEMENT:
        for event, transition, suffix in (("INSERT", "NEW", "added"), ("DELETE", "OLD", "removed")):
            trigger = f"portal_tally_{name}_{suffix}"
            made.append(
                (
                    trigger,
                    table,
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {transition}"
                    f" TABLE AS {suffix} FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()",
                )
            )
    for name, table, columns, condition in PER_ROW:
        trigger = f"portal_tally_{name}"
        made.append(
            (
                trigger,
                table,
                f"CREATE TRIGGER {trigger} AFTER UPDATE OF {columns} ON {table} FOR EACH ROW"
                f" WHEN ({condition}) EXECUTE FUNCTION {trigger}()",
            )
        )
    for table in TRUNCATED_TABLES:
        made.append(
            (
                "portal_tally_truncated",
                table,
                f"CREATE TRIGGER portal_tally_truncated AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION portal_tally_truncated()",
            )
        )
    return made


HELPERS = (
    "portal_tally_add(bigint[], bigint[], bigint[])",
    "portal_tally_links_made(bigint[], bigint[])",
    "portal_tally_links_ended(bigint[], bigint[])",
    "portal_tally_link_totals(bigint[], bigint[])",
    "portal_tally_rebuild()",
    "portal_tally_expected()",
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(COUNTED_ROWS)
        for _trigger, _table, create in _triggers():
            schema_editor.execute(create)
        schema_editor.execute("SELECT portal_tally_rebuild()")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        triggers = _triggers()
        for trigger, table, _create in triggers:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in sorted({trigger for trigger, _table, _create in triggers}):
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        for function in HELPERS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_role_and_name_indexes"),
        ("assignments", "0003_assignment_due_on_index"),
        ("questions", "0002_question_waiting_since"),
    ]

    operations = [
        migrations.CreateModel(
            name="CareTeamTally",
            fields=[
                (
                    "clinician",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("patients", models.BigIntegerField(default=0)),
                ("assignments", models.BigIntegerField(default=0)),
                ("waiting_questions", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
