"""How API callers prove who they are.

Two ways in, both ending in an ordinary Django session:
- apps log in through django-allauth headless (`POST /_allauth/app/v1/auth/login`) and send
  the session token it returns in the `X-Session-Token` header;
- the browser (and Swagger UI) uses its session cookie, with the CSRF token on writes.
"""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts import security

SESSION_TOKEN_HEADER = "X-Session-Token"  # noqa: S105 - a header name, not a secret


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, strict: a token that is unknown, ended or half-way through
    a login (for example still waiting for a second factor) is refused with 401.

    allauth's class lets such requests through as anonymous and leaves the refusal to the
    permission classes, which makes DRF answer 403. Clients need 401 to know they must log
    in again, and DRF only sends 401 when the first authentication class names a scheme for
    the WWW-Authenticate header.
    """

    allow_anonymous_users = False
    allow_invalid_session_tokens = False

    def authenticate(self, request):
        try:
            result = super().authenticate(request)
        except AuthenticationFailed:
            raise AuthenticationFailed(
                _("Your session has ended or the session token is not valid. Please log in again.")
            ) from None
        if result is not None:
            # Where and when this app session is used, at most once a minute (the browser's
            # session is recorded by UserSessionActivityMiddleware).
            user, session = result
            security.track_session_activity(request._request, user=user, session=session, save=True)
        return result

    def authenticate_header(self, request) -> str:
        return SESSION_TOKEN_HEADER
