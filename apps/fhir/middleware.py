"""Every error under /fhir/ is an OperationOutcome, whoever answered.

The views answer in FHIR themselves; this covers what refuses a request before a view runs:
the body-size and JSON checks (apps.accounts.middleware.RequestBodyLimitMiddleware), the
session time-out, and Django's own error pages. Their message is kept.
"""

import json

from django.utils.translation import gettext as _

from . import codes
from .protocol import outcome_http_response

PREFIX = "/fhir/"


def _message_of(response) -> str:
    if "json" in response.get("Content-Type", ""):
        try:
            detail = json.loads(response.content).get("detail")
        except (ValueError, AttributeError):
            detail = None
        if isinstance(detail, str) and detail:
            return detail
    if response.status_code == 404:
        return _("There is nothing at this address.")
    if response.status_code >= 500:
        return _("Something went wrong on our side. Nothing was changed. Please try again later.")
    return _("The request could not be handled. Check it and try again.")


class FhirErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(codes.MEDIA_TYPE)
            and not getattr(response, "streaming", False)
        ):
            replacement = outcome_http_response(_message_of(response), response.status_code)
            for header in ("Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
