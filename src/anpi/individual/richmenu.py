"""The 「げんきです」 rich menu of a channel: a permanent button under every 1:1 chat.

Layout (2500 × 843 px, LINE's "large, short" size): a large green 「げんきです」
area on the left (postback ``anpi:genki:0`` with displayText 「げんきです」: a tap
arrives as a postback event with a reply token, ``conversation`` sends it to
``engine.early``), and a smaller 「せってい」 area on the right (a message action:
the person "says" 「せってい」 and gets the settings link, as when typed).

``do_setup_rich_menu`` is idempotent: a channel whose menu LINE still has, with
this layout (its ``name`` carries the layout's version) and set as the default,
is left alone; otherwise a new menu is made, set as the default, stored in
``LineChannel.rich_menu_id``, and the old one deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from anpi.channels.line import richmenu as line_richmenu
from anpi.channels.line.richmenu import Area, MenuSpec, RichMenuError
from anpi.engine import messages as engine_messages
from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

__all__ = ["GENKI_MENU", "RichMenuError", "do_setup_rich_menu"]

#: What the right-hand area "says" in the chat (``people.textnorm.is_settings_text``).
SETTINGS_WORD = "せってい"
#: Bump the version when the layout or the image changes: channels get the new one.
MENU_NAME = "anpi げんきです v1"

GENKI_MENU = MenuSpec(
    name=MENU_NAME,
    chat_bar_text="げんきです",
    width=2500,
    height=843,
    areas=(
        Area(
            0,
            0,
            1700,
            843,
            engine_messages.OK_LABEL,
            {
                "type": "postback",
                "data": engine_messages.postback_data("genki"),
                "displayText": engine_messages.OK_LABEL,
                "label": engine_messages.OK_LABEL,
            },
        ),
        Area(
            1700,
            0,
            800,
            843,
            SETTINGS_WORD,
            {"type": "message", "text": SETTINGS_WORD, "label": SETTINGS_WORD},
            background="#E9ECEF",
            color="#343A40",
            text_scale=0.2,
        ),
    ),
)

Outcome = Literal["created", "unchanged"]


def do_setup_rich_menu(
    channel: LineChannel, actor: Actor, now: datetime, *, image: bytes | None = None
) -> Outcome:
    """Make sure ``channel`` shows the 「げんきです」 menu to everyone.

    Returns ``"unchanged"`` when LINE already shows this layout as the default,
    ``"created"`` after making a new one (audit row ``richmenu.create``). HTTP to
    LINE happens outside any transaction; only the final save is a write.
    ``image`` (tests) skips drawing. Raises RichMenuError (missing font, LINE
    refused) with the channel unchanged.
    """
    host, token = channel.api_host, channel.access_token
    old = channel.rich_menu_id
    if old:
        name, is_default = line_richmenu.current(host, token, old)
        if name == MENU_NAME:
            if not is_default:
                line_richmenu.set_default(host, token, old)
            return "unchanged"
    data = image if image is not None else line_richmenu.render_image(GENKI_MENU)
    menu_id = line_richmenu.create_with_image(host, token, GENKI_MENU, data)
    line_richmenu.set_default(host, token, menu_id)
    LineChannel.objects.filter(pk=channel.pk).update(rich_menu_id=menu_id)
    channel.rich_menu_id = menu_id
    audit.record(
        channel.tenant_id, actor, "richmenu.create", channel, now, rich_menu_id=menu_id, old=old
    )
    if old:
        line_richmenu.delete(host, token, old)
    return "created"
