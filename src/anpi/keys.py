"""Where the two keys come from: the environment, or (demo and tests only) a throw-away.

``ANPI_SECRET_KEY`` signs sessions, CSRF tokens and the one-time links sent by
LINE. ``ANPI_ENCRYPTION_KEY`` encrypts secrets at rest (``tenants.crypto``); it
is a key of its own and is never derived from the secret key, so a copied
database plus a leaked secret key still does not decrypt anything.

Outside the demo and the tests anpi refuses to start without both
(``MissingKeys``, one line saying how to make them). The demo keeps its own
keys in ``var/demo-keys.json`` (made on first run, mode 0600); a test run makes
fresh random keys per process. No key is written in the source.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
MAKE_FERNET = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class MissingKeys(ImproperlyConfigured):
    """A key is missing from the environment; ``str()`` is the one-line message."""


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def throwaway_keys() -> tuple[str, str]:
    """Fresh random (secret key, encryption key) for one test process."""
    return secrets.token_urlsafe(50), _fernet_key()


def demo_keys(var_dir: Path) -> tuple[str, str]:
    """The demo's keys, kept in ``var_dir/demo-keys.json`` so a restarted demo
    (``anpi demo --keep``) can still read what it encrypted."""
    path = var_dir / "demo-keys.json"
    try:
        data = json.loads(path.read_text())
        return data["secret_key"], data["encryption_key"]
    except (OSError, ValueError, KeyError):
        pass
    secret, encryption = throwaway_keys()
    var_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"secret_key": secret, "encryption_key": encryption}, fh)
    return secret, encryption


def required_keys(environ: os._Environ[str] | dict[str, str]) -> tuple[str, str]:
    """(``ANPI_SECRET_KEY``, ``ANPI_ENCRYPTION_KEY``) from ``environ``.

    Raises ``MissingKeys`` naming the first missing one and the command that makes it.
    """
    secret = environ.get("ANPI_SECRET_KEY", "")
    encryption = environ.get("ANPI_ENCRYPTION_KEY", "")
    if not secret:
        raise MissingKeys(f"anpi: set ANPI_SECRET_KEY (make one with: {MAKE_SECRET})")
    if not encryption:
        raise MissingKeys(f"anpi: set ANPI_ENCRYPTION_KEY (make one with: {MAKE_FERNET})")
    return secret, encryption
