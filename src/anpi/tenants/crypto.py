"""Encryption at rest for channel credentials.

A tenant's LINE channel secret and access token let anyone impersonate the
tenant's official account, so they are stored encrypted with Fernet
(AES-128-CBC + HMAC). The key is derived with HKDF from ``ANPI_ENCRYPTION_KEY``
alone: it is never derived from Django's ``SECRET_KEY`` (``anpi.keys`` makes
both required outside the demo and the tests), so a copied database opens
nothing without the encryption key itself.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(root: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"anpi-channel-credentials", info=b"fernet"
    ).derive(root.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _root() -> str:
    if not settings.ENCRYPTION_KEY:
        raise ValueError("ANPI_ENCRYPTION_KEY is not set")
    return settings.ENCRYPTION_KEY


def encrypt(plaintext: str) -> str:
    return _fernet(_root()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(_root()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("channel credential cannot be decrypted with the configured key") from exc
