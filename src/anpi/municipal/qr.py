"""Invite QR codes: an SVG of a LINE link that opens the account's chat with the
invite code already typed (``line.me/R/oaMessage``); sending it joins the team.
Without the account's basic ID the code is printed for typing instead."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno

from anpi.groups.models import Invite


def invite_text(invite: Invite) -> str:
    return f"しょうたい {invite.code}"


def invite_url(invite: Invite, basic_id: str) -> str:
    if not basic_id:
        return ""
    return f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(invite_text(invite))}"


def invite_svg(invite: Invite, basic_id: str) -> str:
    payload = invite_url(invite, basic_id) or invite_text(invite)
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False)
    return out.getvalue().decode()
