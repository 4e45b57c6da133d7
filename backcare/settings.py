"""BackCare settings: one file, read from the environment.

Development needs nothing set. With DEBUG off, every value that must not have a development default
(the secret key, the allowed hosts) has to be given, and start-up stops with a message naming it.
"""

import datetime
import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from environs import Env
from marshmallow.validate import OneOf

BASE_DIR = Path(__file__).resolve().parent.parent

# The tests never depend on or touch the developer's set-up: under pytest the .env file is not read
# and no REDIS_URL is used; processes the tests start inherit BACKCARE_TESTING=1 (tests/conftest.py),
# so they skip .env too, and they get a Redis only when a test hands them its own.
IN_PYTEST = "pytest" in sys.modules
env = Env()
if not (IN_PYTEST or os.environ.get("BACKCARE_TESTING") == "1"):
    env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DEBUG", default=True)


def required_in_production(name: str, development_default):
    """The value of `name`; in production (DEBUG off) it must be set, never defaulted."""
    if DEBUG:
        return env(name, default=development_default)
    value = env(name, default=None)
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable: it is required when DEBUG is off."
        )
    return value


# --- Core -----------------------------------------------------------------------------------------

SECRET_KEY = required_in_production("SECRET_KEY", "django-insecure-development-only-key")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Set the ALLOWED_HOSTS environment variable: it is required when DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    # Staff sign-in: a second factor (authenticator app or one-time backup codes) and lock-out.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "pgtrigger",
    "backcare",  # the project's own system checks (backcare/checks.py)
    "exercises",
    "intake",
]

MIDDLEWARE = [
    # First: everything after it (rate limits, quotas, django-axes, the access log) sees the client.
    "backcare.middleware.ProxiedClientAddress",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A repeat visit to an exercise page without cookies, answered here with what the middleware
    # below gave it last time; the three above still add their headers (exercises/middleware.py).
    "exercises.middleware.KeptLibraryPages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's order): picks the language from the URL's
    # /es/ prefix; every unprefixed URL is English (i18n_patterns with prefix_default_language=False).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backcare.staff_auth.StaffSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out raised during sign-in into its lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backcare.urls"
WSGI_APPLICATION = "backcare.wsgi.application"

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
                "django.template.context_processors.csp",
                "backcare.context_processors.clinic",
                "backcare.context_processors.languages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

# Two roles (docs/security.md, "Database roles"; `make` creates both). The app connects as
# DATABASE_URL's role, which owns nothing: it cannot alter a table, drop a trigger or empty the access
# log. `manage.py migrate` connects as the role that owns the tables, MIGRATION_DATABASE_URL (unset:
# DATABASE_URL, a single role), and then grants the app's role what it needs
# (intake/management/commands/migrate.py).
_DATABASE_URL = env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/backcare")
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=_DATABASE_URL,
        conn_max_age=env.int("CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
MIGRATION_DATABASE = env.dj_db_url("MIGRATION_DATABASE_URL", default=_DATABASE_URL)
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------------------------

# With REDIS_URL set, every web process shares one cache, so the intake rate limit counts posts
# across all of them; sessions are read from Redis and written through to the database, so a Redis
# restart signs nobody out. Unset: one machine's memory, sessions in the database.
REDIS_URL = "" if IN_PYTEST else env("REDIS_URL", default="")
#
# The exercise library has two caches of its own (exercises/views.py), keyed by its content version so
# that an edit is never served stale. "pages": its pages without a query string and each exercise's
# rendered card, a finite set per version, shared through Redis when there is one. "listings":
# searches and filtered lists, whose URLs anyone can vary without end, always in this process's memory
# and bounded, so a flood of unique searches evicts only other listings, never the popular pages nor
# the rate-limit counts in "default".
_LOCAL_MEMORY = "django.core.cache.backends.locmem.LocMemCache"
if REDIS_URL:
    _REDIS = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="backcare"),
    }
    CACHES = {"default": _REDIS, "pages": _REDIS}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": _LOCAL_MEMORY},
        # A few pages and cards per exercise and routine, for the current and recent versions.
        "pages": {"BACKEND": _LOCAL_MEMORY, "LOCATION": "pages", "OPTIONS": {"MAX_ENTRIES": 2000}},
    }
CACHES["listings"] = {
    "BACKEND": _LOCAL_MEMORY,
    "LOCATION": "listings",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# --- Background tasks -----------------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Tasks of a killed worker are requeued by `manage.py run_worker` / `requeue_stale_tasks`: at once for
# run_worker's own workers (a liveness lock in Postgres), after this lease for plain db_worker ones.
# Longer than the slowest task; every task is safe to run twice.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=30 * 60)

# --- Files ----------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploads live outside every public URL; they are served only through staff views that log access.
# STORAGE_BACKEND=local (one machine) or s3 (a private, encrypted bucket shared by every machine;
# credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an instance role).
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=BASE_DIR / "var" / "private")
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local", validate=OneOf(["local", "s3"]))
if STORAGE_BACKEND == "s3":
    _private_storage = {
        "BACKEND": "intake.uploads.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            # Lifetime of a signed download URL, when PRIVATE_DOWNLOADS=presigned.
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60),
        },
    }
else:
    _private_storage = {
        "BACKEND": "intake.uploads.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": PRIVATE_STORAGE_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": _private_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# How the staff download view hands over a file: "stream" (through this process, any storage) or
# "presigned" (a redirect to a signed bucket URL valid for AWS_QUERYSTRING_EXPIRE seconds; S3 only).
PRIVATE_DOWNLOADS = env.str(
    "PRIVATE_DOWNLOADS", default="stream", validate=OneOf(["stream", "presigned"])
)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Where uploads are received before they are kept. Unset, local storage receives them in its own
# `incoming/` folder, so that keeping a file is a hard link of the bytes hashed as they arrived, never
# a copy to read back (intake.uploads.storage.receiving_folder; docs/security.md §8).
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# --- E-mail ---------------------------------------------------------------------------------------
# Django 6.1's MAILERS setting; no environment library writes it yet, so it is built here.

_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = env("EMAIL_BACKEND", default="console" if DEBUG else "smtp")
if _email_backend not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {', '.join(_EMAIL_BACKENDS)}.")
_email_options = {}
if _email_backend == "file":
    _email_options = {"file_path": env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))}
elif _email_backend == "smtp":
    _email_options = {
        "host": required_in_production("EMAIL_HOST", "localhost"),
        "port": env.int("EMAIL_PORT", default=587),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=True),
        "timeout": 30,
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKENDS[_email_backend], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BackCare <no-reply@backcare.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
INTAKE_INBOX_EMAIL = env("INTAKE_INBOX_EMAIL", default="intake@backcare.localhost")
# The public address that e-mails and the patients' single-use "more files" links point to; a
# production default would send them to 127.0.0.1. `check --deploy` also refuses a local or http one.
SITE_URL = required_in_production("SITE_URL", "http://127.0.0.1:8000")

# The clinic's own details: the footer, the confirmation page, e-mails and handouts tell patients to
# call or to mail their CD here, so production refuses to start without real ones. The development
# values are plainly examples (555 numbers are reserved for fiction).
CLINIC = {
    "name": env("CLINIC_NAME", default="BackCare spine clinic"),
    "phone": required_in_production("CLINIC_PHONE", "(555) 555-0100"),
    "address": required_in_production(
        "CLINIC_ADDRESS", "Example address: 100 Main Street, Springfield, ST 00000"
    ),
    "hours": required_in_production("CLINIC_HOURS", "Monday to Friday, 8 am to 5 pm"),
    "out_of_hours": required_in_production(
        "CLINIC_OUT_OF_HOURS",
        "When we are closed, leave a message and we will call you back the next business day.",
    ),
}

# --- Security -------------------------------------------------------------------------------------

# A strict policy with no nonces: public pages carry no inline script or style, so they can be
# cached whole. JSON-LD blocks are data, not script, and are not affected by script-src.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    # The exercise player's offline worker (/exercises/sw.js), our own script only.
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "frame-src": ["https://www.youtube-nocookie.com"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# HTTPS is on whenever DEBUG is off; HTTPS=false is only for a local production-like server
# (make serve, benchmarks) that has no TLS in front of it.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# A load balancer may check /healthz over plain HTTP on the app's own port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Staff sign-in ---------------------------------------------------------------------------------
# django-axes' backend must come first: it refuses a locked-out username and address before any
# password is checked. The admin also needs a second factor (django-otp; see backcare/staff_auth.py).

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "intake/staff_locked_out.html"
# Sessions end after STAFF_SESSION_IDLE_SECONDS without a request, and STAFF_SESSION_MAX_SECONDS
# after sign-in whatever happens (backcare.staff_auth.StaffSessionTimeoutMiddleware).
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=9 * 3600)
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_SECONDS
OTP_TOTP_ISSUER = "BackCare"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------------

# English at the unprefixed URLs, Spanish under /es/ (README, "Languages"). Project-wide strings
# (templates/, backcare/) live in locale/; each app keeps its own in <app>/locale/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Spanish with US month/day/year date entry (backcare/formats/es/formats.py says why).
FORMAT_MODULE_PATH = ["backcare.formats"]
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Forms ----------------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------------------
# Request logs carry method, path and status only: form contents and file names never reach a log.
# A refused request (4xx, e.g. a 403) is one line; only faults (5xx) carry a traceback.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "filters": {"one_line_client_errors": {"()": "backcare.log_filters.OneLineClientErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line_client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own console handler for "django", which would print every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step of every letter it draws.
        "weasyprint.progress": {"level": "WARNING"},
        # pynetdicom's INFO lines describe every association and message; ours say what matters.
        "pynetdicom": {"level": "WARNING"},
    },
}

# --- Intake limits --------------------------------------------------------------------------------
# Defined once here (from the environment) and read through intake.rules by the form, the upload
# endpoints, the pipeline, the admin and the tests.

INTAKE_MAX_FILE_SIZE = env.int("INTAKE_MAX_FILE_SIZE", default=1024**3)  # 1 GiB
INTAKE_MAX_REQUEST_SIZE = env.int("INTAKE_MAX_REQUEST_SIZE", default=2 * 1024**3)  # 2 GiB
INTAKE_MAX_FILES = env.int("INTAKE_MAX_FILES", default=2000)
# A CD sent as loose files is hundreds of files in one POST; the form enforces INTAKE_MAX_FILES itself.
DATA_UPLOAD_MAX_NUMBER_FILES = INTAKE_MAX_FILES + 1
INTAKE_CALLBACK_BUSINESS_DAYS = env.int("INTAKE_CALLBACK_BUSINESS_DAYS", default=2)
# Form posts allowed from one client address in a window (seconds); more get a kind "try later" page.
INTAKE_RATE_LIMIT_POSTS = env.int("INTAKE_RATE_LIMIT_POSTS", default=10)
INTAKE_RATE_LIMIT_SECONDS = env.int("INTAKE_RATE_LIMIT_SECONDS", default=3600)
# Files in private storage's uploads/ with no Upload row are removed by `manage.py sweep_stray_uploads`
# once they are older than this (hours).
INTAKE_STRAY_FILE_HOURS = env.int("INTAKE_STRAY_FILE_HOURS", default=24)

# --- Resumable uploads (tus) ----------------------------------------------------------------------
# A staged upload that is not attached to a request within this many hours is refused (410) and
# removed by `manage.py purge_expired_uploads`.
INTAKE_TUS_EXPIRY_HOURS = env.int("INTAKE_TUS_EXPIRY_HOURS", default=24)
# The browser sends each file in PATCH requests of at most this many bytes: small enough to pass a
# proxy's body limit and to lose little when a connection drops, large enough to keep requests few.
INTAKE_TUS_CHUNK_SIZE = env.int("INTAKE_TUS_CHUNK_SIZE", default=8 * 1024**2)
# Staged bytes wait up to INTAKE_TUS_EXPIRY_HOURS, so creations are bounded before any byte arrives,
# on the declared Upload-Length (intake.uploads.tus). One session: INTAKE_MAX_FILES and
# INTAKE_MAX_REQUEST_SIZE, as the form. One client address: new uploads per hour (a CD at the form's
# file limit, with room for retries), and staged bytes at once (three full requests: a clinic's or
# family's shared connection). Everyone: the staging area's total, kept below the disk's free space.
INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS = env.int(
    "INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS", default=3000
)
INTAKE_STAGING_MAX_BYTES_PER_ADDRESS = env.int(
    "INTAKE_STAGING_MAX_BYTES_PER_ADDRESS", default=3 * INTAKE_MAX_REQUEST_SIZE
)
INTAKE_STAGING_MAX_TOTAL_BYTES = env.int("INTAKE_STAGING_MAX_TOTAL_BYTES", default=50 * 1024**3)

# --- Triage ---------------------------------------------------------------------------------------

# A new request is due INTAKE_CALLBACK_BUSINESS_DAYS business days after it arrives (what the patient
# is promised); an urgent one by the end of the day it arrives.

# Patients asked for more files get a single-use link that lasts this many days.
INTAKE_UPLOAD_LINK_DAYS = env.int("INTAKE_UPLOAD_LINK_DAYS", default=7)
# The patient's link to their review letter works this many days (it also asks for the reference
# and date of birth); tries per hour, counted per client address and per reference.
INTAKE_LETTER_LINK_DAYS = env.int("INTAKE_LETTER_LINK_DAYS", default=30)
INTAKE_LETTER_ATTEMPTS = env.int("INTAKE_LETTER_ATTEMPTS", default=10)
INTAKE_LETTER_ATTEMPT_SECONDS = env.int("INTAKE_LETTER_ATTEMPT_SECONDS", default=3600)
# Look-ups on the "Where is my request?" page, counted the same way.
INTAKE_STATUS_ATTEMPTS = env.int("INTAKE_STATUS_ATTEMPTS", default=10)
INTAKE_STATUS_ATTEMPT_SECONDS = env.int("INTAKE_STATUS_ATTEMPT_SECONDS", default=3600)
# `manage.py apply_retention` removes the files of requests closed (or marked spam) this long ago.
INTAKE_RETENTION_DAYS = env.int("INTAKE_RETENTION_DAYS", default=365)

# --- The clinic's PACS ("Send to PACS", intake/triage/pacs.py) --------------------------------------
# Unset PACS_HOST: no PACS is configured and the request page says so. The task worker sends (C-STORE);
# "Test connection" (C-ECHO) waits at most PACS_ECHO_TIMEOUT seconds in the web request.
PACS_HOST = env.str("PACS_HOST", default="")
PACS_PORT = env.int("PACS_PORT", default=104)
PACS_AE_TITLE = env.str("PACS_AE_TITLE", default="PACS")  # the PACS's (called) AE title
PACS_CALLING_AE_TITLE = env.str("PACS_CALLING_AE_TITLE", default="BACKCARE")  # ours
PACS_TIMEOUT = env.float("PACS_TIMEOUT", default=30)
PACS_ECHO_TIMEOUT = env.float("PACS_ECHO_TIMEOUT", default=5)
# The clinic's assigning authority for its MRNs (Issuer of Patient ID); empty: none is written.
PACS_ISSUER_OF_PATIENT_ID = env.str("PACS_ISSUER_OF_PATIENT_ID", default="")
# DICOM over TLS: the CA that signed the PACS's certificate turns TLS on; a client certificate and
# key are sent if the PACS asks for one.
PACS_TLS_CA = env.str("PACS_TLS_CA", default="")
PACS_TLS_CERT = env.str("PACS_TLS_CERT", default="")
PACS_TLS_KEY = env.str("PACS_TLS_KEY", default="")
# --- Benchmarks -----------------------------------------------------------------------------------
# Adds /_bench/bytes/<n> (a bare view, the yardstick `make bench` measures pages against). Only
# bench/run.py sets it, for its own server on 127.0.0.1; it is never on in a deployment.
BENCHMARK_BASELINE = env.bool("BENCHMARK_BASELINE", default=False)
