"""Encrypt the phone numbers and e-mail addresses already stored in plain text,
fill their lookup hashes, and record the consents given before consent records
existed.

Batched by primary key (500 rows a batch) through plain SQL: the historical
model's fields would try to decrypt the plain text. A value that already opens
with the current key is left alone, so running this again (or after a partial
run) changes nothing twice.
"""

from django.db import migrations

BATCH = 500
COLUMNS = {
    "people_person": [("phone", "phone_hash", "phone")],
    "people_contact": [("phone", "phone_hash", "phone"), ("email", "email_hash", "email")],
}
# What ticking the settings form's agreement meant before consents were recorded.
BACKFILL_TERMS = "before-consent-records"


def _encrypt_table(cursor, qn, table, columns):
    from anpi.people.phones import email_lookup_key, phone_lookup_key
    from anpi.tenants import crypto

    keys = {"phone": phone_lookup_key, "email": email_lookup_key}
    names = ", ".join(qn(c) for c, _, _ in columns)
    last = 0
    while True:
        cursor.execute(
            f"SELECT id, {names} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",
            [last, BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        for row in rows:
            last = row[0]
            sets, params = [], []
            for (column, hash_column, kind), value in zip(columns, row[1:], strict=True):
                value = value or ""
                if crypto.opens_with_current_key(value):
                    continue  # empty, or already encrypted
                sets += [f"{qn(column)} = %s", f"{qn(hash_column)} = %s"]
                params += [crypto.encrypt(value), crypto.lookup_hash(keys[kind](value))]
            if sets:
                cursor.execute(
                    f"UPDATE {qn(table)} SET {', '.join(sets)} WHERE id = %s", [*params, last]
                )


def encrypt_rows(apps, schema_editor):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            _encrypt_table(cursor, qn, table, columns)


def backfill_consents(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Contact = apps.get_model("people", "Contact")
    Consent = apps.get_model("people", "Consent")
    Tenant = apps.get_model("tenants", "Tenant")
    municipal = set(Tenant.objects.filter(kind="municipal").values_list("id", flat=True))
    rows = (
        Person.objects.filter(consent_at__isnull=False, consents__isnull=True)
        .values_list("id", "tenant_id", "consent_at")
        .order_by("id")
    )
    batch = []
    for pk, tenant_id, consent_at in rows.iterator(chunk_size=BATCH):
        purposes = ["safety_check", "notify_contacts"]
        recipients = ["staff", "contacts"]
        if tenant_id in municipal:
            purposes += ["share_watchers", "city_report"]
            recipients += ["minsei", "team", "city"]
        batch.append(
            Consent(
                tenant_id=tenant_id,
                person_id=pk,
                purposes=purposes,
                recipients=recipients,
                terms_version=BACKFILL_TERMS,
                given_at=consent_at,
                given_via="settings_page",
            )
        )
        if len(batch) >= BATCH:
            Consent.objects.bulk_create(batch)
            batch = []
    contacts = (
        Contact.objects.filter(confirmed_at__isnull=False, declined_at__isnull=True)
        .filter(consents__isnull=True)
        .values_list("id", "tenant_id", "person_id", "confirmed_at")
        .order_by("id")
    )
    for pk, tenant_id, person_id, confirmed_at in contacts.iterator(chunk_size=BATCH):
        batch.append(
            Consent(
                tenant_id=tenant_id,
                person_id=person_id,
                for_contact=True,
                contact_id=pk,
                purposes=["be_contacted"],
                recipients=["staff"],
                terms_version=BACKFILL_TERMS,
                given_at=confirmed_at,
                given_via="contact_page",
            )
        )
        if len(batch) >= BATCH:
            Consent.objects.bulk_create(batch)
            batch = []
    Consent.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_encrypted_fields_notes_consent"),
        ("tenants", "0007_retention_and_key_rotation"),
    ]

    operations = [
        # Not reversible: decrypting back to plain text is not a path to offer.
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(backfill_consents, migrations.RunPython.noop),
    ]
