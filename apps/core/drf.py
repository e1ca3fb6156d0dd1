"""Pieces every app's API (apps/<app>/api.py) uses: bounded id inputs, service errors under
the names a client sent, and the Idempotency-Key header's documentation."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

# Ids are bounded to what a BIGINT column holds: a larger number would otherwise reach the
# database and fail there (a 500) instead of being refused as bad input.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def rename_error_fields(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's field names as the API's request body spells them.

    The bulk-assign service speaks of "patients" and "modules"; an API client that sent
    "patient" and "module" should find its messages under the keys it used.
    """
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): messages for field, messages in error.message_dict.items()}
    )


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional: a new random value (a UUID) for each message you send. If the request "
        "is sent again with the same key (a retry after a timeout), the message saved the "
        "first time is returned and nothing is sent twice. The same key with different text "
        "is a 400. Up to 64 letters, digits, or - _ . :"
    ),
)
