"""Encryption at rest and keyed lookup hashes, from ``ANPI_ENCRYPTION_KEY`` alone.

What is encrypted: LINE channel secrets and tokens (``LineChannel``), persons'
and contacts' phone numbers and e-mail addresses, and staff notes
(``tenants.fields.EncryptedTextField``). Fernet (AES-128-CBC + HMAC-SHA256,
from ``cryptography``) with a key derived by HKDF-SHA256 from the root key.
The root is never derived from Django's ``SECRET_KEY`` (``anpi.keys`` makes both
required outside the demo and the tests), so a copied database opens nothing
without the encryption key itself.

Key rotation (``anpi rotate-key``): the new root is ``ANPI_ENCRYPTION_KEY`` and
the old one ``ANPI_ENCRYPTION_KEY_OLD``. ``decrypt`` tries the new key, then the
old one (``MultiFernet``); ``encrypt`` always uses the new one.

Equality lookups on encrypted values (a phone number, an e-mail address) use
``lookup_hash``: HMAC-SHA256 of the normalised value under a second HKDF key,
64 hex characters. ``lookup_hashes`` also gives the hash under the old key so
that a search still finds rows not yet re-hashed during a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class DecryptionError(ValueError):
    """A stored value opens with neither the current nor the old key."""


def _derive(root: str, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(root.encode())


@lru_cache(maxsize=8)
def _fernet(root: str) -> Fernet:
    # The salt is the one channel credentials have used since the start: one key
    # for every encrypted column keeps old rows readable.
    return Fernet(base64.urlsafe_b64encode(_derive(root, b"anpi-channel-credentials", b"fernet")))


@lru_cache(maxsize=8)
def _hmac_key(root: str) -> bytes:
    return _derive(root, b"anpi-lookup-hash", b"hmac-sha256")


def current_root() -> str:
    """``ANPI_ENCRYPTION_KEY``; ValueError when it is unset."""
    if not settings.ENCRYPTION_KEY:
        raise ValueError("ANPI_ENCRYPTION_KEY is not set")
    return settings.ENCRYPTION_KEY


def old_root() -> str:
    """``ANPI_ENCRYPTION_KEY_OLD`` during a rotation, else ""."""
    return getattr(settings, "ENCRYPTION_KEY_OLD", "") or ""


def _multi(root: str, old: str) -> MultiFernet:
    keys = [_fernet(root)]
    if old and old != root:
        keys.append(_fernet(old))
    return MultiFernet(keys)


def encrypt(plaintext: str) -> str:
    """A Fernet token (URL-safe base64 text, about 100 + 1.4 × len bytes) of
    ``plaintext`` under the current key. "" stays "" (an empty column is not
    a secret, and ``exclude(phone="")`` keeps working)."""
    if plaintext == "":
        return ""
    return _fernet(current_root()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext of ``token`` (current key first, then the old one).
    Raises ``DecryptionError`` rather than ever returning the token itself."""
    if not token:
        return ""
    try:
        return _multi(current_root(), old_root()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("a stored value cannot be decrypted with the configured key") from exc


def reencrypt(token: str) -> str:
    """``token`` re-encrypted under the current key (``MultiFernet.rotate``)."""
    if not token:
        return ""
    try:
        return _multi(current_root(), old_root()).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("a stored value cannot be decrypted with the configured key") from exc


def opens_with_current_key(token: str) -> bool:
    """True if ``token`` is empty or decrypts with the current key alone."""
    if not token:
        return True
    try:
        _fernet(current_root()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _hash(root: str, normalised: str) -> str:
    return hmac.new(_hmac_key(root), normalised.encode(), hashlib.sha256).hexdigest()


def lookup_hash(normalised: str) -> str:
    """HMAC-SHA256 (64 hex) of an already normalised value under the current
    key; "" for "" (so that an empty value matches nothing)."""
    return _hash(current_root(), normalised) if normalised else ""


def lookup_hashes(normalised: str) -> list[str]:
    """The hashes to search for: under the current key and, during a rotation,
    the old one. Empty list for ""."""
    if not normalised:
        return []
    roots = [current_root()] + ([old_root()] if old_root() else [])
    return list(dict.fromkeys(_hash(r, normalised) for r in roots))


def key_id() -> str:
    """A short fingerprint (16 hex) of the current key, never the key: names a
    rotation's progress marker so that one rotation's marker is not reused by
    the next."""
    return _hash(current_root(), "anpi-key-id")[:16]
