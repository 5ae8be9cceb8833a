"""Settings for consult, read from the environment.

Local defaults are safe for a laptop: SQLite in the project folder, local-memory cache and
console e-mail. ``DJANGO_ENV=production`` switches to production mode, which refuses to start
without ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``SITE_URL`` and passes
``manage.py check --deploy``. The benchmarks run on ``config.bench_settings``, which adds their
apps and URLs to these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent

# Typed values go through django-environ's readers; the functions below add what it does not
# check, so that a value it would misread stops start-up with an error naming the variable.
# Plain strings are read with os.environ: django-environ takes a value that begins with "$" for
# the name of another variable (django-environ#415), and a generated SECRET_KEY or a password
# may well begin with one.
env = environ.Env()


def env_bool(name: str, default: bool) -> bool:
    """A boolean; unset or empty is the default.

    Only the usual spellings are accepted: ``env.bool`` alone reads any other word as False, so
    a typo in ``SECURE_SSL_REDIRECT`` would quietly switch it off.
    """
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.strip().lower() not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}.")
    return env.bool(name)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number of at least ``minimum``; unset or empty is the default."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        if raw.startswith("$"):  # django-environ would take it for another variable's name
            raise ValueError(raw)
        value = env.int(name)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated names, blanks around each dropped (``env.list`` keeps them, and a host
    name with a space in front matches no request); set but empty is an empty list."""
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


def env_fraction(name: str, default: float) -> float:
    """A number greater than 0 and at most 1; unset or empty is the default.

    Python's own float(): ``env.float`` drops every character that is not a digit, a minus, a
    comma or a dot, and takes a comma for a decimal point, so ``0.8x`` would pass.
    """
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}.") from None
    if not 0 < value <= 1:
        raise ImproperlyConfigured(f"{name} must be above 0 and at most 1, got {value}.")
    return value


def env_rate(name: str, default: str) -> str:
    """A rate such as ``10/h``; ``0`` disables the limit (``core.rates`` is the grammar)."""
    value = os.environ.get(name, default).strip()
    try:
        parse_rate(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} {exc}.") from None
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    """One of ``choices``, in any case; unset or empty is the default."""
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, got {value!r}.")
    return value


# Core -----------------------------------------------------------------------------------------
ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', got {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
    DEBUG = env_bool("DEBUG", False)
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "django-insecure-local-development-key-not-for-production"
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DEBUG = env_bool("DEBUG", True)

# The public address of the site (https://… in production), for links that no request causes:
# notifications and webhook payloads.
SITE_URL = os.environ.get("SITE_URL", "" if PRODUCTION else "http://localhost:8000").rstrip("/")
if PRODUCTION and not SITE_URL:
    # Links in mail and webhook payloads would otherwise point to a developer's machine.
    raise ImproperlyConfigured(
        "SITE_URL must be set when DJANGO_ENV=production. It is the site's public address, "
        "such as https://consult.example.org."
    )
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path or _site.query:
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's address, such as https://consult.example.org, with no "
        f"path; got {SITE_URL!r}."
    )

# Apps and middleware --------------------------------------------------------------------------
INSTALLED_APPS = [
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Ahead of staticfiles, whose runserver would otherwise serve static files itself, unlike
    # production, where WhiteNoise does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # Third-party: the API, state machines, history, import/export, the task queue
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    # The project's apps
    "staff",
    "occupations",
    "consult",
    "seeds",
    # Staff sign-in: second factor, lockout, content security policy
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # Security headers and the HTTPS redirect, before anything else does any work.
    "django.middleware.security.SecurityMiddleware",
    # Bodies in a charset the app does not read are refused before anything parses them.
    "core.middleware.RefuseUnreadableBodies",
    # Outside WhiteNoise and everything after it, so that static files and pages alike carry
    # the policy for their path (config.csp).
    "config.csp.PolicyByPathMiddleware",
    # Static files are answered here, before sessions, languages and users are looked at.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware, which can answer a request itself (the slash redirect).
    "corsheaders.middleware.CorsMiddleware",
    # After sessions; before CommonMiddleware, which resolves URLs in the active language.
    # Django's LocaleMiddleware, with ?lang= first (core.languages).
    "core.languages.LanguageParameterMiddleware",
    # A NUL in the path or the query string (which no PostgreSQL text column takes) is refused
    # before any view looks it up; after the language is chosen, for its message.
    "core.middleware.RefuseNulCharacters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The verified-device flag is read after authentication; staff sessions are then held to
    # their time limits (staff.signin), and guarded pages to the second factor.
    "django_otp.middleware.OTPMiddleware",
    "staff.signin.StaffSessionMiddleware",
    "staff.signin.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made a change, so after authentication.
    "simple_history.middleware.HistoryRequestMiddleware",
    # axes answers for locked sign-ins last, once every other middleware has seen the request.
    "axes.middleware.AxesMiddleware",
]

# URLs and templates ---------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------------
# SQLite in the project folder unless DATABASE_URL names another.
# A PostgreSQL address that accepts and never answers must not hold a request or a worker for
# ever: the driver gives up connecting after this many seconds.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
if os.environ.get("DATABASE_URL"):
    try:
        DATABASES = {"default": env.db_url("DATABASE_URL")}
    except Exception as exc:  # environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    # An unknown scheme only makes environ warn and return no engine at all. The URL may hold
    # a password, so the message shows its scheme only.
    if "." not in DATABASES["default"].get("ENGINE", ""):
        scheme, separator, _rest = os.environ["DATABASE_URL"].partition("://")
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid database URL: expected postgres://… or sqlite:///…, "
            + (f"got the scheme {scheme!r}." if separator else "got no scheme.")
        )
    # Connections are kept between requests, and each request's first query is preceded by a
    # ping, so that a restarted or failed-over database costs no request an error. The ping is
    # one round trip (bench/README.md); no connection pool, which gunicorn's sync workers,
    # one request at a time each, would not use.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis")):
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache ----------------------------------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every process: rate limits, throttles).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    # Otherwise the mistake shows only at the first cache access, as a connection error.
    scheme, separator, _rest = REDIS_URL.partition("://")
    raise ImproperlyConfigured(
        "REDIS_URL must start with redis://, rediss:// or unix://, "
        + (f"got the scheme {scheme!r}." if separator else "got no scheme.")
    )
# The shared cache is an accelerator, not a dependency: a Redis that does not answer costs a
# request at most these many milliseconds per call (redis-py waits forever by default), and the
# limiters then fall back (core.ratelimit, core.api.throttling).
CACHE_CONNECT_TIMEOUT_MS = env_int("CACHE_CONNECT_TIMEOUT_MS", 200, minimum=1)
CACHE_SOCKET_TIMEOUT_MS = env_int("CACHE_SOCKET_TIMEOUT_MS", 200, minimum=1)
CACHE_BREAKER_SECONDS = env_int("CACHE_BREAKER_SECONDS", 5, minimum=0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.BreakerRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "consult"),
            "OPTIONS": {
                "socket_connect_timeout": CACHE_CONNECT_TIMEOUT_MS / 1000,
                "socket_timeout": CACHE_SOCKET_TIMEOUT_MS / 1000,
            },
            # After a failure the cache is skipped for CACHE_BREAKER_SECONDS (core.cache), so
            # that an unreachable Redis costs one request its timeout, not every request.
            "BREAKER_SECONDS": CACHE_BREAKER_SECONDS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation -------------------------------------------------------------------------
# The public pages speak Simplified Chinese and English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files, media and downloads ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
# Attachments are never served from MEDIA_URL: staff download them through the admin.
MEDIA_URL = "/media/"
# Production serves hashed names (a manifest) and, unless STATIC_COMPRESS is off, gzip and Brotli
# copies built by collectstatic; building those takes minutes on a small machine, and a proxy
# that compresses makes them unneeded.
if not PRODUCTION:
    _STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif env_bool("STATIC_COMPRESS", True):
    _STATIC_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    _STATIC_BACKEND = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATIC_BACKEND},
    # Release downloads (``downloads/<version>/…`` under MEDIA_ROOT), written by the worker
    # and served by the app with immutable caching. Several machines need a shared location:
    # a network folder here, or another storage backend. A rebuild writes the same names again
    # (the same bytes), replacing each file in place rather than deleting it first.
    "downloads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
}
# The licence of the registry's open data, shown on /data/ and in every release's README.
OPEN_DATA_LICENCE = os.environ.get(
    "OPEN_DATA_LICENCE", "Creative Commons Attribution 4.0 (CC BY 4.0)"
)
OPEN_DATA_LICENCE_URL = os.environ.get(
    "OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)

# Uploads --------------------------------------------------------------------------------------
# The limits on attachments (three files, 10 MB each, a 32 MiB body) are applied while a request
# is read, before anything reaches the disk; the handlers after the first are Django's defaults.
# CLAMD_SOCKET, or CLAMD_HOST and CLAMD_PORT, name a ClamAV daemon that scans every attachment
# before it is stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "consult.intake.upload_handler.AttachmentLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
CLAMD_HOST = os.environ.get("CLAMD_HOST", "")
CLAMD_PORT = env_int("CLAMD_PORT", 3310, minimum=1)
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 10, minimum=1)

# E-mail ---------------------------------------------------------------------------------------
# Console by default, SMTP when EMAIL_HOST is set. Mail is sent by the task queue's workers
# (consult.delivery.outbox), never in a request; EMAIL_TIMEOUT bounds each SMTP operation.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "consult@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the public writes about their personal data or an accessibility problem (shown on
# /privacy/ and /accessibility/).
PUBLIC_CONTACT_EMAIL = os.environ.get("PUBLIC_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# The wait for the server's reply to the end of a message (DATA), longer than the other steps:
# a relay that scans a message may take minutes to answer (RFC 5321, 4.5.3.2.6, suggests ten),
# and an attempt cut short after the message arrived would send it twice.
EMAIL_DATA_TIMEOUT = env_int("EMAIL_DATA_TIMEOUT", 600, minimum=1)
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "core.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    # A relay on this machine (a local MTA, a test server) seldom speaks TLS.
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_HOST not in {"localhost", "127.0.0.1", "::1"})
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Task queue -----------------------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport) on the database backend, so the embedded
# default needs no other service; `manage.py run_worker` runs the workers.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Every worker records a heartbeat every WORKER_HEARTBEAT_SECONDS; a task left RUNNING by a
# worker not seen for WORKER_LEASE_SECONDS is run again (consult.worker). A task whose database
# connection failed is tried again after a backoff up to TASK_DATABASE_ATTEMPTS times in all.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5, minimum=1)
WORKER_LEASE_SECONDS = env_int("WORKER_LEASE_SECONDS", 30, minimum=2)
TASK_DATABASE_ATTEMPTS = env_int("TASK_DATABASE_ATTEMPTS", 5, minimum=1)
if WORKER_LEASE_SECONDS <= WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_LEASE_SECONDS must be longer than WORKER_HEARTBEAT_SECONDS, got "
        f"{WORKER_LEASE_SECONDS} and {WORKER_HEARTBEAT_SECONDS}."
    )

# Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Comments -------------------------------------------------------------------------------------
# Per-client limit (e.g. "60/h"; "0" disables). One a minute on average: an association typing
# its members' comments at one office address, or a school or mobile network behind one
# address, is not stopped, while a script is held to what a person types.
COMMENT_RATE_LIMIT = env_rate("COMMENT_RATE_LIMIT", "60/h")
# Number of proxies in front of the app whose X-Forwarded-For entries are trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# How old a trusted proxy's X-Request-Start may be, in seconds, to be the moment a comment was
# sent (core.clients.request_started_at); older, the server's clock is used.
REQUEST_START_MAX_AGE = env_int("REQUEST_START_MAX_AGE", 300, minimum=0)
# The salt of stored client-address hashes. Named *_SECRET so that Django's error reports mask
# it (IP_HASH_SALT, its former name, is still read). By default derived from SECRET_KEY, not the
# key itself: a salt that leaks must not give away the key that signs sessions.
IP_HASH_SECRET = (
    os.environ.get("IP_HASH_SECRET")
    or os.environ.get("IP_HASH_SALT")
    or hmac.new(SECRET_KEY.encode(), b"consult ip hash salt", hashlib.sha256).hexdigest()
)
# Near-duplicate campaigns (consult.clustering): two comments of a consultation are linked
# when the estimated Jaccard similarity of their texts' character shingles reaches this.
CAMPAIGN_SIMILARITY = env_fraction("CAMPAIGN_SIMILARITY", 0.8)
# Not yet included (consult.workflow.similar): a draft occupation at least this similar to a
# published occupation, job type or pending draft is saved only with a written justification.
# At 0.5 the rule's precision on the labelled titles of bench.similar_titles is 95% at a
# recall of 88%; at 0.4, 83% at 91% (bench/README.md).
DRAFT_JUSTIFY_SIMILARITY = env_fraction("DRAFT_JUSTIFY_SIMILARITY", 0.5)

# REST API and webhooks ------------------------------------------------------------------------
# Public reads throttled per client address; requests with an API key (X-Api-Key) throttled per
# key instead, reads at API_KEY_READ_RATE and comments at API_KEY_COMMENT_RATE.
API_THROTTLE_RATE = env_rate("API_THROTTLE_RATE", "1000/h")
API_KEY_READ_RATE = env_rate("API_KEY_READ_RATE", "10000/h")
API_KEY_COMMENT_RATE = env_rate("API_KEY_COMMENT_RATE", "600/h")
# Requests refused for their X-Api-Key (unknown or revoked), per client address; past it, every
# keyed request from that address answers 429 until the count falls.
API_KEY_FAILURE_RATE = env_rate("API_KEY_FAILURE_RATE", "30/h")
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["consult.api.keys.KeyScopes"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["consult.api.keys.ApiKeyAuthentication"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "consult API",
    "DESCRIPTION": "Read-only open data: published batches of new occupations, skill standards "
    "and public consultations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema whatever the reader's language, operations named and tagged by resource
    # (occupations_list, not v1_occupations_list), every enum a named component: what a client
    # generator needs to produce stable, ASCII class names.
    "DEFAULT_GENERATOR_CLASS": "core.api.openapi.EnglishSchemaGenerator",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "DatePrecision": "occupations.models.DatePrecision",
        "LabelLanguage": "occupations.models.Language",
        "StandardKind": "occupations.models.SkillStandard.Kind",
        "LevelKey": "occupations.models.LevelKey",
        "ConsultationStatus": "consult.models.Consultation.Status",
        "ConsultationState": "consult.models.Consultation.State",
        "DraftStatus": "consult.models.DraftOccupation.Status",
        "ProposalKind": "consult.models.DraftOccupation.Kind",
        "LineageKind": "occupations.models.Lineage.Kind",
        "CommentField": "consult.models.Comment.Field",
        "Disposition": "consult.models.Comment.Disposition",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.openapi.name_inline_schemas",
    ],
    "TAGS": [
        {"name": "batches", "description": "Published batches of new occupations."},
        {"name": "occupations", "description": "Published occupations of the registry."},
        {"name": "standards", "description": "National occupational skill standards."},
        {"name": "releases", "description": "Numbered releases of the registry."},
        {"name": "consultations", "description": "Public consultations on draft lists."},
        {"name": "comments", "description": "Published comments on a consultation."},
    ],
}
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# Webhooks (consult.delivery.webhooks): each POST bounded by WEBHOOK_TIMEOUT seconds. Endpoints
# must be https:// and resolve to public addresses: always in production, and elsewhere unless
# WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true lets a receiver on this machine take them (off unless
# asked for, so that a staging server is as guarded as production).
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = not PRODUCTION and env_bool(
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False
)

# Staff sign-in --------------------------------------------------------------------------------
# "required": staff without a verified second factor use no admin page (enrolment first);
# "optional": a staff member with a device is asked for it, one without signs in with the
# password alone (the demo of `make run`).
STAFF_2FA = env_choice(
    "STAFF_2FA", "required" if PRODUCTION else "optional", {"required", "optional"}
)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Every sign-in goes through the two-step login (the admin's own login page redirects there).
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "admin:index"
TWO_FACTOR_PATCH_ADMIN = True
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "New occupations staff")

# Lockout: 5 failures for one (username, client address) pair lock that pair for 15 minutes;
# never the account from everywhere nor the address for every account. The store is the
# database, shared by every web node.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.clients.client_ip"
AXES_LOCKOUT_CALLABLE = "staff.signin.lockout_response"
AXES_USERNAME_CALLABLE = "staff.signin.sign_in_username"
AXES_VERBOSE = False

# Staff sessions: 8 hours from sign-in at most, 30 minutes without a request; publishing asks
# for the password (and second factor) again when the sign-in is older than 15 minutes.
STAFF_SESSION_MAX_AGE = dt.timedelta(hours=8)
STAFF_SESSION_IDLE = dt.timedelta(minutes=30)
STAFF_REAUTH_AFTER = dt.timedelta(minutes=15)

# Security -------------------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health check asks a node directly, over plain HTTP: /healthz answers it
    # instead of redirecting (it carries no personal data and sets no cookie).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Content Security Policy: the public pages run no inline code and are never framed; the admin
# and the API docs get what their own assets need (config.csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Admin templates (Django's change list, django-import-export's, django-simple-history's and the
# workflow steps' step_base.html) carry inline styles; no admin page needs inline script.
CSP_ADMIN_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "style-src": ["'self'", "'unsafe-inline'"],
}
# Swagger UI has a style element, injects more, and draws its icons from data: URIs.
CSP_API_DOCS_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
}

# Error reports mask personal data (sensitive_post_parameters, sensitive_variables) on the debug
# page too, not only in the mails of a server with DEBUG off.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.debug.AlwaysSafeExceptionReporterFilter"
