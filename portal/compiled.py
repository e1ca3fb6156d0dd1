"""Hot read queries compiled to SQL once per process, then run with each request's values.

Django turns a queryset into SQL on every evaluation. For the queries behind the busiest pages
(a patient's reading list, one of their assignments) that compilation took as long as the
database took to answer: 0.6 to 1 ms of CPU per query (docs/performance.md). A CompiledQuery
builds its queryset once, with placeholder values where a request's own values go, compiles it
once, and afterwards only binds the values and builds the model instances, the way Django's
ModelIterable does (select_related objects and annotations included).

CompiledCount does the same for a queryset's count(). A CompiledQuery made with sliced=True
takes a page's limit and offset at run time, and CompiledList pairs it with its count as the
object list of a Django Paginator (a clinician's lists: a page and the total, two queries, no
compiling). The limit and offset are written into the SQL, as Django writes them, rather than
bound: PostgreSQL's reusable plan for a prepared statement cannot see a bound LIMIT.

Only what can be compiled ahead of time belongs here: the queryset must not depend on the
time of day or on settings that change while the process runs, and must not use
prefetch_related (a separate query Django would run after the rows are loaded). Each
placeholder must reach the SQL as exactly one parameter, and compile() checks that. Tests
compare every CompiledQuery with the same queryset evaluated by Django.
"""

from __future__ import annotations

import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    get_related_populators,
)


class Placeholder(int):
    """A stand-in integer for a value the query gets at run time. Its value is chosen so that
    no real id, position or count can collide with it, and compile() finds it by value."""

    def __new__(cls, name: str, value: int):
        obj = super().__new__(cls, value)
        obj.name = name
        return obj


# Far below any id or position the portal stores (they are positive).
_PLACEHOLDER_BASE = -7_340_000_000_000


class _CompiledOnce(ABC):
    """Builds the queryset with placeholders and compiles it the first time it runs on a
    database, then keeps what _compile() made for every later run. Subclasses say what
    compiling means (a query's instances, a count)."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self._build = build
        self._names = names
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _for(self, using: str):
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        return compiled

    def _placeholders(self) -> dict[str, Placeholder]:
        return {
            name: Placeholder(name, _PLACEHOLDER_BASE - index)
            for index, name in enumerate(self._names)
        }

    @abstractmethod
    def _compile(self, using: str): ...


class CompiledQuery(_CompiledOnce):
    """`build(**placeholders)` returns the queryset; `run(**values)` its instances (or its
    values, for values_list(..., flat=True)). For example:

        own = CompiledQuery(
            lambda patient_id: Assignment.objects.filter(patient_id=patient_id), "patient_id"
        )
        own.run(patient_id=42)  # a list of that patient's Assignment instances
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *names: str,
        sliced: bool = False,
        written_in: tuple[str, ...] = (),
    ):
        super().__init__(build, *names)
        # sliced: run() takes `limit` and `offset` (a page of a list, whichever page it is,
        # from one compiled statement).
        self._sliced = sliced
        # written_in: the names (of whole-number values, such as a clinician's id) written
        # into the SQL instead of bound. See _Compiled.statement.
        unknown = set(written_in) - set(names)
        if unknown:
            raise ValueError(f"Not among the query's values: {sorted(unknown)}.")
        self._written_in = frozenset(written_in)

    def run(self, *, using: str = "default", **values) -> list:
        return self._for(using).run(values)

    def run_records(self, *, using: str = "default", **values) -> list[dict[str, Any]]:
        return self._for(using).run_records(values)

    def statement(self, *, using: str = "default", **values) -> tuple[str, list]:
        """The SQL that run() would execute for these values, and its parameters: for a query
        that uses this one as a part (a subquery in a statement of its own)."""
        return self._for(using).sliced_statement(values)

    def _compile(self, using: str) -> _Compiled:
        placeholders = self._placeholders()
        queryset = self._build(**placeholders).using(using)
        if queryset._prefetch_related_lookups:
            raise ValueError("A CompiledQuery cannot prefetch: Django would run another query.")
        if queryset._iterable_class not in (ModelIterable, FlatValuesListIterable):
            raise ValueError(
                "A CompiledQuery returns model instances or values_list(..., flat=True)."
            )
        if self._sliced and queryset.query.is_sliced:
            raise ValueError("A sliced CompiledQuery takes its limit and offset from run().")
        return _Compiled(
            queryset,
            placeholders,
            connections[using],
            sliced=self._sliced,
            written_in=self._written_in,
        )


def _bind(template: list, slots: list[tuple[int, str]], values: dict[str, Any]) -> list:
    params = list(template)
    for index, name in slots:
        params[index] = values[name]
    return params


def _slots(params, placeholders: dict[str, Placeholder]) -> list[tuple[int, str]]:
    """Where each placeholder sits among the parameters; each must be there exactly once."""
    slots: list[tuple[int, str]] = []
    for index, param in enumerate(params):
        for name, placeholder in placeholders.items():
            if type(param) is not bool and param == int(placeholder):
                slots.append((index, name))
    found = [name for _index, name in slots]
    if sorted(found) != sorted(placeholders):
        raise ValueError(
            f"Each placeholder must reach the SQL exactly once; found {found} "
            f"for {sorted(placeholders)}."
        )
    return slots


class _Compiled:
    def __init__(
        self,
        queryset: QuerySet,
        placeholders: dict[str, Placeholder],
        connection,
        *,
        sliced: bool = False,
        written_in: frozenset[str] = frozenset(),
    ):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = _slots(params, placeholders)
        params = list(params)
        self.sliced = sliced
        self.sql = sql
        self.params = params
        self.slots = slots
        self.written_in = written_in
        if written_in:
            # The SQL between its parameters, to put whole numbers in the written-in slots.
            self.sql_pieces = _split_at_parameters(sql, len(params))
            written = {index: name for index, name in slots if name in written_in}
            self.written_slots = written
            self.bound_slots = [
                (index - sum(1 for w in written if w < index), name)
                for index, name in slots
                if index not in written
            ]
            self.bound_template = [p for i, p in enumerate(params) if i not in written]
        # Django keeps one connection per thread: the compiler is bound to the connection of
        # the thread that runs the query (run()), never to this one (runserver and the test
        # live server answer each request in a new thread).
        self.compiler = compiler
        self.db = queryset.db
        self.flat = queryset._iterable_class is FlatValuesListIterable
        if self.flat:
            return
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model = klass_info["model"]
        self.model_slice = slice(start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.related_populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        # For run_records: each selected column's name ("due_on", "patient.name", an
        # annotation's name) and its position in a row.
        self.record_keys = [
            *((name, start + index) for index, name in enumerate(self.init_list)),
            *_related_keys(klass_info, select, prefix=""),
            *self.annotations,
        ]

    def run(self, values: dict[str, Any]) -> list:
        rows = self._rows(values)
        if self.flat:
            return [row[0] for row in rows]
        objects = []
        from_db = self.model.from_db
        for row in rows:
            obj = from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for attribute, position in self.annotations:
                setattr(obj, attribute, row[position])
            objects.append(obj)
        return objects

    def run_records(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows as plain dicts keyed by record_keys, without building model instances
        (for a list that only writes its rows out: a third of a millisecond for 25 rows
        with their patient and module)."""
        keys = self.record_keys
        return [{name: row[position] for name, position in keys} for row in self._rows(values)]

    def statement(self, values: dict[str, Any]) -> tuple[str, list]:
        """The SQL and its parameters for these values.

        A value named in written_in goes into the SQL as a whole number rather than as a
        parameter. PostgreSQL plans a prepared statement for its parameters each time while it
        expects that to pay (a "custom" plan), and for a care team's list it always did: about
        half a millisecond of planning on every request, because a plan for any clinician
        (the "generic" one) looks dearer than one for this clinician. With the clinician's id
        in the text, each clinician's statement has no parameter to plan for and is planned
        once per connection.
        """
        if not self.written_in:
            return self.sql, _bind(self.params, self.slots, values)
        pieces = self.sql_pieces
        parts = [pieces[0]]
        for index, piece in enumerate(pieces[1:]):
            name = self.written_slots.get(index)
            parts.append("%s" if name is None else str(_whole_number(values[name], name)))
            parts.append(piece)
        return "".join(parts), _bind(self.bound_template, self.bound_slots, values)

    def sliced_statement(self, values: dict[str, Any]) -> tuple[str, list]:
        sql, params = self.statement(values)
        if self.sliced:
            # Written into the SQL as Django writes a slice, not bound: PostgreSQL's reusable
            # plan for a prepared statement cannot see a bound LIMIT, and for a care team's
            # first 25 patients by name it then sorted all 2,000 (2.3 ms against 0.5 ms,
            # docs/performance.md). Each page size and page is its own statement, as it is
            # for Django.
            sql = f"{sql} LIMIT {int(values['limit'])} OFFSET {int(values['offset'])}"
        return sql, params

    def _rows(self, values: dict[str, Any]):
        sql, params = self.sliced_statement(values)
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        compiler = copy.copy(self.compiler)
        compiler.connection = connection
        return compiler.results_iter([rows])


def _whole_number(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} is written into the SQL and must be a whole number.")
    return int(value)


def _split_at_parameters(sql: str, count: int) -> list[str]:
    """The SQL cut at each %s (a doubled %% is a literal percent sign, not a parameter)."""
    pieces, start, index = [], 0, 0
    while index < len(sql):
        if sql[index] == "%" and index + 1 < len(sql):
            if sql[index + 1] == "s":
                pieces.append(sql[start:index])
                start = index + 2
            index += 2
            continue
        index += 1
    pieces.append(sql[start:])
    if len(pieces) != count + 1:
        raise ValueError(f"Found {len(pieces) - 1} parameters in the SQL, expected {count}.")
    return pieces


def _related_keys(klass_info: dict, select, *, prefix: str):
    """(name, position) of each column of the select_related models: "patient.name", and
    "module.current_version.number" for a relation of a relation."""
    for info in klass_info.get("related_klass_infos", ()):
        path = f"{prefix}{info['field'].name}."
        for position in info["select_fields"]:
            yield f"{path}{select[position][0].target.attname}", position
        yield from _related_keys(info, select, prefix=path)


class CompiledCount(_CompiledOnce):
    """The number of rows of a queryset, as Django counts it, with the SQL compiled once.

    Django's count() builds and compiles a new aggregate query on every call. This records the
    statement Django runs for the queryset built with placeholders (by running it once), and
    afterwards only binds the values:

        team_size = CompiledCount(
            lambda clinician_id: CareTeamMembership.objects.filter(clinician_id=clinician_id),
            "clinician_id",
        )
        team_size.run(clinician_id=7)
    """

    def run(self, *, using: str = "default", **values) -> int:
        sql, template, slots = self._for(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, _bind(template, slots, values))
            return cursor.fetchone()[0]

    def _compile(self, using: str) -> tuple[str, list, list[tuple[int, str]]]:
        placeholders = self._placeholders()
        queryset = self._build(**placeholders).using(using)
        statements: list[tuple[str, tuple]] = []

        def record(execute, sql, params, many, context):
            statements.append((sql, tuple(params or ())))
            return execute(sql, params, many, context)

        with connections[using].execute_wrapper(record):
            queryset.count()
        if len(statements) != 1:
            raise ValueError(f"Counting took {len(statements)} statements, not one.")
        sql, params = statements[0]
        return sql, list(params), _slots(params, placeholders)


class CompiledList:
    """A sliced CompiledQuery and its CompiledCount, bound to one request's values, as the
    object list of a Django Paginator: count() and slicing run the compiled statements, so a
    page costs two queries and no compiling."""

    def __init__(self, rows: CompiledQuery, count: CompiledCount, *, records=False, **values):
        if not rows._sliced:
            raise ValueError("A CompiledList needs a sliced CompiledQuery.")
        self._rows = rows
        self._count = count
        # records: a page is a list of dicts (CompiledQuery.run_records), not model instances.
        self._records = records
        self._values = values

    def count(self) -> int:
        return self._count.run(**self._values)

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        # Not len() > 0: that would count every row to answer whether there is one.
        raise TypeError("Ask a CompiledList for count() or a page, not whether it is empty.")

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice) or item.step is not None or item.stop is None:
            raise TypeError("A CompiledList is read a page at a time: list[start:stop].")
        start = item.start or 0
        if start < 0 or item.stop <= start:
            return []
        run = self._rows.run_records if self._records else self._rows.run
        return run(limit=item.stop - start, offset=start, **self._values)
