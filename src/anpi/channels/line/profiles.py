"""Names from LINE: a user's, a group's and a group member's display names
(the one place anpi asks LINE for a name).

Group summary and member profile work for any account (LINE.md). These calls
are best-effort: a name is nice to have, never worth failing an event for, so
any error gives "" and the caller keeps what it knows.
"""

from __future__ import annotations

import logging

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


def user_name(host: str, token: str, user_id: str) -> str:
    """A 1:1 user's display name (``GET /v2/bot/profile/{userId}``), or ""."""
    try:
        return _api(host, token).get_profile(user_id, _request_timeout=TIMEOUT).display_name
    except Exception:  # noqa: BLE001 - best effort
        log.info("profile of %s unavailable", user_id)
        return ""
