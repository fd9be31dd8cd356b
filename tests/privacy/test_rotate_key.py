"""`anpi rotate-key`: everything re-encrypted under a new key, resumable, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from anpi.people.lookups import contacts_with_email, phone_q
from anpi.people.models import Person
from anpi.tenants import crypto, rotation
from anpi.tenants.models import KeyRotation, LineChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_people(make_person):
    for n in range(5):
        make_person(
            f"人{n}",
            phone=f"+8190000000{n:02d}",
            notes=f"メモ{n}",
            contacts=[{"name": f"連絡{n}", "relation": "友人", "email": f"c{n}@example.jp"}],
        )


@pytest.fixture
def new_key(settings):
    """Switch to a new key with the old one as ANPI_ENCRYPTION_KEY_OLD."""
    settings.ENCRYPTION_KEY_OLD = settings.ENCRYPTION_KEY
    settings.ENCRYPTION_KEY = Fernet.generate_key().decode()
    return settings


def _everything_reads_back(tenant) -> None:
    names = {p.nickname: (p.phone, p.notes) for p in Person.objects.all()}
    assert names["人3"] == ("+819000000003", "メモ3")
    assert Person.objects.filter(phone_q("090-0000-0003")).get().nickname == "人3"
    assert contacts_with_email(tenant.pk, "c4@example.jp").count() == 1
    channel = LineChannel.objects.get()
    assert channel.channel_secret == "test-channel-secret"
    assert channel.access_token == "test-access-token"


def test_rotation_re_encrypts_everything_so_the_old_key_can_be_dropped(
    tenant, channel, five_people, new_key
):
    out = StringIO()
    call_command("rotate_key", "--batch-size", "2", stdout=out)
    assert "people.Person: done (5 rows)" in out.getvalue()
    assert "tenants.LineChannel: done (1 rows)" in out.getvalue()
    new_key.ENCRYPTION_KEY_OLD = ""
    assert rotation.values_not_under_current_key() == []
    _everything_reads_back(tenant)


def test_an_interrupted_rotation_resumes_where_it_stopped_and_finishes(
    tenant, channel, five_people, new_key, monkeypatch
):
    assert rotation.rotate(batch_size=2, max_batches=2) is False
    marker = KeyRotation.objects.get(table="people.Contact")
    assert marker.rows == 4 and marker.finished_at is None

    # A crash in the middle of the next batch: that batch rolls back, the marker stays.
    calls = {"n": 0}
    real_save = Person.save

    def crash_on_second_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Person, "save", crash_on_second_save)
    with pytest.raises(KeyboardInterrupt):
        rotation.rotate(batch_size=2)
    monkeypatch.undo()
    assert rotation.values_not_under_current_key()  # not done yet

    assert rotation.rotate(batch_size=2) is True
    assert rotation.rotate(batch_size=2) is True  # again: nothing left, nothing broken
    new_key.ENCRYPTION_KEY_OLD = ""
    assert rotation.values_not_under_current_key() == []
    _everything_reads_back(tenant)


def test_search_still_finds_rows_not_yet_re_hashed_during_a_rotation(tenant, five_people, new_key):
    assert Person.objects.filter(phone_q("090-0000-0001")).count() == 1


def test_rotation_without_the_old_key_stops_with_a_clear_message(tenant, five_people, settings):
    settings.ENCRYPTION_KEY = Fernet.generate_key().decode()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ANPI_ENCRYPTION_KEY_OLD"):
        call_command("rotate_key", stdout=StringIO())


def test_values_read_with_a_wrong_key_raise_instead_of_showing_ciphertext(five_people, settings):
    settings.ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(crypto.DecryptionError):
        list(Person.objects.all())
