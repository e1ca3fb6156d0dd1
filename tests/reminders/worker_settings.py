"""Settings for the Celery worker that test_worker.py starts as a separate process.

The real settings (portal.settings.base: PostgreSQL and Redis from the environment), with
emails written as files into PORTAL_TEST_MAIL_DIR so the test can count them.
"""

import os

from portal.settings.base import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["PORTAL_TEST_MAIL_DIR"]
CELERY_TASK_ALWAYS_EAGER = False
