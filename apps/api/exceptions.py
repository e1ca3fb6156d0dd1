"""One shape for every API error.

- `{"detail": "..."}` for anything not about a particular input (401, 403, 404, 415, 429);
- `{"<field>": ["...", ...], "non_field_errors": [...]}` for a 400, with the same
  plain-language messages the web forms show, because they come from the same services.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


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
    return exception_handler(exc, context)
