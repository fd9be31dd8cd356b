"""Equality search on encrypted columns, through their keyed hashes.

Phone numbers and e-mail addresses are encrypted at rest, so the database can
only compare their HMACs (``tenants.crypto.lookup_hashes``): a search is an exact
match on the normalised value, never a partial one (「1234」 finds nothing).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from anpi.tenants import crypto

from .models import Contact
from .phones import email_lookup_key, phone_lookup_key

# Fewer digits than this is not a phone number a person could be found by.
MIN_PHONE_DIGITS = 10


def looks_like_phone(text: str) -> bool:
    """True if ``text`` is a phone number to search by (≥ 10 digits after
    normalising, and nothing but digits, spaces, dashes, brackets and +)."""
    key = phone_lookup_key(text)
    allowed = set("0123456789+-() ")
    from .textnorm import normalize_phone_text

    return len(key) >= MIN_PHONE_DIGITS and set(normalize_phone_text(text)) <= allowed


def phone_q(text: str, field: str = "phone_hash") -> Q:
    """A filter matching rows whose phone equals ``text`` once normalised
    (090-1234-5678 ≡ +81 90 1234 5678); matches nothing for ""."""
    return Q(**{f"{field}__in": crypto.lookup_hashes(phone_lookup_key(text))})


def contacts_with_email(tenant_id: int, email: str) -> QuerySet[Contact]:
    """The tenant's contacts whose e-mail address is ``email`` (normalised,
    case-insensitive); index ``contact_email_hash_idx``."""
    hashes = crypto.lookup_hashes(email_lookup_key(email))
    return Contact.objects.filter(tenant_id=tenant_id, email_hash__in=hashes)
