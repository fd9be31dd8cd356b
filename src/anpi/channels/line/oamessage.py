"""Links that open a LINE official account's chat with a message already typed,
and QR codes of them for paper.

LINE URL scheme (developers.line.biz, "Using LINE features with the LINE URL
scheme", *Sending text messages to official accounts*):
``https://line.me/R/oaMessage/{LINE ID}/?{text}`` where the basic ID keeps its
``@`` and the text is percent-encoded UTF-8. Tapping (or scanning) it opens the
chat with the text in the input field; the user still taps send, so nothing is
sent on their behalf.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import segno


def oa_message_url(basic_id: str, text: str) -> str:
    """The link that opens ``basic_id``'s chat with ``text`` typed in; "" when
    the account's basic ID is not known (then the text is printed for typing)."""
    if not basic_id:
        return ""
    return f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(text)}"


def qr_svg(payload: str, scale: int = 6) -> str:
    """An inline SVG QR code (segno, error correction M) of ``payload``;
    ``scale`` is the size of one module in px."""
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False)
    return out.getvalue().decode()
