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
