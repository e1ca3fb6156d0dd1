"""Settings for `make bench`: the production settings, plus the benchmark and its floor.

The benchmark measures what a clinic deploys, so DJANGO_ENV is production here (DEBUG off,
hashed static files after collectstatic, HTTPS behind the proxy header, secure cookies). Only
this module installs apps.bench and routes its floor endpoints (apps/bench/urls.py, which
includes the portal's own URLs).
"""

import os
import secrets

os.environ["DJANGO_ENV"] = "production"
# A key for this run only: run_bench hands it down to the server and the sweep's processes,
# which must share it (sessions, the encrypted TOTP secrets).
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))

from .base import *  # noqa: E402,F403
from .base import INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "apps.bench"]
ROOT_URLCONF = "apps.bench.urls"
STATIC_ROOT = VAR_DIR / "bench" / "staticfiles"
