"""Names from LINE: a user's, a group's and a group member's display names
(the one place anpi asks LINE for a name), and a user's language.

Group summary and member profile work for any account (LINE.md). These calls
are best-effort: a name or a language is nice to have, never worth failing an
event for, so any error gives "" and the caller keeps what it knows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .transport import _api

log = logging.getLogger(__name__)
TIMEOUT = (2, 5)


def group_name(host: str, token: str, group_id: str) -> str:
    try:
        return _api(host, token).get_group_summary(group_id, _request_timeout=TIMEOUT).group_name
    except Exception:  # noqa: BLE001 - best effort
        log.info("group summary of %s unavailable", group_id)
        return ""


def group_member_name(host: str, token: str, group_id: str, user_id: str) -> str:
    try:
        profile = _api(host, token).get_group_member_profile(
            group_id, user_id, _request_timeout=TIMEOUT
        )
        return profile.display_name
    except Exception:  # noqa: BLE001 - best effort
        log.info("member profile of %s in %s unavailable", user_id, group_id)
        return ""


@dataclass(frozen=True)
class UserProfile:
    """What anpi reads of a 1:1 user's profile; "" for what LINE did not give."""

    display_name: str = ""
    # A BCP 47 tag ("ja", "en", "zh-Hant" …), only if the user agreed to LINE's
    # privacy policy; LINE leaves it out otherwise.
    language: str = ""


def user_profile(host: str, token: str, user_id: str) -> UserProfile:
    """A 1:1 user's profile (``GET /v2/bot/profile/{userId}``); an empty one on
    any error (not a friend, LINE down, timeout)."""
    try:
        profile = _api(host, token).get_profile(user_id, _request_timeout=TIMEOUT)
    except Exception:  # noqa: BLE001 - best effort
        log.info("profile of %s unavailable", user_id)
        return UserProfile()
    return UserProfile(profile.display_name or "", profile.language or "")


def user_name(host: str, token: str, user_id: str) -> str:
    """A 1:1 user's display name, or ""."""
    return user_profile(host, token, user_id).display_name
