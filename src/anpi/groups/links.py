"""Signed one-time links to a group's schedule page (like people.links).

The token carries the group id and its ``settings_nonce``; saving rotates the
nonce, so a link works once. Any member may ask for a link with 「せってい」.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from anpi.people.links import MAX_AGE, LinkError

from .models import Group

SALT = "anpi.groups.settings-link"

__all__ = ["LinkError", "group_from_token", "group_settings_url"]


def group_settings_token(group: Group) -> str:
    return signing.dumps({"g": group.pk, "n": group.settings_nonce}, salt=SALT, compress=True)


def group_settings_url(group: Group) -> str:
    return settings.BASE_URL + reverse("groups:settings", args=[group_settings_token(group)])


def group_from_token(token: str) -> Group:
    """The group a settings token belongs to, or LinkError (expired, used, forged)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    group = Group.objects.select_related("tenant").filter(pk=data.get("g")).first()
    if group is None or group.settings_nonce != data.get("n") or group.status == Group.Status.LEFT:
        raise LinkError("used")
    return group
