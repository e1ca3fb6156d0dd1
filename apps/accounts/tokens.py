"""The apps' session tokens (X-Session-Token) end like browser sessions do.

allauth headless finds the Django session behind a token through the token strategy, for its
own endpoints (/_allauth/app/v1/...) and for the REST API (apps.api.authentication) alike, so
the idle and absolute limits are applied here once: a token that has sat unused longer than
the idle timeout, or has lived longer than SESSION_ABSOLUTE_SECONDS, ends and is refused.
"""

import time

from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY

from . import security
from .models import User


class PortalSessionTokenStrategy(SessionTokenStrategy):
    def lookup_session(self, session_token: str):
        session = super().lookup_session(session_token)
        user_id = session.get(SESSION_KEY) if session is not None else None
        if user_id is None:
            # Unknown, or half-way through a login (waiting for a second factor).
            return session
        now = time.time()
        if session.get(security.STARTED_AT_KEY) is None:
            # A token from before the clocks were kept on tokens: they start now.
            session[security.STARTED_AT_KEY] = now
            session[security.LAST_ACTIVITY_KEY] = now
            session.save()
            return session
        idle_minutes = session.get(security.IDLE_MINUTES_KEY)
        if idle_minutes is None:
            user = User.objects.filter(pk=user_id).first()
            if user is None:
                return session
            idle_minutes = security.idle_minutes_for(user)
        reason = security.session_expiry_reason(session, idle_minutes=idle_minutes, now=now)
        if reason is not None:
            security.log_security_event(
                "session_timeout", user=user_id, reason=reason, channel="token"
            )
            UserSession.objects.filter(session_key=session.session_key).delete()
            session.delete()
            return None
        last = session.get(security.LAST_ACTIVITY_KEY) or 0
        if now - last >= security.ACTIVITY_WRITE_INTERVAL_SECONDS:
            session[security.LAST_ACTIVITY_KEY] = now
            session.save()
        return session
