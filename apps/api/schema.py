"""OpenAPI wiring: the two ways to log in, the error bodies, and the error responses every
operation can give, so each operation documents them the same way without repeating them.

Imported from ApiConfig.ready() so that the extensions register before a schema is built.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from .authentication import SESSION_TOKEN_HEADER

LOGIN_HELP = (
    "Log in with `POST /_allauth/app/v1/auth/login` and the JSON body "
    '`{"email": "...", "password": "..."}`. The answer carries `meta.session_token`; send it '
    "in this header on every API call. `DELETE /_allauth/app/v1/auth/session` with the same "
    "header logs out and the token stops working at once. Staff accounts with two-step "
    "verification finish logging in with `POST /_allauth/app/v1/auth/2fa/authenticate` "
    '`{"code": "123456"}` before the token is accepted.'
)


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SESSION_TOKEN_HEADER,
            "description": LOGIN_HELP,
        }


class BrowserSessionScheme(OpenApiAuthenticationExtension):
    """Replaces drf-spectacular's own cookie scheme (priority -1) to say that writes need CSRF."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    name = "browserSession"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The session cookie of a person logged in to the portal in this browser. "
                "Requests that change something must also send the value of the "
                f"`{settings.CSRF_COOKIE_NAME}` cookie in the `X-CSRFToken` header."
            ),
        }


class ErrorSerializer(serializers.Serializer):
    """Documentation only: the body of every error that is not about a particular field."""

    detail = serializers.CharField(help_text="What went wrong, in plain words.")


class ValidationErrorSerializer(serializers.Serializer):
    """Documentation only: the body of a 400; see ValidationErrorScheme."""


class ErrorScheme(OpenApiSerializerExtension):
    target_class = "apps.api.schema.ErrorSerializer"

    def get_name(self, auto_schema, direction):
        return "Error"

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        schema["example"] = {"detail": "Not found."}
        return schema


class ValidationErrorScheme(OpenApiSerializerExtension):
    """A 400 lists messages per field; a list field can also carry messages per item, keyed
    by the item's position. Problems with the request as a whole are under
    `non_field_errors`, and a body that is not JSON at all gives `detail`."""

    target_class = "apps.api.schema.ValidationErrorSerializer"

    def get_name(self, auto_schema, direction):
        return "ValidationError"

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": (
                "Messages per field name. Each value is a list of messages, or, for a list "
                "field, an object with messages per item position. `non_field_errors` holds "
                "problems with the request as a whole; `detail` a body that could not be read."
            ),
            "additionalProperties": {
                "oneOf": [
                    messages,
                    {"type": "object", "additionalProperties": {}},
                    {"type": "string"},
                ]
            },
            "example": {
                "due_on": ["Choose a date that is today or later."],
                "non_field_errors": ["This patient already has this module to read."],
            },
        }


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ERROR_DESCRIPTIONS = {
    "400": (
        "The input is not valid, or the change is not possible now (for example cancelling "
        "a finished assignment). The body lists plain-language messages per field, query "
        "parameters included: a list refuses parameters it does not know rather than "
        "ignoring them."
    ),
    "401": (
        "Not logged in, or the session token has ended. Log in again. The "
        "WWW-Authenticate header names the X-Session-Token scheme."
    ),
    "403": "Logged in, but this account's role may not see this.",
    "403-write": (
        "Logged in, but this account's role may not do this (for example a clinician "
        "marking a patient's reading), or a browser write arrived without its CSRF token."
    ),
    "404": (
        "Nothing with this id in what you may see, or a page number past the end. The "
        "API never says whether it exists for someone else."
    ),
    "415": "The body is not JSON. Send `Content-Type: application/json`.",
    "429": (
        "Too many changes in a short time. Wait the number of seconds in the "
        "Retry-After header, then try again."
    ),
}


class PortalAutoSchema(AutoSchema):
    """Adds the error responses an operation can really give to whatever it documents.

    Each operation still states its own success responses; the errors come from how the
    whole API behaves (authentication, roles, scoping, validation, throttling), so they are
    added here once rather than repeated on every view.
    """

    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        has_body = self.method in {"POST", "PUT", "PATCH"}
        is_list = self._is_list_view() and self.method == "GET"
        if self.method in UNSAFE_METHODS or is_list:
            codes.append("400")
        if "{" in self.path or (is_list and self._get_paginator() is not None):
            codes.append("404")
        if has_body:
            codes.append("415")
        if self.method in UNSAFE_METHODS:
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            body = ValidationErrorSerializer if code == "400" else ErrorSerializer
            response = self._get_response_for_code(body, code, direction=direction)
            if code == "403" and self.method in UNSAFE_METHODS:
                response["description"] = ERROR_DESCRIPTIONS["403-write"]
            else:
                response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        return responses
