"""Django settings for anpi.

Everything that differs between a laptop demo and production comes from the
environment, so the same settings module serves both:

- ``ANPI_DATABASE_URL``: ``sqlite:///path/to/db.sqlite3`` (default, embedded) or
  ``postgres://user@host:port/dbname``.
- ``ANPI_SECRET_KEY``: Django's secret key; also the default root of the key that
  encrypts channel secrets (``ANPI_ENCRYPTION_KEY`` overrides it).
- ``ANPI_DEBUG``, ``ANPI_ALLOWED_HOSTS``, ``ANPI_BASE_URL`` (public URL used in the
  links sent to people), ``ANPI_EMAIL_HOST`` / ``ANPI_EMAIL_PORT``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ANPI_VAR_DIR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("ANPI_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ENCRYPTION_KEY = os.environ.get("ANPI_ENCRYPTION_KEY", "")
DEBUG = os.environ.get("ANPI_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("ANPI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
BASE_URL = os.environ.get("ANPI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "anpi.tenants",
    "anpi.people",
    "anpi.individual",
    "anpi.engine",
    "anpi.dashboard",
    "anpi.demo",
    "anpi.groups",
    "anpi.municipal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                # never deadlocks against another writer (DESIGN.md §3).
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


DATABASES = {"default": database_from_url(os.environ.get("ANPI_DATABASE_URL", "sqlite:///"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

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

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("ANPI_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("ANPI_EMAIL_PORT", "1025"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("ANPI_FROM_EMAIL", "anpi <noreply@anpi.invalid>")

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
        # A 500 logs its traceback (Django's default only mails ADMINS, which is
        # unset, and prints nothing unless DEBUG).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
