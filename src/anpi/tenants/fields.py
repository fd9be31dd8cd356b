"""Model fields for personal data at rest: encrypted text and keyed lookup hashes.

Why not a library: the maintained Fernet field packages (django-fernet-encrypted-fields
0.4, the django-cryptography forks) derive their key from Django's ``SECRET_KEY``
(issue 9 forbids it: a leaked secret key must not open the database), and
django-fernet-encrypted-fields returns the ciphertext as the value when it cannot
decrypt, which would show tokens as phone numbers after a key mix-up. The field
below is a thin layer on ``cryptography``'s Fernet/MultiFernet (``tenants.crypto``),
which is the well-kept library doing the cryptography.

- ``EncryptedTextField``: stored as a Fernet token in a text column, read back as
  ``str``. "" is stored as "". Only ``isnull`` and ``exact ""`` lookups are
  allowed: any other lookup would compare ciphertexts and silently match nothing,
  so it raises ``FieldError`` instead; search through a ``LookupHashField``.
- ``LookupHashField``: 64 hex characters, HMAC-SHA256 of the normalised source
  value (``crypto.lookup_hash``), kept up to date by ``LookupHashesMixin.save``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import crypto


class EmptyOnlyExact(Exact):
    """``field=""`` on an encrypted column; any other value is refused."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.output_field.name} is encrypted: search it through its lookup hash"
            )
        return ""


class EncryptedTextField(models.TextField):
    """A text value encrypted at rest (see the module docstring)."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None


class LookupHashField(models.CharField):
    """HMAC-SHA256 (hex) of another field's normalised value, for equality search."""

    description = "Keyed hash of an encrypted value"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class LookupHashesMixin(models.Model):
    """Keeps ``LookupHashField`` columns in step with their sources on save.

    ``LOOKUP_HASHES`` maps a hash field to (source field, normaliser); the
    normaliser turns what was stored into the canonical form searched for
    (``str -> str``, "" for nothing to find). ``save(update_fields=[source])``
    also saves the hash. ``QuerySet.update`` bypasses this: do not use it on
    a source field.
    """

    LOOKUP_HASHES: ClassVar[dict[str, tuple[str, Callable[[str], str]]]] = {}

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_lookup_hashes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = [h for h, (src, _) in self.LOOKUP_HASHES.items() if src in update_fields]
            kwargs["update_fields"] = list(dict.fromkeys([*update_fields, *extra]))
        super().save(*args, **kwargs)

    def refresh_lookup_hashes(self) -> None:
        for hash_field, (source, normalise) in self.LOOKUP_HASHES.items():
            setattr(self, hash_field, crypto.lookup_hash(normalise(getattr(self, source) or "")))
