"""SMTP comes wholly from the environment: host, port, user, password, STARTTLS or
implicit TLS, and the sender (docs/production.md, "E-mail")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from anpi.keys import throwaway_keys

PRINT_MAIL_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
    "for k in ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'DEFAULT_FROM_EMAIL']}))"
)


def mail_settings(**env: str) -> dict:
    secret, encryption = throwaway_keys()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANPI_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-c", PRINT_MAIL_SETTINGS],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "anpi.settings",
            "ANPI_SECRET_KEY": secret,
            "ANPI_ENCRYPTION_KEY": encryption,
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_smtp_user_password_and_starttls_come_from_the_environment():
    assert mail_settings(
        ANPI_EMAIL_HOST="smtp.example.jp",
        ANPI_EMAIL_PORT="587",
        ANPI_EMAIL_HOST_USER="anpi@example.jp",
        ANPI_EMAIL_HOST_PASSWORD="app-password",
        ANPI_EMAIL_USE_TLS="1",
        ANPI_DEFAULT_FROM_EMAIL="みまもりNPO <anpi@example.jp>",
    ) == {
        "EMAIL_HOST": "smtp.example.jp",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "anpi@example.jp",
        "EMAIL_HOST_PASSWORD": "app-password",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "DEFAULT_FROM_EMAIL": "みまもりNPO <anpi@example.jp>",
    }


def test_implicit_tls_on_port_465_and_the_older_from_variable_still_work():
    got = mail_settings(
        ANPI_EMAIL_PORT="465", ANPI_EMAIL_USE_SSL="yes", ANPI_FROM_EMAIL="old <old@example.jp>"
    )
    assert (got["EMAIL_PORT"], got["EMAIL_USE_SSL"], got["EMAIL_USE_TLS"]) == (465, True, False)
    assert got["DEFAULT_FROM_EMAIL"] == "old <old@example.jp>"
