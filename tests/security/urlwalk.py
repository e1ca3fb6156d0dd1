"""Walk every URL pattern in the URLconf, so that tests can cover each one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or "route:<pattern>" for a pattern without a name
    route: str  # the whole pattern, e.g. "team/invitations/<int:invitation_id>/resend/"
    name: str | None  # what reverse() takes, with namespaces
    callback: object


def iter_routes(resolver: URLResolver | None = None) -> Iterator[Route]:
    def walk(current: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
        for pattern in current.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = f"{namespace}{pattern.name}" if pattern.name else None
                yield Route(
                    key=name or f"route:{route}", route=route, name=name, callback=pattern.callback
                )

    yield from walk(resolver or get_resolver(), "", "")


def route_keys() -> list[str]:
    """Each key once, in URLconf order (several patterns may share a name)."""
    return list(dict.fromkeys(route.key for route in iter_routes()))
