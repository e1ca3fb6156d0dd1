"""Security rules shared by the middleware, the API and the views.

Written once here so the web pages and the API never disagree about who needs two-step
verification, how long a session may sit idle, or when a session must end.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from functools import cache as memoize

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core.requests import client_ip

from .models import User

# Security events (ASVS 7.2.1): who, what, from where; never a password, a token or an email
# address. A login attempt is identified by a short keyed hash of what was typed, enough to
# see repeated attempts without writing the address down.
security_log = logging.getLogger("portal.security")

# Keys in the session. The idle clock and the absolute clock are ours; Django's own expiry
# moves forward whenever the session is saved, so it cannot give an absolute lifetime.
LAST_ACTIVITY_KEY = "portal_last_activity"
STARTED_AT_KEY = "portal_session_started"
IDLE_MINUTES_KEY = "portal_idle_minutes"
# Saving the session on every request would write to the database each time; a new
# timestamp every few seconds keeps the idle clock accurate to within that.
ACTIVITY_WRITE_INTERVAL_SECONDS = 10
# The warning shows this long before the idle timeout ends the session.
IDLE_WARNING_SECONDS = 120
# "Where you are logged in" (allauth's UserSession rows): when, from which address and which
# browser each session was last used. Recorded at most this often per session, and at once
# when the address or the browser changes (see track_session_activity).
SESSION_SEEN_KEY = "portal_session_seen"
SESSION_SEEN_INTERVAL_SECONDS = 60
# What Django's session keys look like (see MalformedSessionKeyMiddleware for why it matters).
_SESSION_KEY_PATTERN = re.compile(r"[a-z0-9]{8,64}")


def looks_like_session_key(value: str) -> bool:
    return bool(_SESSION_KEY_PATTERN.fullmatch(value))


# --- The client's address -------------------------------------------------------------------


# --- Two-step verification (MFA) -------------------------------------------------------------


def _demo_emails() -> frozenset[str]:
    from .management.commands.seed_demo import DEMO_USERS

    return frozenset(email for email, _name, _role in DEMO_USERS)


def mfa_relaxed_for(user: User) -> bool:
    """The demo accounts may skip enrolment, only when the setting allows it, never in production.

    The setting itself is already false in production; checking IS_PRODUCTION as well means a
    misconfigured environment variable cannot switch the requirement off for real staff.
    """
    if not settings.MFA_RELAX_FOR_DEMO or getattr(settings, "IS_PRODUCTION", True):
        return False
    return (user.email or "").lower() in _demo_emails()


def mfa_required_for(user: User) -> bool:
    """Anyone who can see other people's health information, or reach the Django admin."""
    if not user.is_authenticated:
        return False
    return user.is_staff_role or user.is_staff


def has_active_totp(user: User) -> bool:
    # The answer is kept on the user object: the middleware and the API permission both ask
    # during one request, and it only changes through the MFA pages.
    cached = getattr(user, "_portal_has_totp", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._portal_has_totp = cached
    return cached


def staff_needs_mfa_enrolment(user: User) -> bool:
    """True when this person must set up an authenticator app before seeing anything else."""
    return mfa_required_for(user) and not mfa_relaxed_for(user) and not has_active_totp(user)


class PortalMFAAdapter(DefaultMFAAdapter):
    """Authenticator secrets (the TOTP key, the recovery-code seed) are encrypted in the database.

    allauth stores them in the clear unless the adapter encrypts them; a copy of the database
    (a backup, a replica) would otherwise be enough to generate anyone's codes.
    """

    def encrypt(self, text: str) -> str:
        return _mfa_fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _mfa_fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            if encrypted_text.startswith(_FERNET_PREFIX):
                # Encrypted with a key we no longer have: refuse rather than guess.
                raise
            # Written before encryption was turned on: still plain text.
            return encrypted_text


_FERNET_PREFIX = "gAAAAA"


@memoize
def _mfa_fernet() -> MultiFernet:
    """MFA_ENCRYPTION_KEYS (newest first; older ones only decrypt), or one key from SECRET_KEY."""
    keys = list(settings.MFA_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(f"portal-mfa-secrets:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


# --- Sessions ---------------------------------------------------------------------------------


def idle_minutes_for(user: User) -> int:
    if user.is_staff_role or user.is_staff:
        return settings.SESSION_IDLE_MINUTES_STAFF
    return settings.SESSION_IDLE_MINUTES_PATIENT


def idle_seconds_left(request: HttpRequest) -> int:
    """Seconds until the idle timeout ends this session (0 when it already has)."""
    last = request.session.get(LAST_ACTIVITY_KEY)
    limit = idle_minutes_for(request.user) * 60
    if last is None:
        return limit
    return max(0, int(limit - (time.time() - last)))


def session_mark_started(request: HttpRequest, user: User | None = None) -> None:
    now = time.time()
    request.session[STARTED_AT_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    # Kept for the apps' session tokens, which are checked before anyone loads the user.
    request.session[IDLE_MINUTES_KEY] = idle_minutes_for(user or request.user)


def session_expiry_reason(session, *, idle_minutes: int, now: float) -> str | None:
    """ "absolute" or "idle" when the session must end now, else None.

    The one rule for browser sessions (SessionIdleTimeoutMiddleware) and the apps' session
    tokens (apps.accounts.tokens): both are Django sessions carrying the same two clocks.
    """
    started = session.get(STARTED_AT_KEY)
    if started is not None and now - started > settings.SESSION_COOKIE_AGE:
        return "absolute"
    last = session.get(LAST_ACTIVITY_KEY)
    if last is not None and now - last > idle_minutes * 60:
        return "idle"
    return None


def session_touch(request: HttpRequest, *, force: bool = False) -> None:
    now = time.time()
    last = request.session.get(LAST_ACTIVITY_KEY)
    if force or last is None or now - last >= ACTIVITY_WRITE_INTERVAL_SECONDS:
        request.session[LAST_ACTIVITY_KEY] = now


def track_session_activity(request: HttpRequest, *, user, session, save: bool) -> bool:
    """Record that a session was used (allauth's UserSession: last seen, address, browser).

    allauth's own tracking (USERSESSIONS_TRACK_ACTIVITY) writes the row on every request: a
    transaction with a read, a write of every column and a commit, more than half the cost of
    the cheapest request (docs/performance.md). Here it is written when the session was not
    recorded yet, a minute after the last record, or as soon as the address or the browser
    differs from the last record (what allauth's session_client_changed signal is about).
    What was recorded is kept in the session itself, which every request has loaded already.
    `save` saves the session afterwards (a session found by its API token; the session
    middleware saves the browser's). Returns whether a record was written.
    """
    if user is None or not user.is_authenticated or session is None or not session.session_key:
        return False
    from allauth.usersessions.models import UserSession

    now = time.time()
    client = [
        session.session_key,
        client_ip(request),
        hashlib.sha256(request.META.get("HTTP_USER_AGENT", "").encode()).hexdigest()[:16],
    ]
    seen = session.get(SESSION_SEEN_KEY)
    if seen and seen[1:] == client and 0 <= now - seen[0] < SESSION_SEEN_INTERVAL_SECONDS:
        return False
    UserSession.objects.create_from_request(request, user=user, session=session)
    session[SESSION_SEEN_KEY] = [now, *client]
    if save:
        session.save()
    return True


def sessions_end_for_user(*, user: User, keep_session_key: str | None = None) -> int:
    """End every tracked session of `user` except `keep_session_key`. Returns how many ended."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for user_session in UserSession.objects.filter(user_id=user.pk):
        if keep_session_key and user_session.session_key == keep_session_key:
            continue
        user_session.end()
        ended += 1
    return ended


def session_timeout(request: HttpRequest) -> dict:
    """Context processor: <body data-idle-minutes> tells session-timeout.js when to warn."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_idle_minutes": idle_minutes_for(user),
        "session_warning_seconds": IDLE_WARNING_SECONDS,
    }


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long this session has left. Asking does not count as activity (see the middleware).

    Always a 200: "logged out" is an answer to the question, not an error.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "seconds_left": 0})
    return JsonResponse({"authenticated": True, "seconds_left": idle_seconds_left(request)})


@never_cache
@require_POST
@login_required
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """The "Stay logged in" button: restart the idle clock."""
    session_touch(request, force=True)
    return JsonResponse({"authenticated": True, "seconds_left": idle_seconds_left(request)})


# --- Rate limits outside allauth --------------------------------------------------------------


def rate_limit_exceeded(*, scope: str, ident: str, limit: int, period_seconds: int) -> bool:
    """Count one attempt and say whether it goes over `limit` in the current window.

    A fixed window in the shared cache (Redis in production), so every web process counts
    together. Fixed windows can let through up to twice the limit across a boundary, which
    is fine for slowing down abuse of a form.
    """
    window = int(time.time() // period_seconds)
    key = f"portal:ratelimit:{scope}:{ident}:{window}"
    cache.add(key, 0, timeout=period_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr.
        cache.set(key, 1, timeout=period_seconds)
        count = 1
    return count > limit


def invitation_rate_limit_exceeded(*, user: User) -> bool:
    limit, period = settings.INVITATION_RATE_LIMIT
    return rate_limit_exceeded(
        scope="invitation", ident=str(user.pk), limit=limit, period_seconds=period
    )


# --- Signal handlers (connected in apps.audit.apps) -------------------------------------------

_PRIVILEGE_FIELDS = ("role", "is_staff", "is_superuser", "is_active")


def remember_privileges(sender, instance: User, **kwargs) -> None:
    """pre_save: note what the person could do before this save."""
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (
        update_fields is not None and not set(update_fields) & set(_PRIVILEGE_FIELDS)
    ):
        instance._portal_privileges_before = None
        return
    instance._portal_privileges_before = (
        sender.objects.filter(pk=instance.pk).values_list(*_PRIVILEGE_FIELDS).first()
    )


def end_sessions_on_privilege_change(sender, instance: User, created: bool, **kwargs) -> None:
    """post_save: a new role or staff flag starts from a fresh login (and a fresh MFA check).

    If the person changed their own account, the session they are using is kept but gets
    a new key; every other session of theirs ends.
    """
    before = getattr(instance, "_portal_privileges_before", None)
    instance._portal_privileges_before = None
    if created or before is None:
        return
    after = tuple(getattr(instance, field) for field in _PRIVILEGE_FIELDS)
    if before == after:
        return
    from allauth.core import context

    request = context.request
    user = getattr(request, "user", None)
    keep = None
    if user is not None and user.pk == instance.pk and instance.is_active:
        from allauth.usersessions.models import UserSession

        request.session.cycle_key()
        keep = request.session.session_key
        UserSession.objects.create_from_request(request, user=instance)
    sessions_end_for_user(user=instance, keep_session_key=keep)


def end_other_sessions_on_password_change(sender, request, user, **kwargs) -> None:
    """password_changed / password_set: every other browser must log in with the new password."""
    keep = request.session.session_key if request is not None else None
    sessions_end_for_user(user=user, keep_session_key=keep)


def end_all_sessions_on_password_reset(sender, request, user, **kwargs) -> None:
    """password_reset: whoever knew the old password is logged out everywhere."""
    sessions_end_for_user(user=user)


def forgive_failed_logins_on_password_reset(sender, request, user, **kwargs) -> None:
    """password_reset: the address that reset the password may log in again at once.

    allauth forgets the account's count of failed logins itself; the count for this account
    and address (PortalAccountAdapter.pre_authenticate) is ours to forget.
    """
    from allauth.account.adapter import get_adapter
    from allauth.core import ratelimit

    from .adapters import LOGIN_FAILED_PAIR_ACTION

    if request is not None:
        key = get_adapter(request).login_pair_key(request, user.email)
        ratelimit.clear(request, action=LOGIN_FAILED_PAIR_ACTION, key=key)


def email_address_mark_verified(sender, instance: User, created: bool, **kwargs) -> None:
    """post_save: the address an account logs in with counts as verified, and is the primary.

    The invitation was sent to it, or an admin typed it in. allauth lets someone make an
    unverified address their primary (login) address when none of theirs is verified, which
    would let a stolen session change the login email without any link being followed; with
    the current address verified, a new one replaces it only once its link is followed.
    """
    update_fields = kwargs.get("update_fields")
    if not instance.email or (update_fields is not None and "email" not in update_fields):
        return
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user_id=instance.pk)
    current = addresses.filter(email__iexact=instance.email).first()
    if current is not None and current.primary and current.verified:
        return
    # An address set here (by an admin, or at sign-up) replaces the others outright: allauth
    # also logs people in by their other verified addresses.
    addresses.exclude(email__iexact=instance.email).delete()
    if current is None:
        EmailAddress.objects.create(
            user=instance, email=instance.email, primary=True, verified=True
        )
    else:
        current.primary = current.verified = True
        current.save(update_fields=["primary", "verified"])


def start_session_clocks(sender, request, user, **kwargs) -> None:
    """user_logged_in: the idle and absolute clocks start at login."""
    if request is not None and hasattr(request, "session"):
        session_mark_started(request, user)


# --- Security event log ----------------------------------------------------------------------


def _login_fingerprint(credentials: dict) -> str:
    """A keyed hash (SECURITY_LOG_KEY) of what was typed: the same typing gives the same value,
    and without the key nobody can test a list of addresses against the log."""
    typed = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    if not typed:
        return "-"
    return salted_hmac(
        "portal.security.login",
        typed,
        secret=settings.SECURITY_LOG_KEY or settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()[:12]


def log_security_event(event: str, *, request=None, user=None, **details) -> None:
    fields = {
        "event": event,
        "user": getattr(user, "pk", user) or "-",
        "ip": client_ip(request) or "-",
    }
    fields.update(details)
    security_log.info(" ".join(f"{key}={value}" for key, value in fields.items()))


def log_login(sender, request, user, **kwargs) -> None:
    log_security_event("login", request=request, user=user)


def log_logout(sender, request, user, **kwargs) -> None:
    log_security_event("logout", request=request, user=user)


def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    log_security_event("login_failed", request=request, login=_login_fingerprint(credentials))


def log_mfa_failed(sender, request, user, reauthentication=False, **kwargs) -> None:
    log_security_event("mfa_failed", request=request, user=user, reauthentication=reauthentication)


def notify_email_change_requested(sender, request, user, email_address, **kwargs) -> None:
    """email_added: tell the current login address at once that a change was asked for.

    allauth tells it after the change (ACCOUNT_EMAIL_NOTIFICATIONS); telling it before gives
    the real person the time to reset their password while the old address still works.
    """
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress

    current = EmailAddress.objects.filter(user_id=user.pk, primary=True, verified=True).first()
    if email_address.verified or current is None or current.pk == email_address.pk:
        return
    get_adapter(request).send_notification_mail(
        "account/email/email_change_requested",
        user,
        context={"from_email": current.email, "to_email": email_address.email},
        email=current.email,
    )
    log_security_event("email_change_requested", request=request, user=user)


def log_email_changed(sender, request, user, **kwargs) -> None:
    log_security_event("email_changed", request=request, user=user)


def log_password_changed(sender, request, user, **kwargs) -> None:
    log_security_event("password_changed", request=request, user=user)


def log_password_reset(sender, request, user, **kwargs) -> None:
    log_security_event("password_reset", request=request, user=user)


def log_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    log_security_event("mfa_added", request=request, user=user, type=authenticator.type)


def log_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    log_security_event("mfa_removed", request=request, user=user, type=authenticator.type)
