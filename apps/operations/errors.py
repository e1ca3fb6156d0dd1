"""Error tracking with Sentry, with no health information leaving the portal.

Imported by the settings only when SENTRY_DSN is set, so it must not touch models.
"""

from typing import Any

# Request parts that can hold health information or credentials: form and JSON bodies,
# query strings (search terms), cookies (session keys) and all headers but a few.
_KEPT_HEADERS = {"content-type", "user-agent", "x-request-id"}


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: keep the stack trace and the route, drop what a person sent."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "query_string", "cookies", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
    event.pop("user", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        # SQL breadcrumbs carry parameters, which may be names or question text.
        crumb.pop("data", None)
    return event


def sentry_init(*, dsn: str, environment: str, release: str | None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )
