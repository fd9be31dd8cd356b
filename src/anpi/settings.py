"""Django settings for anpi.

Everything that differs between a laptop demo and production comes from the
environment, so the same settings module serves both:

- ``ANPI_DATABASE_URL``: ``sqlite:///path/to/db.sqlite3`` (default, embedded) or
  ``postgres://user@host:port/dbname``.
- ``ANPI_SECRET_KEY`` and ``ANPI_ENCRYPTION_KEY``: required outside the demo and
  the tests (``anpi.keys``; anpi refuses to start without them);
  ``ANPI_ENCRYPTION_KEY_OLD`` only during ``anpi rotate-key``.
- ``ANPI_TERMS_VERSION``: the terms version recorded with each consent.
- ``ANPI_TEXTS_DIR``: the installation's own message texts and greetings (docs/texts.md).
- ``ANPI_DEBUG``, ``ANPI_ALLOWED_HOSTS``, ``ANPI_BASE_URL`` (public URL used in the
  links sent to people and in the LINE webhook URL), ``ANPI_LINE_API_HOST``.
- SMTP: ``ANPI_EMAIL_HOST``, ``ANPI_EMAIL_PORT``, ``ANPI_EMAIL_HOST_USER``,
  ``ANPI_EMAIL_HOST_PASSWORD``, ``ANPI_EMAIL_USE_TLS`` (STARTTLS),
  ``ANPI_EMAIL_USE_SSL`` (implicit TLS), ``ANPI_DEFAULT_FROM_EMAIL``.
- ``ANPI_PROFILE=production`` turns every transport-security default on (HTTPS
  redirect, HSTS, Secure cookies); each one can still be set on its own from the
  environment (see "Security" below and docs/security.md).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ANPI_VAR_DIR", Path.cwd() / "var"))

from anpi.keys import demo_keys, required_keys, throwaway_keys  # noqa: E402

# "production" turns the secure defaults on; "default" is a laptop or a trial.
PROFILE = os.environ.get("ANPI_PROFILE", "default")
# The embedded demo (`anpi demo` sets it): throw-away keys in var/, the demo's own
# database file, and the demo's second-factor helper (`anpi demo-otp`).
ANPI_DEMO = os.environ.get("ANPI_DEMO") == "1" and PROFILE != "production"
# Test runs and the type checker (django-stubs imports this module) never serve.
_TOOL_RUN = PROFILE != "production" and ("pytest" in sys.modules or "mypy" in sys.modules)

if os.environ.get("ANPI_SECRET_KEY") and os.environ.get("ANPI_ENCRYPTION_KEY"):
    SECRET_KEY, ENCRYPTION_KEY = required_keys(os.environ)
elif ANPI_DEMO:
    SECRET_KEY, ENCRYPTION_KEY = demo_keys(VAR_DIR)
elif _TOOL_RUN:
    SECRET_KEY, ENCRYPTION_KEY = throwaway_keys()
else:
    SECRET_KEY, ENCRYPTION_KEY = required_keys(os.environ)  # raises MissingKeys
# Only while `anpi rotate-key` runs: the key being replaced (tenants.crypto).
ENCRYPTION_KEY_OLD = os.environ.get("ANPI_ENCRYPTION_KEY_OLD", "")
# The version of the terms (利用規約) a person or contact agrees to; recorded
# with every consent (people.models.Consent). Change it when the terms change.
TERMS_VERSION = os.environ.get("ANPI_TERMS_VERSION", "2026-12")
# A folder of the installation's own texts (<language>/person.toml, contacts.toml,
# greetings.toml) over the built-in ones in engine/texts: docs/texts.md.
ANPI_TEXTS_DIR = os.environ.get("ANPI_TEXTS_DIR", "")

DEBUG = os.environ.get("ANPI_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ANPI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
BASE_URL = os.environ.get("ANPI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "anpi.tenants",
    "anpi.people",
    "anpi.individual",
    "anpi.engine",
    "anpi.dashboard",
    "anpi.demo",
    "anpi.groups",
    "anpi.municipal",
    "anpi.reports",
    # The JSON API (anpi.api); "ninja" serves its Swagger UI files locally (no CDN).
    "ninja",
    "anpi.api",
    # request.htmx, and htmx itself as a local static file (the overview board).
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it.
    "anpi.tenants.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the second factor of this session (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # The absolute session lifetime, and staff disabled since they signed in.
    "anpi.tenants.middleware.SessionLifetimeMiddleware",
    # The client address on every audit row written during the request.
    "anpi.tenants.middleware.AuditAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the overview board answers its own polling with a fragment.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "anpi.tenants.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anpi.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "anpi.engine.health.health_banner",
            ],
        },
    },
]

WSGI_APPLICATION = "anpi.wsgi.application"


def database_from_url(url: str) -> dict:
    """Turn ANPI_DATABASE_URL into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path)
        if not name or name == "/":
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            name = str(VAR_DIR / "anpi.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # Writers queue on the busy timeout instead of failing, and a
                # transaction takes the write lock at BEGIN so that a read-then-write
                # never deadlocks against another writer (docs/engine.md).
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:, so that live-server tests use their own
            # connections, as separate web and worker processes would.
            "TEST": {
                "NAME": os.environ.get("ANPI_TEST_SQLITE_NAME")
                or os.path.join(tempfile.gettempdir(), f"anpi-test-{os.getpid()}.sqlite3")
            },
        }
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "anpi",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"ANPI_DATABASE_URL has an unsupported scheme: {parsed.scheme!r}")


_DEFAULT_DB = f"sqlite:///{VAR_DIR / 'demo.sqlite3'}" if ANPI_DEMO else "sqlite:///"
DATABASES = {"default": database_from_url(os.environ.get("ANPI_DATABASE_URL", _DEFAULT_DB))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Length, not composition (NIST SP 800-63B): at least 12 characters, not like
# the user's name or e-mail, not a common password.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before the
    # password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# --- Security (docs/security.md). Every value can be set from the environment;
# ANPI_PROFILE=production only changes the defaults.
_PRODUCTION = PROFILE == "production"
SECURE_SSL_REDIRECT = _env_bool("ANPI_SECURE_SSL_REDIRECT", _PRODUCTION)
SECURE_HSTS_SECONDS = _env_int("ANPI_SECURE_HSTS_SECONDS", 31_536_000 if _PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("ANPI_SECURE_HSTS_INCLUDE_SUBDOMAINS", _PRODUCTION)
SECURE_HSTS_PRELOAD = _env_bool("ANPI_SECURE_HSTS_PRELOAD", _PRODUCTION)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https".
_proxy_header = os.environ.get("ANPI_SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    tuple(_proxy_header.split(",", 1)) if "," in _proxy_header else None  # type: ignore[assignment]
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("ANPI_SECURE_COOKIES", _PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = os.environ.get("ANPI_COOKIE_SAMESITE", "Lax")
CSRF_COOKIE_SAMESITE = SESSION_COOKIE_SAMESITE
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ANPI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions: idle timeout (each request pushes the expiry on) and an absolute
# lifetime from sign-in (tenants.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = _env_int("ANPI_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
ANPI_SESSION_MAX_SECONDS = _env_int("ANPI_SESSION_MAX_SECONDS", 12 * 60 * 60)

# Second factor (django-otp): TOTP with a static device for recovery codes.
OTP_TOTP_ISSUER = os.environ.get("ANPI_OTP_ISSUER", "anpi")

# django-axes: lock an account, and separately an address, after repeated failures.
AXES_FAILURE_LIMIT = _env_int("ANPI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("ANPI_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "dashboard/locked.html"
AXES_IPWARE_PROXY_COUNT = _env_int("ANPI_PROXY_COUNT", 0) or None
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Request bodies: a form or a LINE webhook is a few kilobytes; anything over
# this is refused with 413 before it is read (tenants.middleware.BodyLimitMiddleware;
# Django's own RequestDataTooBig, a 400, stays behind it).
DATA_UPLOAD_MAX_MEMORY_SIZE = _env_int("ANPI_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Content Security Policy (django-csp): scripts only from anpi itself or with
# the page's nonce; inline style attributes stay allowed (the templates use a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
ANPI_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# /healthz details (problems, backlogs) for a monitor: "Authorization: Bearer <token>".
ANPI_HEALTH_TOKEN = os.environ.get("ANPI_HEALTH_TOKEN", "")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Serve static files straight from the apps, so `anpi web` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
except OSError:
    pass

# SMTP (docs/production.md). ANPI_EMAIL_USE_TLS is STARTTLS (usually port 587),
# ANPI_EMAIL_USE_SSL implicit TLS (usually port 465); Django refuses both at once.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("ANPI_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = _env_int("ANPI_EMAIL_PORT", 1025)
EMAIL_HOST_USER = os.environ.get("ANPI_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ANPI_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("ANPI_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("ANPI_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
# ANPI_FROM_EMAIL is the older name, still read.
DEFAULT_FROM_EMAIL = os.environ.get("ANPI_DEFAULT_FROM_EMAIL") or os.environ.get(
    "ANPI_FROM_EMAIL", "anpi <noreply@anpi.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The Messaging API host of channels connected on the LINE settings page: unset
# means LINE itself (api.line.me); a simulator's URL (`anpi sim`) for a trial.
ANPI_LINE_API_HOST = os.environ.get("ANPI_LINE_API_HOST", "").rstrip("/")

# Outward heartbeat: each worker GETs this URL every ANPI_HEARTBEAT_INTERVAL
# seconds while it runs (a dead man's switch at an outside monitor).
ANPI_HEARTBEAT_URL = os.environ.get("ANPI_HEARTBEAT_URL", "")
ANPI_HEARTBEAT_INTERVAL = float(os.environ.get("ANPI_HEARTBEAT_INTERVAL", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "anpi": {"handlers": ["console"], "level": os.environ.get("ANPI_LOG_LEVEL", "INFO")},
        # Failed and locked-out sign-ins (django-axes) go to the log.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # A 500 logs its traceback (Django's default only mails ADMINS, which is
        # unset, and prints nothing unless DEBUG).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
