"""Control API for rich menus: what a user sees under the chat, and tapping an area.

- ``GET /_sim/users/{userId}/richmenu`` (``?channel=``) → ``{"richMenu": RichMenuResponse
  | null, "linked": "user" | "default" | null, "imageUrl": str | null}``: the menu the
  user sees in that 1:1 chat (their own link beats the default, as in LINE).
- ``POST /_sim/users/{userId}/richmenu/tap`` ``{"area": index, "channel"?: bot id}`` →
  presses that area's action exactly like a button (``control_chat.press``): a
  postback area sends a signed ``postback`` event with a reply token, a message area
  a ``message`` event. 404 without a menu or image, 400 for an area index out of
  range, 409 for a user who is not a friend.
- ``GET /_sim/richmenus/{richMenuId}/image`` → the uploaded image (for the phone page,
  which has no access token).
- ``GET /_sim/richmenus`` → every channel's menus, its default and links (inspection).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from anpi.linesim.context import get_sim
from anpi.linesim.control import ControlError, channel_for, read_json, user_for
from anpi.linesim.control_chat import press
from anpi.linesim.control_input import MAX_ID, opt_int, opt_str
from anpi.linesim.richmenu import RichMenu, menu_for_user


def _image_url(menu: RichMenu) -> str | None:
    return f"/_sim/richmenus/{menu.rich_menu_id}/image" if menu.image is not None else None


async def user_richmenu(request: web.Request) -> web.Response:
    sim = get_sim(request)
    user = user_for(sim, request.match_info["userId"])
    channel = channel_for(sim, request.query.get("channel") or None)
    with sim.state.lock:
        menu = menu_for_user(channel, user.user_id)
        linked = None
        if menu is not None:
            own = channel.user_rich_menus.get(user.user_id) == menu.rich_menu_id
            linked = "user" if own else "default"
        return web.json_response(
            {
                "richMenu": menu.to_json() if menu else None,
                "linked": linked,
                "imageUrl": _image_url(menu) if menu else None,
            }
        )


async def tap_area(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    user = user_for(sim, request.match_info["userId"])
    channel = channel_for(sim, opt_str(data, "channel", MAX_ID))
    index = opt_int(data, "area", 0, 10**6)
    if index is None:
        raise ControlError(400, "area is required (an index into the menu's areas)")
    if not user.is_friend(channel.bot_user_id):
        raise ControlError(409, "the user is not a friend of this channel (blocked?)")
    with sim.state.lock:
        menu = menu_for_user(channel, user.user_id)
    if menu is None or menu.image is None:
        raise ControlError(404, "no rich menu is shown to this user")
    if index >= len(menu.areas):
        raise ControlError(400, f"area must be between 0 and {len(menu.areas) - 1}")
    action = menu.areas[index]["action"]
    result: dict[str, Any] = {"action": action, "richMenuId": menu.rich_menu_id}
    result.update(await press(sim, channel, user, user.user_id, action))
    return web.json_response(result)


async def image(request: web.Request) -> web.Response:
    sim = get_sim(request)
    wanted = request.match_info["richMenuId"]
    with sim.state.lock:
        for channel in sim.state.channels.values():
            menu = channel.rich_menus.get(wanted)
            if menu is not None and menu.image is not None:
                return web.Response(
                    body=menu.image,
                    content_type=menu.content_type,
                    headers={"Cache-Control": "max-age=3600"},
                )
    raise ControlError(404, f"no rich menu image {wanted}")


async def list_menus(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        return web.json_response(
            [
                {
                    "channel": c.bot_user_id,
                    "richmenus": [
                        {**m.to_json(), "hasImage": m.image is not None}
                        for m in c.rich_menus.values()
                    ],
                    "default": c.default_rich_menu,
                    "users": dict(c.user_rich_menus),
                }
                for c in sim.state.channels.values()
            ]
        )


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/_sim/users/{userId}/richmenu", user_richmenu)
    r.add_post("/_sim/users/{userId}/richmenu/tap", tap_area)
    r.add_get("/_sim/richmenus/{richMenuId}/image", image)
    r.add_get("/_sim/richmenus", list_menus)
