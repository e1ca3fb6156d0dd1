"""Settings for the Celery workers that the `services` tests start as separate processes.

The real settings (portal.settings.base: PostgreSQL and Redis from the environment), with
emails written as files into PORTAL_TEST_MAIL_DIR so the test can count them. A test may
choose another file-writing backend (PORTAL_TEST_EMAIL_BACKEND) and a shorter broker
visibility timeout (PORTAL_TEST_VISIBILITY_TIMEOUT) to see a dead worker's task come back.
"""

import os

from portal.settings.base import *  # noqa: F403

EMAIL_BACKEND = os.environ.get(
    "PORTAL_TEST_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ["PORTAL_TEST_MAIL_DIR"]
CELERY_TASK_ALWAYS_EAGER = False
if "PORTAL_TEST_VISIBILITY_TIMEOUT" in os.environ:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": int(os.environ["PORTAL_TEST_VISIBILITY_TIMEOUT"]),
    }
# The scale-out test (tests/operations/test_scale_out.py) runs web nodes, workers and beat
# on a queue of its own, with a lease short enough to see an interrupted send come back.
if "PORTAL_TEST_QUEUE" in os.environ:
    CELERY_TASK_DEFAULT_QUEUE = os.environ["PORTAL_TEST_QUEUE"]
if "PORTAL_TEST_SEND_LEASE_SECONDS" in os.environ:
    REMINDERS_SEND_LEASE_SECONDS = int(os.environ["PORTAL_TEST_SEND_LEASE_SECONDS"])
# Accounts made by the test process carry its fast MD5 password hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
