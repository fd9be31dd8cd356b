"""Request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (set explicitly, 1 MiB by
default, ANPI_MAX_BODY_BYTES) are refused with 413 before anything reads or
stores them (tenants.middleware.BodyLimitMiddleware; Django's own
RequestDataTooBig stays behind it as a 400)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.conf import settings
from django.urls import reverse

from anpi.engine.models import Inbox
from anpi.individual.links import settings_token

pytestmark = pytest.mark.django_db

OVER = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def test_the_limit_is_set_explicitly_to_one_mebibyte():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


def test_a_signed_webhook_body_under_the_limit_is_accepted(client, channel):
    body = b'{"destination": "x", "events": []' + b" " * 1000 + b"}"
    digest = hmac.new(channel.channel_secret.encode(), body, hashlib.sha256).digest()
    response = client.post(
        channel.webhook_path(),
        body,
        content_type="application/json",
        HTTP_X_LINE_SIGNATURE=base64.b64encode(digest).decode(),
    )
    assert response.status_code == 200


def test_a_login_form_over_the_limit_is_refused(client):
    response = client.post("/login/", {"username": "x" * OVER, "password": "y"})
    assert response.status_code == 413


def test_a_webhook_body_over_the_limit_is_refused_and_stores_nothing(client, channel):
    body = b'{"destination": "x", "events": [' + b" " * OVER + b"]}"
    # Correctly signed: the 400 is the size, not the signature.
    digest = hmac.new(channel.channel_secret.encode(), body, hashlib.sha256).digest()
    response = client.post(
        channel.webhook_path(),
        body,
        content_type="application/json",
        HTTP_X_LINE_SIGNATURE=base64.b64encode(digest).decode(),
    )
    assert response.status_code == 413
    assert not Inbox.objects.exists()


def test_a_settings_form_over_the_limit_is_refused_and_saves_nothing(client, make_person):
    person = make_person("はなこ")
    response = client.post(
        reverse("individual:settings", args=[settings_token(person)]),
        {"nickname": "あ" * OVER, "agree": "on"},
    )
    assert response.status_code == 413
    person.refresh_from_db()
    assert person.nickname == "はなこ"


def test_a_staff_form_over_the_limit_is_refused(client, tenant_admin):
    client.force_login(tenant_admin)
    response = client.post("/m/policies/new/", {"name": "x", "steps": "[" + " " * OVER + "]"})
    assert response.status_code == 413

