"""Drop CareTeamTally and the PostgreSQL triggers that kept it (migration 0004).

The numbers it kept are counted again where they are shown: the triggers locked a patient's
row on every assignment, question and care-team change, and readers needed a second code path
for SQLite. Reversing this migration puts the table and its triggers back (0004's own
functions, which also count every total afresh).
"""

import importlib

from django.db import migrations

tally = importlib.import_module("apps.assignments.migrations.0004_care_team_tally")


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0004_care_team_tally"),
    ]

    operations = [
        # Triggers first: dropping the table while they exist would leave them pointing at it.
        migrations.RunPython(tally.uninstall, tally.install),
        migrations.DeleteModel(name="CareTeamTally"),
    ]
