"""Fast settings for the test suite.

Without DATABASE_URL the suite runs on SQLite in memory; .ci/run sets DATABASE_URL and
REDIS_URL so the same suite runs against PostgreSQL and Redis. REQUIRE_SERVICES=1 makes
tests marked `services` fail (not skip) when a service is missing.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "frames": FRAGMENT_CACHE,  # noqa: F405
}
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
MFA_RELAX_FOR_DEMO = False
ALLOWED_HOSTS = ["*"]
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
