"""Invite QR codes: an SVG of a LINE link that opens the account's chat with the
invite code already typed (``line.me/R/oaMessage``); sending it joins the team.
Without the account's basic ID the code is printed for typing instead."""

from __future__ import annotations

from anpi.channels.line.oamessage import oa_message_url, qr_svg
from anpi.groups.models import Invite


def invite_text(invite: Invite) -> str:
    return f"しょうたい {invite.code}"


def invite_url(invite: Invite, basic_id: str) -> str:
    return oa_message_url(basic_id, invite_text(invite))


def invite_svg(invite: Invite, basic_id: str) -> str:
    return qr_svg(invite_url(invite, basic_id) or invite_text(invite))
