"""Phone numbers, e-mail addresses and notes are encrypted at rest; equality
search goes through keyed hashes; the old plain rows are encrypted by a migration."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from anpi.people.lookups import contacts_with_email
from anpi.people.models import Contact, Person
from anpi.tenants import crypto

from .conftest import raw_column

pytestmark = pytest.mark.django_db


def test_a_persons_phone_and_notes_are_stored_encrypted_and_read_back_in_clear(make_person):
    person = make_person("はなこ", phone="+819012345678", notes="鍵は植木鉢の下")
    stored = raw_column(Person, person.pk, "phone")
    assert "9012345678" not in stored and stored.startswith("gAAAAA")
    assert "植木鉢" not in raw_column(Person, person.pk, "notes")
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "+819012345678"
    assert fresh.notes == "鍵は植木鉢の下"


def test_a_contacts_phone_and_email_are_stored_encrypted(make_person):
    person = make_person(
        contacts=[
            {
                "name": "一郎",
                "relation": "長男",
                "phone": "+819087654321",
                "email": "Ichiro@Example.jp",
            }
        ]
    )
    contact = person.contacts.get()
    assert "ichiro" not in raw_column(Contact, contact.pk, "email").lower()
    assert "87654321" not in raw_column(Contact, contact.pk, "phone")
    assert Contact.objects.get(pk=contact.pk).email == "Ichiro@Example.jp"


def test_an_empty_phone_stays_empty_so_people_without_one_can_be_listed(make_person):
    make_person("でんわなし", phone="")
    assert Person.objects.filter(phone="").count() == 1


def test_filtering_an_encrypted_column_by_its_value_is_refused_not_silently_empty(make_person):
    make_person("はなこ")
    with pytest.raises(FieldError):
        list(Person.objects.filter(phone="+819012345678"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(phone__icontains="1234"))


def test_a_contact_is_found_by_email_in_any_case_and_width(tenant, make_person):
    make_person(contacts=[{"name": "一郎", "relation": "長男", "email": "ichiro@example.jp"}])
    assert contacts_with_email(tenant.pk, "ICHIRO@example.jp").count() == 1
    assert contacts_with_email(tenant.pk, "ｉｃｈｉｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").count() == 1
    assert contacts_with_email(tenant.pk, "jiro@example.jp").count() == 0


def test_the_lookup_hash_is_keyed_so_a_copied_database_cannot_test_guesses(make_person, settings):
    person = make_person(phone="+819012345678")
    import hashlib

    assert person.phone_hash != hashlib.sha256(b"819012345678").hexdigest()
    before = person.phone_hash
    settings.ENCRYPTION_KEY = crypto.Fernet.generate_key().decode()
    assert crypto.lookup_hash("819012345678") != before


def test_the_dashboard_finds_a_person_by_the_whole_number_written_any_way(
    operator_client, make_person
):
    make_person("はなこ", phone="+819012345678")
    make_person("たろう", phone="+819011112222")
    for typed in ["090-1234-5678", "09012345678", "+81 90 1234 5678", "０９０ー１２３４ー５６７８"]:
        page = operator_client.get("/people/", {"q": typed}).content.decode()
        assert "はなこ" in page and "たろう" not in page, typed


def test_a_part_of_a_number_finds_nobody_because_only_hashes_can_be_compared(
    operator_client, make_person
):
    make_person("はなこ", phone="+819012345678")
    page = operator_client.get("/people/", {"q": "5678"}).content.decode()
    assert "はなこ" not in page


def test_the_migration_encrypts_plain_rows_and_running_it_again_changes_nothing(make_person):
    person = make_person("はなこ")
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:  # a row as it was before encryption
        cursor.execute(
            f"UPDATE {qn('people_person')} SET {qn('phone')} = %s, {qn('phone_hash')} = '' WHERE id = %s",
            ["+819055556666", person.pk],
        )
    migration = importlib.import_module("anpi.people.migrations.0005_encrypt_existing_rows")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.encrypt_rows(None, editor)
    once = raw_column(Person, person.pk, "phone")
    migration.encrypt_rows(None, editor)
    assert raw_column(Person, person.pk, "phone") == once
    assert "55556666" not in once
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "+819055556666"
    assert Person.objects.filter(
        pk=person.pk, phone_hash=crypto.lookup_hash("819055556666")
    ).exists()
