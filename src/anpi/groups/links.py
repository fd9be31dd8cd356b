"""Signed one-time links to a group's schedule page (signed with people.links).

The token carries the group id and its ``settings_nonce``; saving rotates the
nonce, so a link works once. Any member may ask for a link with 「せってい」.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from anpi.engine.clock import get_clock
from anpi.people.links import LinkError, read_link, sign_link

from .models import Group

SALT = "anpi.groups.settings-link"

__all__ = ["LinkError", "group_from_token", "group_settings_url"]


def group_settings_token(group: Group) -> str:
    return sign_link(SALT, group.pk, group.settings_nonce, now=get_clock().now())


def group_settings_url(group: Group) -> str:
    return settings.BASE_URL + reverse("groups:settings", args=[group_settings_token(group)])


def group_from_token(token: str) -> Group:
    """The group a settings token belongs to, or LinkError (expired, used, forged)."""
    pk, nonce = read_link(SALT, token, now=get_clock().now())
    group = Group.objects.select_related("tenant").filter(pk=pk).first()
    if group is None or group.settings_nonce != nonce or group.status == Group.Status.LEFT:
        raise LinkError("used")
    return group
