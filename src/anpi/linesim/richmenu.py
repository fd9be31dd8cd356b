"""Rich menus: the Messaging API's rich-menu endpoints, answered the way LINE does.

Sources: LINE's OpenAPI spec (``shared/line-openapi/messaging-api.yml``, operations
createRichMenu, getRichMenu, getRichMenuList, deleteRichMenu, setRichMenuImage,
getRichMenuImage, setDefaultRichMenu, getDefaultRichMenuId, cancelDefaultRichMenu,
linkRichMenuIdToUser, getRichMenuIdOfUser, unlinkRichMenuIdFromUser) and LINE.md.

- A rich menu (``RichMenuRequest``): ``size`` {width 800–2500, height ≥ 250,
  width/height ≥ 1.45}, ``selected`` (boolean), ``name`` (1–300 characters),
  ``chatBarText`` (1–14 characters), ``areas`` (1–20 ``{bounds, action}``, each area
  inside the menu, each action as in a message). Invalid → 400 with LINE's error
  body ``{"message": "The request body has N error(s)", "details": [...]}``.
- Its image goes to the *data host* (``api-data.line.me``) at
  ``/v2/bot/richmenu/{richMenuId}/content``: ``Content-Type`` image/png or image/jpeg
  (else 415), at most 1 MB (else 413), and the picture's pixel size must equal the
  menu's ``size`` (400). The size is read from the PNG/JPEG header: no imaging
  library. An image cannot be replaced (400) — LINE wants a new menu instead.
- A menu without an image cannot be linked to anyone (400 "must upload richmenu
  image before applying it to user").
- A user sees the menu linked to them, else the default menu (``/user/all``).
- Up to 1,000 menus per channel (LINE.md).

The state is per channel: ``Channel.rich_menus`` (id → :class:`RichMenu`),
``Channel.default_rich_menu`` and ``Channel.user_rich_menus`` (user id → menu id).
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from anpi.linesim.api import NOT_FOUND, Call, Result, route
from anpi.linesim.validation import REQUIRED, Errors, error_body, validate_action

MAX_MENUS = 1000
MAX_AREAS = 20
MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpeg"}
NO_IMAGE = "must upload richmenu image before applying it to user"


@dataclass
class RichMenu:
    rich_menu_id: str
    size: dict[str, int]
    selected: bool
    name: str
    chat_bar_text: str
    areas: list[dict[str, Any]]
    image: bytes | None = None
    content_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """LINE's ``RichMenuResponse``."""
        return {
            "richMenuId": self.rich_menu_id,
            "size": dict(self.size),
            "selected": self.selected,
            "name": self.name,
            "chatBarText": self.chat_bar_text,
            "areas": [dict(a) for a in self.areas],
        }


def new_rich_menu_id() -> str:
    return "richmenu-" + secrets.token_hex(16)


# image headers ----------------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None if ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's first start-of-frame marker, or None.

    Walks the marker segments from SOI: each is ``FF xx`` and a 2-byte length,
    except the standalone markers (RSTn, TEM) that have none."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            return None
        i += 2 + length
    return None


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    return png_size(data) if IMAGE_TYPES.get(content_type) == "png" else jpeg_size(data)


def size_errors(prop: str, width: Any, height: Any) -> Errors:
    """LINE's rich-menu size rules: 800–2500 px wide, ≥ 250 px high, w/h ≥ 1.45."""
    errors: Errors = []
    if isinstance(width, bool) or not isinstance(width, int):
        errors.append((f"{prop}.width", REQUIRED if width is None else "must be an integer"))
    elif not 800 <= width <= 2500:
        errors.append((f"{prop}.width", "must be between 800 and 2500"))
    if isinstance(height, bool) or not isinstance(height, int):
        errors.append((f"{prop}.height", REQUIRED if height is None else "must be an integer"))
    elif height < 250:
        errors.append((f"{prop}.height", "must be at least 250"))
    if not errors and width / height < 1.45:
        errors.append((prop, "width/height must be at least 1.45"))
    return errors


# validation -------------------------------------------------------------------------------
def _text(errors: Errors, body: dict[str, Any], key: str, high: int) -> None:
    value = body.get(key)
    if value is None:
        errors.append((key, REQUIRED))
    elif not isinstance(value, str):
        errors.append((key, "must be a string"))
    elif not 1 <= len(value) <= high:
        errors.append((key, f"Length must be between 1 and {high}"))


def _bounds(errors: Errors, prop: str, bounds: Any, size: tuple[int, int] | None) -> None:
    if not isinstance(bounds, dict):
        errors.append((prop, REQUIRED))
        return
    values: dict[str, int] = {}
    for key, low in (("x", 0), ("y", 0), ("width", 1), ("height", 1)):
        value = bounds.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append((f"{prop}.{key}", REQUIRED if value is None else "must be an integer"))
        elif value < low:
            errors.append((f"{prop}.{key}", f"must be at least {low}"))
        else:
            values[key] = value
    if size is not None and len(values) == 4:
        if values["x"] + values["width"] > size[0] or values["y"] + values["height"] > size[1]:
            errors.append((prop, "The area is outside the rich menu"))


def validate_rich_menu(body: dict[str, Any]) -> Errors:
    """Errors of a ``RichMenuRequest`` body, as ``(property, message)`` pairs."""
    errors: Errors = []
    size = body.get("size")
    menu_size: tuple[int, int] | None = None
    if not isinstance(size, dict):
        errors.append(("size", REQUIRED))
    else:
        found = size_errors("size", size.get("width"), size.get("height"))
        errors.extend(found)
        if not found:
            menu_size = (size["width"], size["height"])
    if not isinstance(body.get("selected"), bool):
        errors.append(
            ("selected", REQUIRED if body.get("selected") is None else "must be a boolean")
        )
    _text(errors, body, "name", 300)
    _text(errors, body, "chatBarText", 14)
    areas = body.get("areas")
    if not isinstance(areas, list):
        errors.append(("areas", REQUIRED if areas is None else "must be an array"))
        return errors
    if not 1 <= len(areas) <= MAX_AREAS:
        errors.append(("areas", f"Size must be between 1 and {MAX_AREAS}"))
    for i, area in enumerate(areas):
        prop = f"areas[{i}]"
        if not isinstance(area, dict):
            errors.append((prop, "must be an object"))
            continue
        _bounds(errors, f"{prop}.bounds", area.get("bounds"), menu_size)
        validate_action(errors, f"{prop}.action", area.get("action"), label_required=False)
    return errors


# endpoints --------------------------------------------------------------------------------
def _menu(call: Call) -> RichMenu | None:
    return call.channel.rich_menus.get(call.request.match_info["richMenuId"])


async def _create(call: Call) -> Result:
    errors = validate_rich_menu(call.body)
    if errors:
        return Result(400, error_body(errors))
    body = call.body
    with call.sim.state.lock:
        if len(call.channel.rich_menus) >= MAX_MENUS:
            return Result(400, {"message": "The maximum number of rich menus has been reached"})
        menu = RichMenu(
            new_rich_menu_id(),
            {"width": body["size"]["width"], "height": body["size"]["height"]},
            body["selected"],
            body["name"],
            body["chatBarText"],
            body["areas"],
        )
        call.channel.rich_menus[menu.rich_menu_id] = menu
    return Result(200, {"richMenuId": menu.rich_menu_id}, accepted=True)


async def _validate(call: Call) -> Result:
    errors = validate_rich_menu(call.body)
    return Result(400, error_body(errors)) if errors else Result(200, {})


async def _get(call: Call) -> Result:
    menu = _menu(call)
    return Result(200, menu.to_json()) if menu else Result(404, dict(NOT_FOUND))


async def _list(call: Call) -> Result:
    with call.sim.state.lock:
        menus = [m.to_json() for m in call.channel.rich_menus.values()]
    return Result(200, {"richmenus": menus})


async def _delete(call: Call) -> Result:
    channel = call.channel
    with call.sim.state.lock:
        menu = channel.rich_menus.pop(call.request.match_info["richMenuId"], None)
        if menu is None:
            return Result(404, dict(NOT_FOUND))
        if channel.default_rich_menu == menu.rich_menu_id:
            channel.default_rich_menu = None
        for user_id in [u for u, m in channel.user_rich_menus.items() if m == menu.rich_menu_id]:
            del channel.user_rich_menus[user_id]
    return Result(200, {}, accepted=True)


async def _upload(call: Call) -> Result:
    """setRichMenuImage on the data host: 415, 413, 404, 400 in LINE's order."""
    content_type = call.request.content_type
    if content_type not in IMAGE_TYPES:
        return Result(415, {"message": "Unsupported Media Type"})
    data = await call.request.read()
    if len(data) > MAX_IMAGE_BYTES:
        return Result(413, {"message": "Request Entity Too Large"})
    menu = _menu(call)
    if menu is None:
        return Result(404, dict(NOT_FOUND))
    size = image_size(data, content_type)
    if size is None:
        return Result(400, {"message": f"the image is not a valid {IMAGE_TYPES[content_type]}"})
    errors = size_errors("image", *size)
    if errors:
        return Result(400, error_body(errors))
    if size != (menu.size["width"], menu.size["height"]):
        return Result(
            400,
            {
                "message": "The image size does not match the rich menu size "
                f"({size[0]}x{size[1]} ≠ {menu.size['width']}x{menu.size['height']})"
            },
        )
    with call.sim.state.lock:
        if menu.image is not None:
            return Result(400, {"message": "An image has already been uploaded to the richmenu"})
        menu.image, menu.content_type = data, content_type
    return Result(200, {}, accepted=True)


async def _download(call: Call) -> Result:
    menu = _menu(call)
    if menu is None or menu.image is None:
        return Result(404, dict(NOT_FOUND))
    return Result(200, {}, raw=menu.image, content_type=menu.content_type)


def _linkable(call: Call) -> tuple[RichMenu | None, Result | None]:
    menu = _menu(call)
    if menu is None:
        return None, Result(404, dict(NOT_FOUND))
    if menu.image is None:
        return None, Result(400, {"message": NO_IMAGE})
    return menu, None


async def _set_default(call: Call) -> Result:
    menu, refused = _linkable(call)
    if refused or menu is None:
        return refused or Result(404, dict(NOT_FOUND))
    with call.sim.state.lock:
        call.channel.default_rich_menu = menu.rich_menu_id
    return Result(200, {}, accepted=True)


async def _get_default(call: Call) -> Result:
    found = call.channel.default_rich_menu
    return Result(200, {"richMenuId": found}) if found else Result(404, dict(NOT_FOUND))


async def _cancel_default(call: Call) -> Result:
    with call.sim.state.lock:
        call.channel.default_rich_menu = None
    return Result(200, {}, accepted=True)


def _known_user(call: Call) -> str | None:
    user_id = call.request.match_info["userId"]
    return user_id if user_id in call.sim.state.users else None


async def _link_user(call: Call) -> Result:
    user_id = _known_user(call)
    if user_id is None:
        return Result(400, {"message": "The property, 'userId', is invalid"})
    menu, refused = _linkable(call)
    if refused or menu is None:
        return refused or Result(404, dict(NOT_FOUND))
    with call.sim.state.lock:
        call.channel.user_rich_menus[user_id] = menu.rich_menu_id
    return Result(200, {}, accepted=True)


async def _get_user(call: Call) -> Result:
    """getRichMenuIdOfUser: the menu linked to the user only (not the default)."""
    found = call.channel.user_rich_menus.get(call.request.match_info["userId"])
    if found is None:
        return Result(404, {"message": "the user has no richmenu"})
    return Result(200, {"richMenuId": found})


async def _unlink_user(call: Call) -> Result:
    with call.sim.state.lock:
        call.channel.user_rich_menus.pop(call.request.match_info["userId"], None)
    return Result(200, {}, accepted=True)


def menu_for_user(channel: Any, user_id: str) -> RichMenu | None:
    """The menu a user of ``channel`` sees: the one linked to them, else the default."""
    menu_id = channel.user_rich_menus.get(user_id) or channel.default_rich_menu
    return channel.rich_menus.get(menu_id) if menu_id else None


def add_routes(app: web.Application) -> None:
    """Register before ``api.add_routes`` (its catch-all answers 404 for the rest)."""
    r, e = app.router, "richmenu"
    r.add_post("/v2/bot/richmenu", route(e, _create))
    r.add_post("/v2/bot/richmenu/validate", route(e, _validate))
    r.add_get("/v2/bot/richmenu/list", route(e, _list, False))
    r.add_post("/v2/bot/richmenu/{richMenuId}/content", route(e, _upload, False))
    r.add_get("/v2/bot/richmenu/{richMenuId}/content", route(e, _download, False))
    r.add_get("/v2/bot/richmenu/{richMenuId}", route(e, _get, False))
    r.add_delete("/v2/bot/richmenu/{richMenuId}", route(e, _delete, False))
    r.add_post("/v2/bot/user/all/richmenu/{richMenuId}", route(e, _set_default, False))
    r.add_get("/v2/bot/user/all/richmenu", route(e, _get_default, False))
    r.add_delete("/v2/bot/user/all/richmenu", route(e, _cancel_default, False))
    r.add_post("/v2/bot/user/{userId}/richmenu/{richMenuId}", route(e, _link_user, False))
    r.add_get("/v2/bot/user/{userId}/richmenu", route(e, _get_user, False))
    r.add_delete("/v2/bot/user/{userId}/richmenu", route(e, _unlink_user, False))
