"""FHIR's side of HTTP: the media type, JSON in and out, and every error as an OperationOutcome.

DRF's own errors (401, 403, 404, 405, 406, 415, 429), Django's Http404 and the services'
ValidationError all become an OperationOutcome with the portal's plain-language message.
"""

from __future__ import annotations

import json
import math
import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import codes, resources

# The HTTP status of each DRF error, as an OperationOutcome issue type.
_ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}


MAX_ID = 2**63 - 1
_REFERENCE = re.compile(r"^(?:(?P<kind>[A-Z][A-Za-z]+)/)?(?P<id>[A-Za-z0-9\-.]{1,64})$")


def reference_number(text: str, *, kind: str, bare: bool = False) -> int | None:
    """The database id in "Kind/123" (or "123" when `bare`), or None when `text` is not a
    reference to `kind` that could exist here."""
    match = _REFERENCE.match(text.strip())
    if match is None or not match["id"].isdigit():
        return None
    if match["kind"] != kind and not (bare and match["kind"] is None):
        return None
    number = int(match["id"])
    return number if 1 <= number <= MAX_ID else None


class FhirError(Exception):
    """Refuse a request with these OperationOutcome issues (dicts: code, text, expression)."""

    def __init__(self, issues: list[dict], status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(issues)
        self.issues = issues
        self.status_code = status_code


def invalid(text: str, *, expression: str | None = None, code: str = "invalid") -> FhirError:
    return FhirError(
        [{"code": code, "text": text, "expression": [expression] if expression else None}]
    )


class FhirJSONRenderer(JSONRenderer):
    media_type = codes.MEDIA_TYPE
    format = "json"


class FhirJSONParser(JSONParser):
    """application/fhir+json (and, as the second parser, plain application/json).

    A body that is not JSON gets the portal's own words, never the parser's."""

    media_type = codes.MEDIA_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (exceptions.ParseError, RecursionError):
            raise exceptions.ParseError(
                _("The body is not valid JSON. Send one FHIR resource as JSON.")
            ) from None


class PlainJSONParser(FhirJSONParser):
    media_type = "application/json"


def outcome_response(issues: list[dict], status_code: int, headers=None) -> Response:
    return Response(
        resources.operation_outcome(issues),
        status=status_code,
        headers=headers,
        content_type=codes.MEDIA_TYPE,
    )


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _django_validation_issues(error: DjangoValidationError, expressions: dict) -> list[dict]:
    issues = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            expression = expressions.get(field) if field != NON_FIELD_ERRORS else None
            code = "duplicate" if field == "module" else "invalid"
            for message in messages:
                issues.append(
                    {
                        "code": code,
                        "text": message,
                        "expression": [expression] if expression else None,
                    }
                )
    else:
        issues = [{"code": "business-rule", "text": message} for message in error.messages]
    return issues


def fhir_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER for the FHIR views (FhirView.get_exception_handler)."""
    view = context.get("view")
    if isinstance(exc, FhirError):
        return outcome_response(exc.issues, exc.status_code)
    if isinstance(exc, DjangoValidationError):
        expressions = getattr(view, "error_expressions", {})
        return outcome_response(_django_validation_issues(exc, expressions), 400)
    if isinstance(exc, Http404):
        return outcome_response(
            [
                {
                    "code": "not-found",
                    "text": _("There is nothing with this id in what you may see."),
                }
            ],
            404,
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(math.ceil(exc.wait))
        if isinstance(exc, exceptions.MethodNotAllowed):
            request = context.get("request")
            method = request.method if request is not None else ""
            messages = [_("This address does not take %(method)s.") % {"method": method}]
        elif isinstance(exc, exceptions.UnsupportedMediaType):
            messages = [_("Send the body as application/fhir+json (or application/json).")]
        elif isinstance(exc, exceptions.NotAcceptable):
            messages = [_("This server answers in application/fhir+json only.")]
        elif isinstance(exc, exceptions.NotAuthenticated):
            messages = [
                _("Log in first, then send your session token in the X-Session-Token header.")
            ]
        elif isinstance(exc, exceptions.Throttled):
            messages = [
                _("Too many changes in a short time. Wait %(seconds)d seconds, then try again.")
                % {"seconds": math.ceil(exc.wait or 1)}
            ]
        else:
            messages = _messages(exc.detail)
        issue_type = _ISSUE_TYPES.get(exc.status_code, "processing")
        return outcome_response(
            [{"code": issue_type, "text": message} for message in messages],
            exc.status_code,
            headers=headers,
        )
    return None


def outcome_http_response(text: str, status_code: int, *, code: str | None = None) -> HttpResponse:
    """An OperationOutcome as a plain Django response (for middleware and non-DRF views)."""
    body = resources.operation_outcome(
        [{"code": code or _ISSUE_TYPES.get(status_code, "processing"), "text": text}]
    )
    return HttpResponse(json.dumps(body), status=status_code, content_type=codes.MEDIA_TYPE)
