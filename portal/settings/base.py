"""Settings for every environment, read from the process environment (12-factor).

Development needs nothing set: SQLite under var/, an embedded Celery broker under var/,
emails printed to the console. Production (DJANGO_ENV=production) refuses to start
without a real SECRET_KEY and turns on every transport-security setting.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, production or test.")
IS_PRODUCTION = DJANGO_ENV == "production"
# Django's development server (manage.py runserver): a new thread for every request.
RUNSERVER = sys.argv[1:2] == ["runserver"]

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if IS_PRODUCTION and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "allauth.usersessions",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_guid",
    "django_prometheus",
    "apps.accounts",
    "apps.caregivers",
    "apps.library",
    "apps.assignments",
    "apps.questions",
    "apps.reminders",
    "apps.audit",
    "apps.records",
    "apps.api",
    "apps.fhir",
    "apps.operations",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # A request id (X-Request-ID from the proxy if it is a UUID, else a new one) in every log
    # line of the request and of the Celery tasks it queues.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Errors under /fhir/ that no FHIR view wrote (a body too large, say) as OperationOutcomes.
    "apps.fhir.middleware.FhirErrorMiddleware",
    "apps.accounts.middleware.MalformedSessionKeyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "apps.accounts.middleware.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.middleware.SessionIdleTimeoutMiddleware",
    "apps.accounts.middleware.UserSessionActivityMiddleware",
    "apps.accounts.middleware.StaffMFARequiredMiddleware",
    "apps.caregivers.middleware.CaregiverMiddleware",
    "apps.accounts.middleware.SecurityHeadersMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # Django's default loaders, wrapped in its cached loader.
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.portal",
                "apps.accounts.security.session_timeout",
                "apps.questions.context_processors.questions",
                "apps.caregivers.context_processors.caregiver",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # runserver serves each request in a new thread, and a kept connection outlives its
    # thread idle until garbage collection: dozens of them under a little traffic. So it
    # always closes each connection after its request (whatever .env says); gunicorn's and
    # Celery's few long-lived processes keep theirs.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if RUNSERVER else env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    # Server-side binding lets psycopg prepare a statement the Nth time a connection runs it,
    # so PostgreSQL parses and plans it once per connection instead of on every request: for
    # the list pages that is most of their database time (docs/performance.md). Set
    # DATABASE_PREPARE_THRESHOLD to an empty value behind a pooler that cannot keep prepared
    # statements (PgBouncer in transaction mode before 1.21).
    pg_options.setdefault(
        "server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
    )
    prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip()
    pg_options.setdefault(
        "prepare_threshold", int(prepare_threshold) if prepare_threshold else None
    )
    # JIT compilation pays off for long analytical queries, never for a page's short ones
    # (docs/performance.md).
    pg_options.setdefault("options", "-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the Celery worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# The pieces of every page's frame (templates/base.html), kept in each process's memory: only
# the frame's HTML for a language, role and text size, never anyone's data.
FRAGMENT_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "frames"}
CACHES["frames"] = FRAGMENT_CACHE

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, no open sign-up (patients are invited).
ACCOUNT_ADAPTER = "apps.accounts.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# Changing one's login email (web /accounts/email/, API /_allauth/app/v1/account/email): the
# password again first, then the new address only replaces the old one once a link sent to
# it is followed, and the old address is told (ACCOUNT_EMAIL_NOTIFICATIONS). Every account's
# current address counts as verified (the invitation went to it, or an admin typed it).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
# Tell people by email when their password or two-step verification changes (ASVS 2.2.3).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Per address, and a looser ceiling per account (also what MFA codes are counted by);
    # one address guessing at an account is stopped by login_failed_pair first.
    "login_failed": "10/m/ip,20/15m/key",
    "login_failed_pair": "5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# The security log names a failed login by a keyed hash (HMAC) of the address typed
# (apps.accounts.security). Unset, the key is derived from SECRET_KEY.
SECURITY_LOG_KEY = env.str("SECURITY_LOG_KEY", default="")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Patient education portal")
# Authenticator secrets are encrypted in the database (apps.accounts.security.PortalMFAAdapter).
# Fernet keys, newest first; unset derives one from SECRET_KEY (see docs/security.md on rotation).
MFA_ADAPTER = "apps.accounts.security.PortalMFAAdapter"
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
HEADLESS_CLIENTS = ["app"]
# Session tokens obey the same idle and absolute limits as browser sessions.
HEADLESS_TOKEN_STRATEGY = "apps.accounts.tokens.PortalSessionTokenStrategy"  # noqa: S105
HEADLESS_ONLY = False
# allauth's own OpenAPI description of the login API (login, two-step verification, logout),
# at /_allauth/openapi.yaml and /_allauth/openapi.json, linked from the portal's schema and
# docs/api.md; public only as /api/schema/ is (API_DOCS_PUBLIC, apps.api.views). No HTML
# page: allauth's loads ReDoc from a CDN, which the CSP forbids.
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_SPECIFICATION_TEMPLATE_NAME = None
# allauth would record every request of a session (a write per request); the portal records
# them itself at most once a minute per session (apps.accounts.security.track_session_activity).
USERSESSIONS_TRACK_ACTIVITY = False

# Behind a TLS proxy or load balancer every request comes from the proxy's address. Set the
# number of proxies you run in front of the portal (each appends to X-Forwarded-For), or the
# header one of them sets to the client's address, and the portal uses the client's address
# for rate limits, sessions, the audit trail and the security log. With neither set, the
# forwarded headers are ignored: a client could write anything in them.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None

# Messages ("... was cancelled for <patient>") stay on the server, in the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_IDLE_MINUTES_STAFF = env.int("SESSION_IDLE_MINUTES_STAFF", default=15)
SESSION_IDLE_MINUTES_PATIENT = env.int("SESSION_IDLE_MINUTES_PATIENT", default=30)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_PATIENT_TIME_ZONE = env.str("DEFAULT_PATIENT_TIME_ZONE", default="America/New_York")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Input limits: no uploads anywhere, small request bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000  # the assign form may list a 2,000-patient care team

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if IS_PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Patient portal <no-reply@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Portal settings a deployment sets.
PORTAL_NAME = env.str("PORTAL_NAME", default="Patient education portal")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
CARE_TEAM_PHONE = env.str("CARE_TEAM_PHONE", default="555-0100")
# The local emergency number (999 in the UK, 112 in much of Europe), used by the reading modules.
EMERGENCY_NUMBER = env.str("EMERGENCY_NUMBER", default="911")
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# Library review: how many different people must take part in a change before patients
# read it (the writers of the draft plus its approver and publisher; at least 2).
LIBRARY_REVIEW_DISTINCT_PEOPLE = max(2, env.int("LIBRARY_REVIEW_DISTINCT_PEOPLE", default=2))
# Invitations (and resends) one clinician may send: (count, seconds).
INVITATION_RATE_LIMIT = (env.int("INVITATION_RATE_LIMIT_PER_HOUR", default=20), 3600)
# Development only: lets the demo staff accounts skip MFA enrolment.
MFA_RELAX_FOR_DEMO = env.bool("MFA_RELAX_FOR_DEMO", default=not IS_PRODUCTION) and not IS_PRODUCTION
# Operations: notification log rows are kept this long (then purged by the daily retention
# job if their reading is finished); the scheduler heartbeat is stale after this many seconds.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=400)
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=300)
# The audit trail is kept at least this long (HIPAA keeps documentation six years); older
# rows may be moved to files in AUDIT_ARCHIVE_DIR with `manage.py archive_audit`.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=6 * 366)
AUDIT_ARCHIVE_DIR = env.str("AUDIT_ARCHIVE_DIR", default=str(VAR_DIR / "audit-archive"))

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
# Every task is killed at CELERY_TASK_TIME_LIMIT. Redis hands a message that was delivered
# but never acknowledged (its worker died) to another worker after the visibility timeout,
# which must outlast a live task: its run plus the longest retry countdown a worker holds
# the message for (apps/reminders/tasks.py), or a live task would run twice. A short
# timeout is what brings delivery back within minutes after a worker is killed.
CELERY_TASK_TIME_LIMIT = 180
BROKER_VISIBILITY_TIMEOUT = 360
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without it kombu writes its exchange table to ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each worker process holds a database connection: a bounded pool, not one per CPU.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_CONCURRENCY", default=2)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.api.permissions.StaffMFARequired",
    ],
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.PortalAutoSchema",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # JSON only: DRF's browsable pages need inline scripts, which the CSP forbids.
    # People explore the API in Swagger UI at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "apps.api.filters.KnownQueryParameters",
        "apps.api.filters.PortalFilterBackend",
        "apps.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"writes": env.str("API_WRITE_RATE", default="120/min")},
    "EXCEPTION_HANDLER": "apps.api.exceptions.portal_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The REST framework's per-address throttling counts the same client address as allauth.
    "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT,
}
# Swagger UI and the schema for anyone, or only for people who are logged in. They list
# every endpoint and field: public in development, private in production unless turned on.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=not IS_PRODUCTION)
SPECTACULAR_SETTINGS = {
    "TITLE": "Patient education portal API",
    "DESCRIPTION": (
        "Everything a patient or clinician can do on the web. Log in with "
        "`POST /_allauth/app/v1/auth/login` and send the returned session token as "
        "`X-Session-Token` (an API key in that header, no `Bearer` prefix), or use a browser "
        "session with CSRF. Logging in, two-step verification and logging out are described "
        "by allauth's own schema: `/_allauth/openapi.json` (or `.yaml`). Errors are "
        '`{"detail": "..."}`, or messages per field for a 400; lists are paged '
        "(`page`, `page_size` up to 100) and refuse query parameters they do not know. "
        "A tour with curl examples: docs/api.md."
    ),
    "TAGS": [
        {"name": "me", "description": "The logged-in account."},
        {"name": "modules", "description": "Published reading modules."},
        {"name": "patients", "description": "A clinician's care team (staff only)."},
        {"name": "assignments", "description": "Reading given to a patient, and its progress."},
        {"name": "questions", "description": "Questions between a patient and their care team."},
        {
            "name": "caregivers",
            "description": "People a patient lets read alongside them, and what each may do.",
        },
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI from the installed sidecar package, its start-up script as a separate file:
    # the Content-Security-Policy allows no CDN and no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
    # One component per set of choices, shared by the fields and the query filters that use
    # it (apps.api.schema.postprocess_shared_parameter_enums).
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "apps.assignments.models.Assignment.Status",
        "QuestionStatusEnum": "apps.questions.api.QUESTION_STATUSES",
        "RoleEnum": "apps.accounts.models.User.Role",
        "CaregiverStatusEnum": "apps.caregivers.models.CaregiverLink.Status",
        "LanguageEnum": "portal.settings.base.LANGUAGES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.postprocess_shared_parameter_enums",
        "apps.api.schema.postprocess_nullable_references",
    ],
}

# Security headers (django-csp 4): no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers and process monitors probe liveness over plain HTTP on the private hop.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}

# JSON lines in production (one object per line, for a log shipper), plain text in
# development. Every line carries the request id; none carries a name, an email address or
# anything a patient wrote (tests/operations/test_logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
        "celery_tracing": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "celery_tracing"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request logs would carry URLs with patient ids; keep them at warning level.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING" if IS_PRODUCTION else "INFO"},
        # It would log "generated a new id" at INFO for every request without X-Request-ID.
        "django_guid": {"level": "WARNING"},
    },
}

# Prometheus metrics at /metrics: for scrapers on these networks (the address of the direct
# connection), or sending "Authorization: Bearer <METRICS_TOKEN>". Everyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Error tracking, only when SENTRY_DSN is set; request bodies, cookies, query strings and
# user details never leave (apps/operations/errors.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from apps.operations.errors import sentry_init

    sentry_init(
        dsn=SENTRY_DSN, environment=DJANGO_ENV, release=env.str("SENTRY_RELEASE", default="")
    )
