"""Helpers to build settings-form POST data."""

from __future__ import annotations


def contact_fields(n: int = 0, **fields) -> dict:
    return {f"contacts-{n}-{k}": v for k, v in fields.items()}


def management(total: int = 3, initial: int = 0) -> dict:
    return {
        "contacts-TOTAL_FORMS": str(total),
        "contacts-INITIAL_FORMS": str(initial),
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "3",
    }
