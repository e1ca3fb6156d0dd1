"""Addresses of the portal's own pages, worked out once per process.

django.urls.reverse() matches the route's pattern again on every call: about 60 µs for an
address with an id, which "My patients" pays 25 times a page and "My reading" once per reading
(docs/performance.md). The routes do not change while the process runs, so:

- fixed(name) is reverse(name) for an address without arguments, remembered;
- with_ids(name, *ids) is reverse(name, args=ids) for an address whose arguments are all
  integers (<int:...> converters, which write a number as its digits): the address is
  reversed once with marker numbers, and each call puts the ids where the markers were.

Both are remembered per script prefix (a deployment under a sub-path sets one) and forgotten
when a test changes the URL settings. Tests compare them with reverse().
"""

import functools

from django.core.signals import setting_changed
from django.urls import get_script_prefix, reverse

# Numbers no id reaches and no route contains; each must appear exactly once in the address.
_MARKERS = (7_340_000_001, 7_340_000_002, 7_340_000_003)


@functools.cache
def _fixed(name: str, script_prefix: str) -> str:
    return reverse(name)


def fixed(name: str) -> str:
    return _fixed(name, get_script_prefix())


@functools.cache
def _pieces(name: str, arity: int, script_prefix: str) -> tuple[str, ...]:
    if not 1 <= arity <= len(_MARKERS):
        raise ValueError(f"with_ids takes 1 to {len(_MARKERS)} ids.")
    rest = reverse(name, args=_MARKERS[:arity])
    pieces = []
    for marker in _MARKERS[:arity]:
        before, found, rest = rest.partition(str(marker))
        if not found or str(marker) in rest:
            raise ValueError(f"{name}: the address must contain each id exactly once.")
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


def with_ids(name: str, *ids: int) -> str:
    pieces = _pieces(name, len(ids), get_script_prefix())
    parts = [pieces[0]]
    for value, piece in zip(ids, pieces[1:], strict=True):
        value = int(value)
        if value < 0:
            # <int:...> matches digits only: reverse() would refuse this too.
            raise ValueError(f"{name}: ids are whole numbers from 0.")
        parts.append(str(value))
        parts.append(piece)
    return "".join(parts)


def _forget(*, setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _fixed.cache_clear()
        _pieces.cache_clear()


setting_changed.connect(_forget)
