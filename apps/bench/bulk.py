"""Fast bulk writes for seeding: PostgreSQL COPY, or bulk_create elsewhere.

Rows are plain tuples in the order of a column list (field attnames, e.g. "patient_id"),
so no model instance is built on PostgreSQL. Columns a caller leaves out get the field's
default, computed once per write; a required column without a default is an error at once,
so a field another app adds later is reported by name instead of failing inside COPY.
"""

import json
from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 5000


class MissingColumn(Exception):
    """A NOT NULL column without a default was left out of a bulk write."""


def _default_for(field: models.Field):
    if field.has_default() or (field.empty_strings_allowed and not field.null):
        # Django's own default, "" for text columns without one.
        value = field.get_default()
    elif field.null:
        value = None
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = timezone.now()
    else:
        raise MissingColumn(
            f"{field.model._meta.label}.{field.name} needs a value in the bench seeding."
        )
    if isinstance(field, models.JSONField) and value is not None:
        value = json.dumps(value)
    return value


class RowWriter:
    """Writes rows for one database connection; reserves primary keys before writing, so
    that rows referring to each other can be built in memory first."""

    def __init__(self):
        self.copy = connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}
        self.tables: set[str] = set()

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        if count == 0:
            return []
        table = model._meta.db_table
        column = model._meta.pk.column
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if model not in self._next_id:
                quote = connection.ops.quote_name
                cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608 - identifiers from model meta
                self._next_id[model] = cursor.fetchone()[0] + 1
        first = self._next_id[model]
        self._next_id[model] = first + count
        return list(range(first, first + count))

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        """Insert `rows` (tuples in `columns` order). Returns how many were written."""
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model._meta.label} has no column(s) {sorted(unknown)}")
        pk_name = model._meta.pk.attname
        missing = [
            field
            for attname, field in fields.items()
            if attname not in columns and attname != pk_name
        ]
        defaults = tuple(_default_for(field) for field in missing)
        all_columns = [*columns, *(field.attname for field in missing)]
        self.tables.add(model._meta.db_table)
        if self.copy:
            return self._copy(model, fields, all_columns, rows, defaults)
        return self._bulk_create(model, fields, all_columns, rows, defaults)

    def _copy(self, model, fields, columns, rows, defaults) -> int:
        quote = connection.ops.quote_name
        column_sql = ", ".join(quote(fields[column].column) for column in columns)
        written = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            statement = f"COPY {quote(model._meta.db_table)} ({column_sql}) FROM STDIN"
            with raw.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row + defaults)
                    written += 1
        return written

    def _bulk_create(self, model, fields, columns, rows, defaults) -> int:
        json_columns = {
            index
            for index, column in enumerate(columns)
            if isinstance(fields[column], models.JSONField)
        }
        written = 0
        rows = iter(rows)
        while batch := list(islice(rows, BATCH_SIZE)):
            objects = []
            for row in batch:
                values = list(row + defaults)
                for index in json_columns:
                    if isinstance(values[index], str):
                        values[index] = json.loads(values[index])
                objects.append(model(**dict(zip(columns, values, strict=True))))
            model._default_manager.bulk_create(objects)
            written += len(objects)
        return written

    def analyze(self) -> None:
        """Fresh planner statistics for the tables written, so plans see the real sizes; and,
        outside a transaction, VACUUM as well, as pgbench does before it measures.

        Rows just written by COPY are not yet marked visible to everyone, so an index-only
        scan still reads each row's table page, and the first reads of every page write it
        again to set hint bits. A live database has had autovacuum over such rows within a
        minute or so; measuring before that happened doubled what PostgreSQL spent on the
        care team's counts (docs/performance.md), and autovacuum would otherwise start in the
        middle of a measurement. (The test suite seeds inside a transaction, where VACUUM
        cannot run: there it is ANALYZE alone.)
        """
        if not self.copy:
            return
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in sorted(self.tables):
                cursor.execute(f"{command} {quote(table)}")
