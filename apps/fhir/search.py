"""Search parameters and paging (docs/fhir.md lists what each resource takes).

A parameter a search does not know is refused with a 400 OperationOutcome rather than ignored,
as the REST API does: a filter silently dropped would return more than the caller asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .protocol import invalid, reference_number

DEFAULT_COUNT = 25
MAX_COUNT = 100
PAGING = ("_count", "page")
# Parameters that may be given more than once (each narrows the search: AND).
REPEATABLE = frozenset({"_lastUpdated"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PREFIXES = ("eq", "gt", "ge", "lt", "le")


def params(request, known: tuple[str, ...]) -> dict[str, list[str]]:
    """The query's parameters, each known, given once (unless REPEATABLE) and not empty."""
    allowed = set(known) | set(PAGING) | {"_format"}
    found: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        if name not in allowed:
            raise invalid(
                _("This search has no parameter called “%(name)s”. It accepts: %(known)s.")
                % {"name": name, "known": ", ".join(sorted(allowed))},
                code="not-supported",
            )
        if len(values) > 1 and name not in REPEATABLE:
            raise invalid(_("Give the parameter “%(name)s” once.") % {"name": name})
        if any(not value.strip() for value in values):
            raise invalid(_("Give a value for “%(name)s”, or leave it out.") % {"name": name})
        found[name] = values
    fmt = found.pop("_format", [None])[0]
    if fmt is not None and fmt not in ("json", "application/json", "application/fhir+json"):
        raise invalid(
            _("This server answers in JSON only: use _format=json."), code="not-supported"
        )
    return found


def id_of(value: str, *, kind: str, name: str) -> int:
    """A reference search value ("Patient/12" or "12") as a database id."""
    number = reference_number(value, kind=kind, bare=True)
    if number is None:
        raise invalid(
            _("“%(value)s” is not a reference to a %(kind)s. Give %(kind)s/<id> or the id.")
            % {"value": value, "kind": kind},
            expression=name,
        )
    return number


def tokens(value: str, *, allowed: dict[str, object], name: str) -> list:
    """A token search value (codes separated by commas: OR) mapped through `allowed`."""
    chosen = []
    for code in value.split(","):
        code = code.strip().rsplit("|", 1)[-1]
        if code not in allowed:
            raise invalid(
                _("“%(code)s” is not a code this search knows for %(name)s. Use: %(codes)s.")
                % {"code": code, "name": name, "codes": ", ".join(allowed)},
                expression=name,
                code="code-invalid",
            )
        chosen.append(allowed[code])
    return chosen


def date_filter(values: list[str], *, field: str, name: str) -> Q:
    """_lastUpdated=gt2026-12-01 (prefixes eq, gt, ge, lt, le; a date or a dateTime)."""
    condition = Q()
    for value in values:
        prefix, text = ("eq", value)
        if value[:2] in _PREFIXES:
            prefix, text = value[:2], value[2:]
        start, end = _moment(text, name=name)
        condition &= {
            "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            "gt": Q(**{f"{field}__gte": end}),
            "ge": Q(**{f"{field}__gte": start}),
            "lt": Q(**{f"{field}__lt": start}),
            "le": Q(**{f"{field}__lt": end}),
        }[prefix]
    return condition


def _moment(text: str, *, name: str) -> tuple[datetime, datetime]:
    """The span a date (a whole day) or a dateTime (one second) covers, in UTC."""
    problem = _(
        "“%(value)s” is not a date. Give YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz, after an "
        "optional prefix eq, gt, ge, lt or le."
    ) % {"value": text}
    try:
        if _DATE.match(text):
            start = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise invalid(problem, expression=name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.replace(microsecond=0)
    return moment, moment + timedelta(seconds=1)


def instant(value: str, *, name: str) -> datetime:
    """A moment given in full (a date, or a dateTime; no prefix), in UTC if no zone."""
    return _moment(value, name=name)[0]


@dataclass
class Page:
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def page_of(request, *, total: int) -> Page:
    def whole(name: str, default: int, limit: int) -> int:
        value = request.query_params.get(name)
        if value is None:
            return default
        if not value.isdigit() or not 1 <= int(value) <= limit:
            raise invalid(
                _("Give %(name)s as a whole number from 1 to %(limit)d.")
                % {"name": name, "limit": limit},
                expression=name,
            )
        return int(value)

    size = whole("_count", DEFAULT_COUNT, MAX_COUNT)
    return Page(number=whole("page", 1, 10**6), size=size, total=total)


def links(request, page: Page) -> dict[str, str]:
    """self, first, previous, next and last, each keeping the search's own parameters."""
    base = request.build_absolute_uri(request.path)
    kept = [(name, value) for name, value in request.query_params.lists() if name != "page"]

    def url(number: int) -> str:
        query = [(name, value) for name, values in kept for value in values]
        query += [("_count", str(page.size))] if "_count" not in dict(kept) else []
        query.append(("page", str(number)))
        return f"{base}?{urlencode(query)}"

    result = {"self": url(page.number), "first": url(1)}
    if page.number > 1:
        result["previous"] = url(min(page.number - 1, page.last))
    if page.number < page.last:
        result["next"] = url(page.number + 1)
    result["last"] = url(page.last)
    return result
