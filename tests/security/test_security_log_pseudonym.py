"""Issue 18, item 14: the security log names a failed login by a keyed hash (HMAC with
SECURITY_LOG_KEY) of what was typed, so nobody holding the log can test a list of email
addresses against it with a plain SHA-256."""

import hashlib
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _pseudonym(caplog, email: str) -> str:
    caplog.clear()
    Client().post(LOGIN, {"login": email, "password": "wrong-guess-123"})
    line = next(r.getMessage() for r in caplog.records if r.name == "portal.security")
    return re.search(r"login=(\S+)", line).group(1)


def test_the_login_pseudonym_is_keyed_not_a_plain_hash(caplog, settings):
    caplog.set_level(logging.INFO, logger="portal.security")
    settings.SECURITY_LOG_KEY = "first-key-" + "x" * 40
    email = "someone@example.org"
    first = _pseudonym(caplog, email)
    assert len(first) == 12
    assert first != hashlib.sha256(email.encode()).hexdigest()[:12]
    assert _pseudonym(caplog, " SomeOne@example.org ") == first  # same typing, same name
    assert _pseudonym(caplog, "another@example.org") != first
    settings.SECURITY_LOG_KEY = "second-key-" + "y" * 40
    assert _pseudonym(caplog, email) != first
