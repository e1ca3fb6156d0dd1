"""Hot read queries compiled to SQL once per process, then run with each request's values.

Django turns a queryset into SQL on every evaluation. For the queries behind the busiest pages
(a patient's reading list, one of their assignments) that compilation took as long as the
database took to answer: 0.6 to 1 ms of CPU per query (docs/performance.md). A CompiledQuery
builds its queryset once, with placeholder values where a request's own values go, compiles it
once, and afterwards only binds the values and builds the model instances, the way Django's
ModelIterable does (select_related objects and annotations included).

Only what can be compiled ahead of time belongs here: the queryset must not depend on the
time of day or on settings that change while the process runs, and must not use
prefetch_related (a separate query Django would run after the rows are loaded). Each
placeholder must reach the SQL as exactly one parameter, and compile() checks that. Tests
compare every CompiledQuery with the same queryset evaluated by Django.
"""

from __future__ import annotations

import copy
import threading
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


class CompiledQuery:
    """`build(**placeholders)` returns the queryset; `run(**values)` its instances (or its
    values, for values_list(..., flat=True)). For example:

        own = CompiledQuery(
            lambda patient_id: Assignment.objects.filter(patient_id=patient_id), "patient_id"
        )
        own.run(patient_id=42)  # a list of that patient's Assignment instances
    """

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self._build = build
        self._names = names
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def run(self, *, using: str = "default", **values) -> list:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        return compiled.run(values)

    def _compile(self, using: str) -> _Compiled:
        placeholders = {
            name: Placeholder(name, _PLACEHOLDER_BASE - index)
            for index, name in enumerate(self._names)
        }
        queryset = self._build(**placeholders).using(using)
        if queryset._prefetch_related_lookups:
            raise ValueError("A CompiledQuery cannot prefetch: Django would run another query.")
        if queryset._iterable_class not in (ModelIterable, FlatValuesListIterable):
            raise ValueError(
                "A CompiledQuery returns model instances or values_list(..., flat=True)."
            )
        return _Compiled(queryset, placeholders, connections[using])


class _Compiled:
    def __init__(self, queryset: QuerySet, placeholders: dict[str, Placeholder], connection):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
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
        self.sql = sql
        self.params = list(params)
        self.slots = slots
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

    def run(self, values: dict[str, Any]) -> list:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        compiler = copy.copy(self.compiler)
        compiler.connection = connection
        if self.flat:
            return [row[0] for row in compiler.results_iter([rows])]
        objects = []
        from_db = self.model.from_db
        for row in compiler.results_iter([rows]):
            obj = from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for attribute, position in self.annotations:
                setattr(obj, attribute, row[position])
            objects.append(obj)
        return objects
