"""A channel's rich menu on LINE, through the official SDK, and its image.

The calls (LINE.md, messaging-api.yml):

- ``MessagingApi.create_rich_menu`` — ``POST /v2/bot/richmenu`` → ``richMenuId``;
- ``MessagingApiBlob.set_rich_menu_image`` — ``POST /v2/bot/richmenu/{id}/content``
  on the **data host** (``api-data.line.me``; with ``Configuration(host=…)`` both
  hosts are the simulator), PNG or JPEG, ≤ 1 MB, the menu's exact pixel size;
- ``MessagingApi.set_default_rich_menu`` — ``POST /v2/bot/user/all/richmenu/{id}``
  (everyone who has no menu of their own), or ``link_rich_menu_id_to_user``;
- ``unlink_rich_menu_id_from_user`` — ``DELETE /v2/bot/user/{userId}/richmenu``;
- ``get_rich_menu``, ``get_default_rich_menu_id``, ``delete_rich_menu``.

The image is drawn here with Pillow: coloured areas with one large Japanese word
each, in Noto Sans CJK (Debian's ``fonts-noto-cjk``; found with ``fc-match`` or at
its known paths). A missing font is a :class:`RichMenuError` that says what to install.

This module knows nothing of persons or checks: the caller (``individual.richmenu``)
decides the areas and their actions.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)

#: LINE's image rules (LINE.md): 800–2500 px wide, ≥ 250 high, w/h ≥ 1.45, ≤ 1 MB.
MAX_IMAGE_BYTES = 1024 * 1024
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
)
TIMEOUT = (5, 30)


class RichMenuError(Exception):
    """The menu could not be made: a missing font, or LINE refused a call."""

    #: LINE's HTTP status when LINE refused (404: it no longer has the menu)
    status: int | None = None


@dataclass(frozen=True)
class Area:
    """One tappable area: its bounds in pixels, what it shows and what a tap does.

    ``action`` is a LINE action object (``{"type": "postback", "data": …}`` or
    ``{"type": "message", "text": …}``)."""

    x: int
    y: int
    width: int
    height: int
    label: str
    action: dict[str, Any]
    background: str = "#06C755"
    color: str = "#FFFFFF"
    #: the label's height as a share of the area's height
    text_scale: float = 0.36


@dataclass(frozen=True)
class MenuSpec:
    """What to create: ``RichMenuRequest`` fields and the areas to draw."""

    name: str
    chat_bar_text: str
    width: int
    height: int
    areas: tuple[Area, ...]
    selected: bool = True
    #: which face of the Noto Sans CJK collection draws the labels: JP (kana,
    #: Japanese kanji, Latin incl. Vietnamese), SC (simplified Chinese glyph forms)
    face: str = "JP"

    def request(self) -> dict[str, Any]:
        """The ``RichMenuRequest`` JSON."""
        return {
            "size": {"width": self.width, "height": self.height},
            "selected": self.selected,
            "name": self.name,
            "chatBarText": self.chat_bar_text,
            "areas": [
                {
                    "bounds": {"x": a.x, "y": a.y, "width": a.width, "height": a.height},
                    "action": a.action,
                }
                for a in self.areas
            ],
        }


# the image --------------------------------------------------------------------------------
def find_cjk_font() -> str:
    """The path of a Noto Sans CJK font file; RichMenuError if there is none."""
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "--format=%{file}", "Noto Sans CJK JP:style=Bold"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if "NotoSansCJK" in found and Path(found).exists():
            return found
    for path in FONT_PATHS:
        if Path(path).exists():
            return path
    raise RichMenuError(
        "The Japanese font Noto Sans CJK is missing: install it with "
        "`apt-get install fonts-noto-cjk` (needed to draw the rich menu's image)."
    )


def _face_index(path: str, face: str) -> int:
    """The index of ``Noto Sans CJK <face>`` in the font collection (0, the first
    face, when it is not one or has no such face)."""
    from PIL import ImageFont

    if not path.endswith(".ttc"):
        return 0
    for index in range(5):
        try:
            name = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        if name.endswith(f" {face}"):
            return index
    return 0


def render_image(spec: MenuSpec, font_path: str | None = None) -> bytes:
    """The menu's PNG: each area filled with its colour, its label centred in it.

    Raises RichMenuError when the font is missing or the PNG would exceed 1 MB."""
    from PIL import Image, ImageDraw, ImageFont

    path = font_path or find_cjk_font()
    index = _face_index(path, spec.face)
    image = Image.new("RGB", (spec.width, spec.height), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    for area in spec.areas:
        box = (area.x, area.y, area.x + area.width - 1, area.y + area.height - 1)
        draw.rectangle(box, fill=area.background, outline="#FFFFFF", width=8)
        size = int(area.height * area.text_scale)
        font = ImageFont.truetype(path, size, index=index)
        while size > 20 and draw.textlength(area.label, font=font) > area.width * 0.86:
            size = int(size * 0.9)
            font = ImageFont.truetype(path, size, index=index)
        center = (area.x + area.width / 2, area.y + area.height / 2)
        draw.text(center, area.label, font=font, fill=area.color, anchor="mm")
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise RichMenuError(f"the rich menu image is {len(data)} bytes, over LINE's 1 MB")
    return data


# LINE -------------------------------------------------------------------------------------
def _client(host: str, token: str) -> ApiClient:
    host = host.rstrip("/")
    config = (
        Configuration(access_token=token, host=host) if host else Configuration(access_token=token)
    )
    return ApiClient(config)


def _refused(what: str, exc: ApiException) -> RichMenuError:
    error = RichMenuError(f"LINE refused to {what}: HTTP {exc.status} {exc.body!r}")
    error.status = exc.status
    return error


def create_with_image(host: str, token: str, spec: MenuSpec, image: bytes) -> str:
    """Create the menu and upload its image; returns the new ``richMenuId``.

    If the upload fails, the half-made menu is deleted (best effort) and
    RichMenuError raised, so no imageless menu is left behind."""
    with _client(host, token) as client:
        api, blob = MessagingApi(client), MessagingApiBlob(client)
        try:
            menu_id = api.create_rich_menu(
                RichMenuRequest.from_dict(spec.request()), _request_timeout=TIMEOUT
            ).rich_menu_id
        except ApiException as exc:
            raise _refused("create the rich menu", exc) from exc
        try:
            blob.set_rich_menu_image(
                menu_id, image, _headers={"Content-Type": "image/png"}, _request_timeout=TIMEOUT
            )
        except ApiException as exc:
            try:
                api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
            except ApiException:
                pass
            raise _refused("take the rich menu's image", exc) from exc
        return menu_id


def set_default(host: str, token: str, menu_id: str) -> None:
    """Show ``menu_id`` to every user without a menu of their own."""
    with _client(host, token) as client:
        try:
            MessagingApi(client).set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
        except ApiException as exc:
            raise _refused("set the default rich menu", exc) from exc


def link_user(host: str, token: str, user_id: str, menu_id: str) -> None:
    """Show ``menu_id`` to one user (beats the default)."""
    with _client(host, token) as client:
        try:
            MessagingApi(client).link_rich_menu_id_to_user(
                user_id, menu_id, _request_timeout=TIMEOUT
            )
        except ApiException as exc:
            raise _refused("link the rich menu", exc) from exc


def unlink_user(host: str, token: str, user_id: str) -> None:
    """Take the user's own menu away: the default shows again."""
    with _client(host, token) as client:
        try:
            MessagingApi(client).unlink_rich_menu_id_from_user(user_id, _request_timeout=TIMEOUT)
        except ApiException as exc:
            raise _refused("unlink the rich menu", exc) from exc


def current(host: str, token: str, menu_id: str) -> tuple[str | None, bool]:
    """``(name, is_default)`` of ``menu_id`` on LINE; ``(None, False)`` if LINE no
    longer has it (404)."""
    with _client(host, token) as client:
        api = MessagingApi(client)
        try:
            name = api.get_rich_menu(menu_id, _request_timeout=TIMEOUT).name
        except ApiException as exc:
            if exc.status == 404:
                return None, False
            raise _refused("show the rich menu", exc) from exc
        try:
            default = api.get_default_rich_menu_id(_request_timeout=TIMEOUT).rich_menu_id
        except ApiException as exc:
            if exc.status != 404:
                raise _refused("show the default rich menu", exc) from exc
            default = None
        return name, default == menu_id


def delete(host: str, token: str, menu_id: str) -> bool:
    """Delete a menu (its links go with it); False if LINE did not have it."""
    with _client(host, token) as client:
        try:
            MessagingApi(client).delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
        except ApiException as exc:
            if exc.status == 404:
                return False
            raise _refused("delete the rich menu", exc) from exc
        return True
