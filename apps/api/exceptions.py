"""One shape for every API error.

- `{"detail": "..."}` for anything not about a particular input (401, 403, 404, 415, 429);
- `{"<field>": ["...", ...], "non_field_errors": [...]}` for a 400, with the same
  plain-language messages the web forms show, because they come from the same services.

Where the REST framework or Django's form fields would answer in their own words ("Invalid
page.", "Ensure this value is greater than or equal to 1.", "JSON parse error - ..."), the
handler puts the portal's wording in their place (PORTAL_MESSAGES, _field_message_table).
"""

import re
from functools import cache

from django import forms
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

# The portal's words for what the REST framework would otherwise say in its own (docs/api.md:
# "The messages are the website's own").
PORTAL_MESSAGES = {
    "not_authenticated": _(
        "Please log in first. Send your session token in the X-Session-Token header."
    ),
    "permission_denied": _("Your account may not do this."),
    "csrf": _(
        "This browser request is missing its CSRF token. Send the value of the csrftoken "
        "cookie in the X-CSRFToken header."
    ),
    "not_found": _("Nothing was found at this address, or it is not yours to see."),
    "method_not_allowed": _("This address does not take {method} requests."),
    "not_acceptable": _("This API answers in JSON only. Ask for application/json."),
    "unsupported_media_type": _(
        "Send the body as JSON, with the header Content-Type: application/json."
    ),
    "parse_error": _(
        "What you sent is not valid JSON. Check the quotes, commas and brackets. Nothing was saved."
    ),
    "throttled": _("Too many changes in a short time. Please wait {wait} seconds, then try again."),
    "throttled_no_wait": _("Too many changes in a short time. Please wait, then try again."),
}


# Field messages: (the framework's own template, its placeholders -> ours, our wording). A
# message is replaced only when it is exactly the framework's text, so a message the portal
# wrote (a service's, a field's own error_messages) is never touched.
def _field_message_table():
    field = serializers.Field.default_error_messages
    text = serializers.CharField.default_error_messages
    integer = serializers.IntegerField.default_error_messages
    day = serializers.DateField.default_error_messages
    items = serializers.ListField.default_error_messages
    whole_number = _("Give a whole number, like 3.")
    at_least, at_most = (
        _("Give a number from {limit} up."),
        _("Give a number no larger than {limit}."),
    )
    date = _("Give the date as YYYY-MM-DD, for example 2026-12-04.")
    choice = _("“{value}” is not one of the choices. The API schema lists them.")
    chars = _("Use at most {limit} characters.")
    length = {"max_length": "limit", "min_length": "limit"}
    limit = {"min_value": "limit", "max_value": "limit", "limit_value": "limit"}
    return [
        (field["required"], {}, _("This is needed. Please add it.")),
        (field["null"], {}, _("Give a value here. It can't be null.")),
        (text["blank"], {}, _("Write something here.")),
        (text["invalid"], {}, _("Give this as text.")),
        (text["max_length"], length, chars),
        (text["min_length"], length, _("Use at least {limit} characters.")),
        (integer["invalid"], {}, whole_number),
        (integer["min_value"], limit, at_least),
        (integer["max_value"], limit, at_most),
        (integer["max_string_length"], {}, _("That number is too long.")),
        (day["invalid"], {"format": "format"}, date),
        (day["datetime"], {}, date),
        (items["not_a_list"], {"input_type": "type"}, _("Give a list, in square brackets.")),
        (items["empty"], {}, _("Give at least one.")),
        (items["min_length"], length, _("Give at least {limit} of these.")),
        (items["max_length"], length, _("Give at most {limit} of these.")),
        (
            serializers.SlugField.default_error_messages["invalid"],
            {},
            _("Give a slug: letters, digits, - and _ only."),
        ),
        (
            serializers.ChoiceField.default_error_messages["invalid_choice"],
            {"input": "value"},
            choice,
        ),
        (
            serializers.Serializer.default_error_messages["invalid"],
            {"datatype": "type"},
            _("Send a JSON object, in curly brackets."),
        ),
        # Query parameters: django-filter checks them with Django's form fields.
        (forms.IntegerField.default_error_messages["invalid"], {}, whole_number),
        (validators.MinValueValidator.message, limit, at_least),
        (validators.MaxValueValidator.message, limit, at_most),
        (forms.DateField.default_error_messages["invalid"], {}, date),
        (forms.ChoiceField.default_error_messages["invalid_choice"], {"value": "value"}, choice),
        (validators.MaxLengthValidator.message, {"limit_value": "limit", "show_value": "n"}, chars),
    ]


@cache
def _field_message_patterns(language: str | None) -> list[tuple[re.Pattern, dict, str]]:
    """Each framework template as a regular expression in the current language: the template
    is filled with numbered markers (numbers, so `%d` and plural forms work too), escaped,
    and each marker made a named group."""
    patterns = []
    for template, names, ours in _field_message_table():
        markers = {name: 7_301_000 + index for index, name in enumerate(names)}
        text = str(template.format(**markers) if "{" in str(template) else template % markers)
        regex = re.escape(text)
        for name, marker in markers.items():
            regex = regex.replace(str(marker), f"(?P<{name}>.*?)", 1)
        patterns.append((re.compile(regex + r"\Z", re.S), names, str(ours)))
    return patterns


def _in_portal_words(message):
    for pattern, names, ours in _field_message_patterns(get_language()):
        match = pattern.match(str(message))
        if match:
            values = {names[name]: value for name, value in match.groupdict().items()}
            return exceptions.ErrorDetail(ours.format(**values), code=message.code)
    return message


def _reword(detail):
    if isinstance(detail, dict):
        return {key: _reword(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_reword(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return _in_portal_words(detail)
    return detail


def _stock(exc: exceptions.APIException) -> bool:
    return str(exc.detail) == str(type(exc).default_detail)


def _portal_detail(exc, context):
    """Our wording for a framework error the portal did not raise itself, or None."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return PORTAL_MESSAGES["not_authenticated"]
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = getattr(context.get("request"), "method", "")
        return str(PORTAL_MESSAGES["method_not_allowed"]).format(method=method)
    if isinstance(exc, exceptions.NotAcceptable):
        return PORTAL_MESSAGES["not_acceptable"]
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return PORTAL_MESSAGES["unsupported_media_type"]
    if isinstance(exc, exceptions.ParseError):
        return PORTAL_MESSAGES["parse_error"]
    if isinstance(exc, exceptions.Throttled):
        if exc.wait is None:
            return PORTAL_MESSAGES["throttled_no_wait"]
        return str(PORTAL_MESSAGES["throttled"]).format(wait=max(1, round(exc.wait)))
    if isinstance(exc, exceptions.PermissionDenied):
        if str(exc.detail).startswith("CSRF Failed"):
            return PORTAL_MESSAGES["csrf"]
        return PORTAL_MESSAGES["permission_denied"] if _stock(exc) else None
    if isinstance(exc, exceptions.NotFound):
        return PORTAL_MESSAGES["not_found"] if _stock(exc) else None
    return None


def _as_drf_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """Services raise Django's ValidationError; "__all__" becomes DRF's non-field key."""
    if hasattr(error, "error_dict"):
        messages = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): errors
            for field, errors in error.message_dict.items()
        }
    else:
        messages = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return exceptions.ValidationError(messages)


def portal_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _as_drf_validation_error(exc)
    elif isinstance(exc, exceptions.ValidationError) and not isinstance(exc.detail, dict):
        # A serializer's validate() or a view raising ValidationError("...") gives a bare list;
        # keep the body an object so clients parse every 400 the same way.
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    if isinstance(exc, exceptions.ValidationError):
        exc.detail = _reword(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = _portal_detail(exc, context)
        if detail is not None:
            exc.detail = exceptions.ErrorDetail(str(detail), code=exc.default_code)
    return exception_handler(exc, context)
