"""API permissions shared by every endpoint (see REST_FRAMEWORK in settings)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from apps.accounts import security


class StaffMFARequired(BasePermission):
    """Refuse clinicians and admins whose account has no authenticator app yet.

    The web pages send such a person to enrolment (StaffMFARequiredMiddleware); an API client
    cannot follow that, so it gets a 403 saying what to do. Anonymous requests pass through
    here so that IsAuthenticated answers them with its own 401/403.

    Views that set their own permission_classes must keep this class in the list; the
    access-matrix test (tests/security/test_access_matrix.py) checks every API URL.
    """

    message = _(
        "Two-step verification is required for clinician and admin accounts. Set up an "
        "authenticator app on the website at /accounts/2fa/, then try again."
    )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return True
        return not security.staff_needs_mfa_enrolment(user)


class ApiDocsAccess(BasePermission):
    """Swagger UI and the OpenAPI schema: anyone when API_DOCS_PUBLIC is on (development),
    otherwise only people who are logged in (production's default)."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)
