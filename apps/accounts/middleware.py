import json
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.http.request import HttpHeaders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import security


class MalformedSessionKeyMiddleware:
    """Forget a session cookie or X-Session-Token that can't be a session key.

    Session keys are short lowercase letters and digits. Anything else (a NUL byte, say)
    would reach the session table as it is, and PostgreSQL refuses NUL bytes in text with an
    error, so a mangled cookie would be a 500 instead of "not logged in".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if cookie is not None and not security.looks_like_session_key(cookie):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        token = request.META.get("HTTP_X_SESSION_TOKEN")
        if token and not security.looks_like_session_key(token):
            request.META["HTTP_X_SESSION_TOKEN"] = "invalid"  # noqa: S105 - a marker, not a secret
            # request.headers is read from META once and kept: a middleware before this one
            # (django-guid reads X-Request-ID) may have read it already, and allauth reads the
            # token from it.
            request.headers = HttpHeaders(request.META)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in person's preferred language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


# --- Security middleware (issue 8) -----------------------------------------------------------
# Order in settings.MIDDLEWARE matters: RequestBodyLimitMiddleware before CSRF reads the body;
# SessionIdleTimeoutMiddleware and StaffMFARequiredMiddleware after authentication and
# messages; SecurityHeadersMiddleware anywhere after authentication.


def _is_api_request(request) -> bool:
    return request.path.startswith(("/api/", "/_allauth/", "/fhir/")) or (
        "application/json" in request.headers.get("Accept", "")
        and "text/html" not in request.headers.get("Accept", "")
    )


def _redirect(request, url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    if request.headers.get("HX-Request"):
        # htmx would swap the login page into a fragment; ask it to navigate instead.
        response["HX-Redirect"] = url
    return response


# Deeper than any body the portal takes (three levels at most) and far below the depth at
# which Python's JSON decoder runs out of stack.
MAX_JSON_DEPTH = 32


def _json_body_problem(body: bytes) -> str | None:
    """Why a JSON body must be refused before anything else parses it, or None.

    Refused: nesting deeper than MAX_JSON_DEPTH (it would exhaust the stack of whichever
    parser reads it next), and a NUL character in any text (PostgreSQL cannot store one, so
    it would fail in the database). A body that is not JSON at all is left to the view,
    which says so in its own words.
    """
    try:
        data = json.loads(body)
    except RecursionError:
        return _("What you sent is nested too deeply. Nothing was saved.")
    except ValueError:
        return None
    depth, level = 1, [data]
    while level:
        children = []
        for value in level:
            if isinstance(value, str):
                if "\x00" in value:
                    return _("What you sent contains a NUL character, which is not allowed.")
            elif isinstance(value, dict | list):
                if depth > MAX_JSON_DEPTH:
                    return _("What you sent is nested too deeply. Nothing was saved.")
                children.extend(value)
                if isinstance(value, dict):
                    children.extend(value.values())
        depth, level = depth + 1, children
    return None


# JSON the REST framework parses: the REST API's, and FHIR's own media type.
JSON_MEDIA_TYPES = ("application/json", "application/fhir+json")


def _reads_json_body(request) -> bool:
    """Whether a view will parse this body as JSON: the REST framework takes only
    application/json, and allauth's headless API parses every body, whatever its type."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    return request.content_type in JSON_MEDIA_TYPES or request.path.startswith("/_allauth/")


class RequestBodyLimitMiddleware:
    """Refuse, with a 400 and before anything parses it, a request body that is too large
    (over DATA_UPLOAD_MAX_MEMORY_SIZE) or JSON the portal must not parse (see
    _json_body_problem).

    Django checks the size only when a form body is parsed; the REST framework reads the
    raw stream and would accept any size. Checking Content-Length here covers both, and
    allauth's headless API too, before its parser runs. A body sent without a
    Content-Length (chunked) is never read: Django's WSGI request then reads nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _bad_request(
                request,
                _("What you sent is too large for the portal. Please shorten it and try again."),
            )
        if length > 0 and _reads_json_body(request):
            problem = _json_body_problem(request.body)
            if problem is not None:
                return _bad_request(request, problem)
        return self.get_response(request)


def _bad_request(request, message: str) -> HttpResponse:
    if _is_api_request(request):
        return JsonResponse({"detail": message}, status=400)
    # No request context: this runs before authentication, and the page needs none.
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": message}))


class SessionIdleTimeoutMiddleware:
    """Log out after a quiet spell (15 minutes staff, 30 patients) and after an absolute lifetime.

    The clocks live in the session (apps.accounts.security). Asking for the time left
    (session_status) is not activity, so an open tab cannot keep itself logged in.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._status_path = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ended = self._end_if_expired(request, user)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _end_if_expired(self, request, user):
        if request.session.get(security.STARTED_AT_KEY) is None:
            security.session_mark_started(request)
            return None
        minutes = security.idle_minutes_for(user)
        reason = security.session_expiry_reason(
            request.session, idle_minutes=minutes, now=time.time()
        )
        if reason == "absolute":
            hours = max(1, round(settings.SESSION_COOKIE_AGE / 3600))
            message = ngettext(
                "You were logged out because you had been logged in for %(hours)d hour. "
                "Please log in again.",
                "You were logged out because you had been logged in for %(hours)d hours. "
                "Please log in again.",
                hours,
            ) % {"hours": hours}
            return self._log_out(request, message, reason="absolute")
        if reason == "idle":
            message = ngettext(
                "You were logged out after %(minutes)d minute without activity, "
                "to protect your information.",
                "You were logged out after %(minutes)d minutes without activity, "
                "to protect your information.",
                minutes,
            ) % {"minutes": minutes}
            return self._log_out(request, message, reason="idle")
        if request.path != self._session_status_path():
            security.session_touch(request)
        return None

    def _session_status_path(self) -> str:
        if self._status_path is None:
            self._status_path = reverse("accounts:session_status")
        return self._status_path

    def _log_out(self, request, message: str, *, reason: str) -> HttpResponse:
        security.log_security_event(
            "session_timeout", request=request, user=request.user, reason=reason
        )
        logout(request)
        # Shown on the login page, including after session-timeout.js sends the browser there.
        messages.info(request, message)
        if request.path == self._session_status_path():
            return JsonResponse({"authenticated": False, "seconds_left": 0, "detail": message})
        if _is_api_request(request):
            return JsonResponse({"detail": message, "authenticated": False}, status=401)
        login_url = reverse(settings.LOGIN_URL)
        if request.method == "GET":
            login_url += "?" + urlencode({"next": request.get_full_path()})
        return _redirect(request, login_url)


class StaffMFARequiredMiddleware:
    """Clinicians and admins set up two-step verification before they can see anything else.

    Only the pages needed to set it up (and to log out) stay open. The API is left to
    apps.api.permissions.StaffMFARequired, which answers with a JSON 403 instead of a redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_prefixes = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self._open_paths())
            and security.staff_needs_mfa_enrolment(user)
        ):
            messages.warning(
                request,
                _(
                    "Your account can see patients' health information, so it must be "
                    "protected with two-step verification. Set up an authenticator app to "
                    "continue. It takes about two minutes."
                ),
            )
            return _redirect(request, reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _open_paths(self) -> tuple[str, ...]:
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("mfa_index"),
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("account_login"),
                reverse("healthz"),
                reverse("operations:readyz"),
                reverse("operations:metrics"),
                reverse("set_language"),
                reverse("accounts:language"),
                reverse("accounts:session_status"),
                reverse("accounts:session_keep_alive"),
                settings.STATIC_URL,
                "/api/",
                "/_allauth/",
                "/fhir/",
            )
        return self._open_prefixes


class SecurityHeadersMiddleware:
    """Headers Django does not set itself.

    Pages for a logged-in person carry health information: browsers and proxies must not
    keep a copy (ASVS 8.2.1). Powerful browser features the portal never uses are turned off.
    """

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class UserSessionActivityMiddleware:
    """In place of allauth's UserSessionsMiddleware: records where and when a browser session
    is used, at most once a minute (security.track_session_activity). API token sessions are
    recorded by the API's authentication (apps.api.authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        security.track_session_activity(
            request,
            user=getattr(request, "user", None),
            session=getattr(request, "session", None),
            save=False,
        )
        return self.get_response(request)
