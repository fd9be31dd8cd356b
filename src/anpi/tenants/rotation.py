"""Key rotation: re-encrypt every encrypted value under a new key (``anpi rotate-key``).

Run with the new key as ``ANPI_ENCRYPTION_KEY`` and the old one as
``ANPI_ENCRYPTION_KEY_OLD``; web and worker processes run with both meanwhile
(``tenants.crypto`` decrypts with either, encrypts with the new one, and looks up
hashes under both), then restart them without the old key.

Algorithm, per table holding encrypted values (every model with an
``EncryptedTextField``, and ``LineChannel``'s credential columns named in its
``ENCRYPTED_TOKEN_COLUMNS``), in a fixed order:

1. In one transaction: lock the table's progress marker (``KeyRotation``, keyed by
   the new key's fingerprint and the table), skip the table if it is finished.
2. Lock the next ``batch_size`` rows with ``pk > last_pk`` (``FOR UPDATE``, so a
   concurrent edit is not overwritten with the value read before it).
3. Re-encrypt each value under the new key (model fields: decrypt on load,
   encrypt on save; raw token columns: ``MultiFernet.rotate``), recompute the
   keyed lookup hashes (``LookupHashesMixin.save``), and move ``last_pk`` to the
   batch's last row — all in the same transaction. No rows left: mark finished.

An interruption loses at most the batch in flight (rolled back); running again
resumes after ``last_pk``. Re-encrypting a value twice is harmless, so the whole
job is idempotent. A value that opens with neither key stops the run with
``DecryptionError`` naming the table and row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from . import crypto
from .fields import EncryptedTextField
from .models import KeyRotation


@dataclass(frozen=True)
class EncryptedTable:
    model: type[models.Model]
    fields: tuple[str, ...]  # EncryptedTextField names (decrypt on load)
    token_columns: tuple[str, ...]  # text columns holding Fernet tokens

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def columns(self) -> tuple[str, ...]:
        by_name = {f.name: f.column or f.name for f in self.model._meta.concrete_fields}
        return tuple(by_name[name] for name in self.fields + self.token_columns)


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with encrypted values, ordered by model label."""
    found = []
    for model in apps.get_models():
        fields = tuple(
            f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        )
        tokens = tuple(getattr(model, "ENCRYPTED_TOKEN_COLUMNS", ()))
        if fields or tokens:
            found.append(EncryptedTable(model, fields, tokens))
    return sorted(found, key=lambda t: t.label)


def _batch(table: EncryptedTable, key_id: str, batch_size: int) -> tuple[int, bool]:
    """One batch of ``table``; returns (rows done, finished)."""
    with transaction.atomic():
        marker, _ = KeyRotation.objects.select_for_update().get_or_create(
            key_id=key_id, table=table.label, defaults={"started_at": timezone.now()}
        )
        if marker.finished_at is not None:
            return 0, True
        manager = table.model._base_manager
        rows = list(
            manager.select_for_update().filter(pk__gt=marker.last_pk).order_by("pk")[:batch_size]
        )
        if not rows:
            marker.finished_at = timezone.now()
            marker.save(update_fields=["finished_at"])
            return 0, True
        for row in rows:
            for column in table.token_columns:
                try:
                    setattr(row, column, crypto.reencrypt(getattr(row, column)))
                except crypto.DecryptionError as exc:
                    raise crypto.DecryptionError(f"id {row.pk}: {exc}") from exc
            row.save(update_fields=[*table.fields, *table.token_columns])
        marker.last_pk = rows[-1].pk
        marker.rows += len(rows)
        marker.save(update_fields=["last_pk", "rows"])
        return len(rows), False


def rotate(
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Callable[[str], Any] = lambda line: None,
) -> bool:
    """Re-encrypt everything under the current key; True when every table is done.

    ``max_batches``: stop after that many batches (all tables together) and
    return False — the next call resumes. ``progress`` gets one line per batch
    and per finished table.
    """
    key_id = crypto.key_id()
    batches = 0
    for table in encrypted_tables():
        while True:
            if max_batches is not None and batches >= max_batches:
                progress(f"stopped after {batches} batches; run again to resume")
                return False
            try:
                done, finished = _batch(table, key_id, batch_size)
            except crypto.DecryptionError as exc:
                raise crypto.DecryptionError(f"{table.label}: {exc}") from exc
            if finished:
                marker = KeyRotation.objects.get(key_id=key_id, table=table.label)
                progress(f"{table.label}: done ({marker.rows} rows)")
                break
            batches += 1
            marker = KeyRotation.objects.get(key_id=key_id, table=table.label)
            progress(f"{table.label}: {marker.rows} rows re-encrypted (up to id {marker.last_pk})")
    return True


def values_not_under_current_key() -> list[str]:
    """``table.column id N`` for every stored value that does not open with the
    current key alone (raw SQL: the fields would fall back to the old key).
    Empty after a finished rotation."""
    bad = []
    qn = connection.ops.quote_name
    for table in encrypted_tables():
        meta = table.model._meta
        cols = ", ".join(qn(c) for c in table.columns)
        with connection.cursor() as cursor:
            pk_column = (meta.pk.column if meta.pk is not None else None) or "id"
            cursor.execute(f"SELECT {qn(pk_column)}, {cols} FROM {qn(meta.db_table)}")
            for pk, *values in cursor.fetchall():
                for column, value in zip(table.columns, values, strict=True):
                    if not crypto.opens_with_current_key(value or ""):
                        bad.append(f"{meta.db_table}.{column} id {pk}")
    return bad
