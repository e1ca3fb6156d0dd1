"""The seeding's bulk writer: defaults filled in, a missing required column named."""

import pytest

from apps.accounts.models import User
from apps.assignments.models import Assignment
from apps.bench.bulk import MissingColumn, RowWriter

pytestmark = pytest.mark.django_db


def test_rows_get_the_model_defaults_for_columns_left_out():
    writer = RowWriter()
    [pk] = writer.reserve_ids(User, 1)

    writer.write(User, ("id", "email", "name", "password"), [(pk, "x@bench.invalid", "X", "!")])

    user = User.objects.get(pk=pk)
    assert user.role == User.Role.PATIENT
    assert user.is_active is True
    assert user.timezone


def test_reserved_ids_are_not_handed_out_twice():
    writer = RowWriter()
    first = writer.reserve_ids(User, 3)
    second = writer.reserve_ids(User, 2)
    assert len(set(first) | set(second)) == 5


def test_a_required_column_without_a_default_is_named():
    with pytest.raises(MissingColumn, match="assignments.Assignment.patient"):
        RowWriter().write(Assignment, ("status",), [("assigned",)])


@pytest.mark.django_db(transaction=True)
def test_tables_written_by_copy_are_vacuumed_outside_a_transaction(require_services):
    """Inside a transaction (every other test here) it can only be ANALYZE."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    writer = RowWriter()
    [pk] = writer.reserve_ids(User, 1)
    writer.write(User, ("id", "email", "name", "password"), [(pk, "v@bench.invalid", "V", "!")])

    with CaptureQueriesContext(connection) as queries:
        writer.analyze()

    assert [query["sql"] for query in queries.captured_queries] == [
        'VACUUM (ANALYZE) "accounts_user"'
    ]
