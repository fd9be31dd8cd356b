"""The 「げんきです」 rich menu of a channel: a permanent button under every 1:1 chat,
in each person's language.

Layout (2500 × 843 px, LINE's "large, short" size): a large green area on the
left showing ``button_ok`` (「げんきです」, "I'm fine", …; postback
``anpi:genki:0`` in every language, with the label as displayText: a tap arrives
as a postback event with a reply token, ``conversation`` sends it to
``engine.early``), and a smaller settings area on the right (``settings_button``;
a message action: the person "says" the language's ``word_settings`` and gets
the settings link, as when typed).

``do_setup_rich_menu`` is idempotent: a channel whose menu LINE still has, with
this layout (its ``name`` carries the layout's version) and set as the default,
is left alone; otherwise a new menu is made, set as the default, stored in
``LineChannel.rich_menu_id``, and the old one deleted. That default is the
やさしい日本語 menu. The other languages' menus are made when first needed and
kept in ``LineChannel.rich_menu_ids``; ``sync_person_menu`` links a person to
the menu of their language, after the commit that changed it (docs/engine.md,
"The menu in the person's language").
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from django.db import transaction

from anpi.channels.line import richmenu as line_richmenu
from anpi.channels.line.richmenu import Area, MenuSpec, RichMenuError
from anpi.engine import messages as engine_messages
from anpi.engine.clock import get_clock
from anpi.engine.phrases import language_of, say
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

__all__ = [
    "GENKI_MENU",
    "RichMenuError",
    "do_setup_rich_menu",
    "menu_spec",
    "sync_person_menu",
    "sync_person_menu_after_commit",
]

#: What the right-hand area "says" in the chat (``people.textnorm.is_settings_text``).
SETTINGS_WORD = "せってい"
#: Bump the version when the layout or the image changes: channels get the new one.
MENU_NAME = "anpi げんきです v2"
#: The language of the channel's default menu (everyone without a menu of their own).
DEFAULT_LANGUAGE = "easy_ja"


def menu_name(language: str) -> str:
    """The menu's ``name`` on LINE: the layout's version, and the language unless default."""
    return MENU_NAME if language == DEFAULT_LANGUAGE else f"{MENU_NAME} {language}"


def menu_spec(language: str) -> MenuSpec:
    """The menu in ``language``: the big button's postback is the same in every
    language (``anpi:genki:0``); the settings area says the language's
    ``word_settings``, which the conversation understands (``language.says_word``)."""
    ok = say(language, "button_ok")
    settings_word = say(language, "word_settings").split("|")[0].strip()
    settings_label = say(language, "settings_button")
    return MenuSpec(
        name=menu_name(language),
        chat_bar_text=ok[:14],
        width=2500,
        height=843,
        areas=(
            Area(
                0,
                0,
                1700,
                843,
                ok,
                {
                    "type": "postback",
                    "data": engine_messages.postback_data("genki"),
                    "displayText": ok,
                    "label": ok[:20],
                },
            ),
            Area(
                1700,
                0,
                800,
                843,
                settings_label,
                {"type": "message", "text": settings_word, "label": settings_label[:20]},
                background="#E9ECEF",
                color="#343A40",
                text_scale=0.2,
            ),
        ),
        face="SC" if language == "zh" else "JP",
    )


GENKI_MENU = menu_spec(DEFAULT_LANGUAGE)

logger = logging.getLogger(__name__)

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
    _renew_language_menus(channel)
    return "created"


# the menu in each person's language -------------------------------------------------------
def _renew_language_menus(channel: LineChannel) -> None:
    """After a new default layout: the other languages' menus of the old layout
    go (their links with them), and everyone who speaks another language gets
    the new layout in it (made again as it is needed)."""
    stale = dict(channel.rich_menu_ids or {})
    if stale:
        LineChannel.objects.filter(pk=channel.pk).update(rich_menu_ids={})
        channel.rich_menu_ids = {}
        for menu_id in stale.values():
            try:
                line_richmenu.delete(channel.api_host, channel.access_token, menu_id)
            except RichMenuError:
                logger.warning("richmenu: could not delete the old menu %s", menu_id)
    speakers = (
        Person.objects.filter(channel=channel)
        .exclude(line_user_id="")
        .exclude(language=DEFAULT_LANGUAGE)
        .values_list("pk", flat=True)
    )
    for person_id in list(speakers):
        sync_person_menu(person_id)


def _language_menu(channel: LineChannel, language: str) -> str:
    """The channel's menu in ``language``: the stored one, or a new one (made
    over HTTP outside any transaction, then stored; if another process stored
    one meanwhile, theirs wins and ours is deleted)."""
    found = (channel.rich_menu_ids or {}).get(language)
    if found:
        return str(found)
    host, token = channel.api_host, channel.access_token
    spec = menu_spec(language)
    made = line_richmenu.create_with_image(host, token, spec, line_richmenu.render_image(spec))
    with transaction.atomic():
        locked = LineChannel.objects.select_for_update().get(pk=channel.pk)
        ids = dict(locked.rich_menu_ids or {})
        winner = ids.get(language)
        if not winner:
            ids[language] = made
            locked.rich_menu_ids = ids
            locked.save(update_fields=["rich_menu_ids"])
    channel.rich_menu_ids = ids
    if winner:
        line_richmenu.delete(host, token, made)
        return str(winner)
    audit.record(
        channel.tenant_id,
        Actor.system("anpi richmenu"),
        "richmenu.create",
        channel,
        get_clock().now(),
        rich_menu_id=made,
        language=language,
    )
    return made


def _forget(channel: LineChannel, language: str, menu_id: str) -> None:
    """LINE no longer has ``menu_id``: drop it (unless already replaced)."""
    with transaction.atomic():
        locked = LineChannel.objects.select_for_update().get(pk=channel.pk)
        ids = dict(locked.rich_menu_ids or {})
        if ids.get(language) == menu_id:
            del ids[language]
            locked.rich_menu_ids = ids
            locked.save(update_fields=["rich_menu_ids"])
    channel.rich_menu_ids = ids


def sync_person_menu(person_id: int) -> bool:
    """Show the person the menu in their language: their own link to the
    language's menu, or (easy_ja) no link of their own, so the channel's default.

    Call it outside any transaction (HTTP to LINE). Never raises: a failure is
    logged and the person keeps what LINE shows (at worst the default menu,
    which works in every language). Returns True when LINE took the change;
    nothing to do (no menu on the channel, no LINE user) is True too."""
    person = Person.objects.select_related("channel").filter(pk=person_id).first()
    if person is None or person.channel is None or not person.line_user_id:
        return True
    channel = person.channel
    if not channel.rich_menu_id:  # the channel has no menu at all
        return True
    language = language_of(person.language)
    host, token = channel.api_host, channel.access_token
    try:
        if language == DEFAULT_LANGUAGE:
            line_richmenu.unlink_user(host, token, person.line_user_id)
            return True
        for attempt in (1, 2):
            menu_id = _language_menu(channel, language)
            try:
                line_richmenu.link_user(host, token, person.line_user_id, menu_id)
                return True
            except RichMenuError as exc:
                if exc.status != 404 or attempt == 2:
                    raise
                _forget(channel, language, menu_id)  # LINE lost it: make it again
    except Exception:  # a menu is a convenience: never break the caller
        logger.exception("richmenu: could not show person %s the %s menu", person_id, language)
    return False


def sync_person_menu_after_commit(person: Person) -> None:
    """Call :func:`sync_person_menu` once the current transaction has committed
    (no lock is held across the HTTP calls); at once outside a transaction."""
    person_id = person.pk
    transaction.on_commit(lambda: sync_person_menu(person_id))
