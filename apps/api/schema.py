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
    '`{"code": "123456"}` before the token is accepted. The login API has its own schema: '
    "`/_allauth/openapi.json`. Send the token as it is, without a `Bearer` prefix."
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
        from .exceptions import PORTAL_MESSAGES

        schema = super().map_serializer(auto_schema, direction)
        # The API's own answer to a request without a session token, not a hand-made copy.
        schema["example"] = {"detail": str(PORTAL_MESSAGES["not_authenticated"])}
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
            "example": validation_error_example(),
        }


def validation_error_example() -> dict:
    """Messages the services really give, taken from where they raise them, so the example
    changes when the wording does."""
    from apps.assignments.services import ALREADY_OPEN_MESSAGE, DUE_ON_IN_THE_PAST_MESSAGE
    from apps.questions.services import WITHDRAWN_NO_REPLIES_MESSAGE

    return {
        "due_on": [str(DUE_ON_IN_THE_PAST_MESSAGE)],
        "module": [str(ALREADY_OPEN_MESSAGE)],
        "non_field_errors": [str(WITHDRAWN_NO_REPLIES_MESSAGE)],
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

    def get_operation_id(self) -> str:
        """`<collection>_<action>`: a custom action is named as it is (`assignments_complete`,
        not drf-spectacular's `assignments_complete_create`). Operations whose meaning the
        method does not say (a DELETE that cancels) name themselves with extend_schema."""
        action = getattr(self.view, "action", None)
        if action is None:
            return super().get_operation_id()
        collection = self.path.removeprefix("/api/v1/").split("/")[0]
        standard = {"partial_update": "update", "destroy": "delete"}
        return f"{collection}_{standard.get(action, action)}"

    def _has_request_body(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None

    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        # A POST that takes no body (complete, close, withdraw) never reads one, so whatever
        # is sent with it cannot be refused as "not JSON": no 415.
        has_body = self._has_request_body()
        is_list = self._is_list_view() and self.method == "GET"
        if self.method in UNSAFE_METHODS or is_list:
            codes.append("400")
        # A body that names an object by id (a caregiver's `patient`) outside the caller's
        # scope is a 404 too: the view lists such actions in `body_id_actions`.
        names_an_id = getattr(self.view, "action", None) in getattr(
            self.view, "body_id_actions", ()
        )
        if "{" in self.path or (is_list and self._get_paginator() is not None) or names_an_id:
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


# --- Post-processing hooks (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) ---------------------

# OpenAPI 3.0.3 has no null type: `nullable: true` only counts next to a `type` in the same
# schema, so `{"allOf": [{"$ref": ...}], "nullable": true}` (drf-spectacular's way of writing a
# nullable nested object) still refuses null, and strict validators say so. A `oneOf` with
# this schema beside the reference allows the object or null and nothing else.
NULL_SCHEMA = {"type": "object", "nullable": True, "enum": [None]}


# drf-spectacular writes a nullable choice field as `oneOf: [<the enum>, NullEnum]` beside
# `nullable: true`; NULL_SCHEMA takes NullEnum's place, and the unused component goes.
NULL_ENUM = "NullEnum"
NULL_ENUM_REF = {"$ref": f"#/components/schemas/{NULL_ENUM}"}


def postprocess_nullable_references(result, generator, **kwargs):
    """Rewrite every nullable reference as "the component, or null" (see NULL_SCHEMA)."""

    def rewrite(node):
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: rewrite(value) for key, value in node.items()}
        wrapped = node.get("allOf")
        if (
            node.get("nullable")
            and "type" not in node
            and isinstance(wrapped, list)
            and len(wrapped) == 1
            and set(wrapped[0]) == {"$ref"}
        ):
            del node["allOf"], node["nullable"]
            node["oneOf"] = [wrapped[0], dict(NULL_SCHEMA)]
        choices = node.get("oneOf")
        if (
            node.get("nullable")
            and "type" not in node
            and isinstance(choices, list)
            and NULL_ENUM_REF in choices
        ):
            del node["nullable"]
            node["oneOf"] = [dict(NULL_SCHEMA) if c == NULL_ENUM_REF else c for c in choices]
        return node

    result = rewrite(result)
    schemas = result.get("components", {}).get("schemas", {})
    if NULL_ENUM in schemas and not _mentions(result, NULL_ENUM_REF):
        del schemas[NULL_ENUM]
    return result


def _mentions(node, wanted: dict) -> bool:
    if node == wanted:
        return True
    if isinstance(node, dict):
        return any(_mentions(value, wanted) for value in node.values())
    if isinstance(node, list):
        return any(_mentions(item, wanted) for item in node)
    return False


def postprocess_shared_parameter_enums(result, generator, **kwargs):
    """Query parameters use the enum component of the same choices (ENUM_NAME_OVERRIDES)
    instead of repeating the values inline, so a generated client has one type for, say, an
    assignment's status whether it reads it or filters by it."""
    components = result.get("components", {}).get("schemas", {})
    by_values = {
        frozenset(schema["enum"]): name
        for name, schema in components.items()
        if "enum" in schema and schema.get("type") == "string"
    }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                name = by_values.get(frozenset(schema.get("enum", ())))
                if name is not None and schema.get("type") == "string":
                    parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    return result
