"""Rich menus in the simulator: created, given an image on the data host, linked and
tapped the way LINE does it (LINE.md; operations of messaging-api.yml)."""

from __future__ import annotations

import json
import struct
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApiBlob

from anpi.linesim.richmenu import jpeg_size, png_size

from .conftest import TOKEN


def png(width: int, height: int) -> bytes:
    """A valid, tiny (one-colour, compressed) PNG of that size: no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))  # grey, filter 0
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, then a baseline SOF0 frame header with that size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def menu(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "anpi",
        "chatBarText": "げんきです",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 1700, "height": 843},
                "action": {"type": "postback", "data": "anpi:genki:0", "displayText": "げんきです"},
            },
            {
                "bounds": {"x": 1700, "y": 0, "width": 800, "height": 843},
                "action": {"type": "message", "text": "せってい"},
            },
        ],
    }
    body.update(changes)
    return body


def upload(sim, menu_id: str, data: bytes, content_type: str = "image/png") -> tuple[int, Any]:
    req = urllib.request.Request(
        f"{sim.url}/v2/bot/richmenu/{menu_id}/content", data=data, method="POST"
    )
    req.add_header("Authorization", f"Bearer {TOKEN}")
    req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def blob(sim, channel) -> Iterator[MessagingApiBlob]:
    with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as client:
        yield MessagingApiBlob(client)


@pytest.fixture
def ready_menu(api, blob) -> str:
    """A created menu with its image uploaded through the official SDK."""
    from linebot.v3.messaging import RichMenuRequest

    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu())).rich_menu_id
    blob.set_rich_menu_image(menu_id, png(2500, 843), _headers={"Content-Type": "image/png"})
    return menu_id


# headers ----------------------------------------------------------------------------------
def test_image_sizes_are_read_from_png_and_jpeg_headers():
    assert png_size(png(2500, 843)) == (2500, 843)
    assert jpeg_size(jpeg_header(1200, 405)) == (1200, 405)
    assert png_size(b"GIF89a" + b"\x00" * 30) is None
    assert jpeg_size(b"\xff\xd8\xff\xda\x00\x02") is None  # a scan before any frame


# create, get, list, delete ----------------------------------------------------------------
def test_a_rich_menu_is_created_read_listed_and_deleted_through_the_sdk(api):
    from linebot.v3.messaging import RichMenuRequest

    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu())).rich_menu_id
    assert menu_id.startswith("richmenu-")
    got = api.get_rich_menu(menu_id)
    assert (got.chat_bar_text, got.size.width, len(got.areas)) == ("げんきです", 2500, 2)
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    api.delete_rich_menu(menu_id)
    with pytest.raises(ApiException) as gone:
        api.get_rich_menu(menu_id)
    assert gone.value.status == 404


@pytest.mark.parametrize(
    ("changes", "prop"),
    [
        ({"chatBarText": "げ" * 15}, "chatBarText"),
        ({"name": "n" * 301}, "name"),
        ({"name": ""}, "name"),
        ({"size": {"width": 799, "height": 400}}, "size.width"),
        ({"size": {"width": 2501, "height": 843}}, "size.width"),
        ({"size": {"width": 1000, "height": 249}}, "size.height"),
        ({"size": {"width": 1000, "height": 700}}, "size"),  # 1000/700 < 1.45
        ({"selected": "yes"}, "selected"),
        ({"areas": []}, "areas"),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 2000, "y": 0, "width": 600, "height": 843},
                        "action": {"type": "message", "text": "a"},
                    }
                ]
            },
            "areas[0].bounds",
        ),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "teleport"},
                    }
                ]
            },
            "areas[0].action.type",
        ),
        (
            {
                "areas": [
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "postback", "data": "d" * 301},
                    }
                ]
            },
            "areas[0].action.data",
        ),
    ],
)
def test_an_invalid_rich_menu_is_refused_with_lines_error_body(raw, changes, prop):
    answer = raw("POST", "/v2/bot/richmenu", menu(**changes))
    assert answer.status == 400
    assert answer.json["message"].startswith("The request body has")
    assert prop in [d["property"] for d in answer.json["details"]]
    assert raw("GET", "/v2/bot/richmenu/list").json == {"richmenus": []}


def test_the_validate_endpoint_checks_without_creating(raw):
    assert raw("POST", "/v2/bot/richmenu/validate", menu()).status == 200
    assert raw("POST", "/v2/bot/richmenu/validate", menu(chatBarText="x" * 15)).status == 400
    assert raw("GET", "/v2/bot/richmenu/list").json == {"richmenus": []}


def test_rich_menu_calls_need_the_channels_token(raw):
    assert raw("POST", "/v2/bot/richmenu", menu(), token="wrong").status == 401


# the image on the data host ---------------------------------------------------------------
def test_the_image_is_uploaded_read_back_and_logged_by_size_only(sim, raw, ready_menu, control):
    with urllib.request.urlopen(sim.url + f"/_sim/richmenus/{ready_menu}/image") as resp:
        assert resp.read() == png(2500, 843)
        assert resp.headers["Content-Type"] == "image/png"
    logged = [r for r in control.requests() if r["path"].endswith("/content")][-1]
    assert logged["body"] == {"contentType": "image/png", "bytes": len(png(2500, 843))}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (png(2500, 843), "image/gif", 415),
        (png(2500, 843), "application/json", 415),
        (png(2500, 843) + b"\x00" * (1024 * 1024), "image/png", 413),
        (png(2500, 1686), "image/png", 400),  # not the menu's size
        (png(800, 600), "image/png", 400),  # too square
        (b"not a png at all", "image/png", 400),
        (jpeg_header(2500, 843), "image/png", 400),  # says PNG, is JPEG
    ],
)
def test_a_bad_image_is_refused_as_line_does(sim, raw, data, content_type, status):
    menu_id = raw("POST", "/v2/bot/richmenu", menu()).json["richMenuId"]
    assert upload(sim, menu_id, data, content_type)[0] == status


def test_a_jpeg_of_the_right_size_is_taken(sim, raw):
    menu_id = raw("POST", "/v2/bot/richmenu", menu()).json["richMenuId"]
    assert upload(sim, menu_id, jpeg_header(2500, 843), "image/jpeg") == (200, {})


def test_an_image_cannot_be_replaced_or_sent_to_an_unknown_menu(sim, ready_menu):
    assert upload(sim, ready_menu, png(2500, 843))[0] == 400
    assert upload(sim, "richmenu-" + "0" * 32, png(2500, 843))[0] == 404


# linking ----------------------------------------------------------------------------------
def test_a_menu_without_an_image_cannot_be_linked(raw, friend):
    menu_id = raw("POST", "/v2/bot/richmenu", menu()).json["richMenuId"]
    for path in (
        f"/v2/bot/user/all/richmenu/{menu_id}",
        f"/v2/bot/user/{friend}/richmenu/{menu_id}",
    ):
        answer = raw("POST", path)
        assert answer.status == 400
        assert answer.json == {"message": "must upload richmenu image before applying it to user"}


def test_the_default_menu_is_shown_to_every_user_until_one_gets_their_own(
    api, raw, control, friend, ready_menu, blob
):
    from linebot.v3.messaging import RichMenuRequest

    assert control.rich_menu(friend)["richMenu"] is None
    api.set_default_rich_menu(ready_menu)
    assert api.get_default_rich_menu_id().rich_menu_id == ready_menu
    seen = control.rich_menu(friend)
    assert (seen["richMenu"]["richMenuId"], seen["linked"]) == (ready_menu, "default")
    assert seen["imageUrl"] == f"/_sim/richmenus/{ready_menu}/image"
    assert raw("GET", f"/v2/bot/user/{friend}/richmenu").status == 404  # no own link yet

    own = api.create_rich_menu(RichMenuRequest.from_dict(menu(name="own"))).rich_menu_id
    blob.set_rich_menu_image(own, png(2500, 843), _headers={"Content-Type": "image/png"})
    api.link_rich_menu_id_to_user(friend, own)
    assert api.get_rich_menu_id_of_user(friend).rich_menu_id == own
    assert control.rich_menu(friend)["linked"] == "user"

    api.delete_rich_menu(own)  # deleting a menu unlinks it
    assert control.rich_menu(friend)["linked"] == "default"
    api.cancel_default_rich_menu()
    assert control.rich_menu(friend)["richMenu"] is None
    assert raw("GET", "/v2/bot/user/all/richmenu").status == 404


def test_linking_an_unknown_user_or_menu_is_refused(raw, ready_menu, friend):
    assert raw("POST", f"/v2/bot/user/U{'0' * 32}/richmenu/{ready_menu}").status == 400
    assert raw("POST", f"/v2/bot/user/{friend}/richmenu/richmenu-nope").status == 404


# tapping ----------------------------------------------------------------------------------
def test_tapping_a_postback_area_sends_a_signed_postback_with_a_reply_token(
    api, control, friend, ready_menu, receiver
):
    api.set_default_rich_menu(ready_menu)
    answer = control.tap_rich_menu(friend, 0)
    assert answer["webhook"]["status"] == 200
    event = receiver.events("postback")[-1]
    assert event["postback"] == {"data": "anpi:genki:0"}
    assert event["replyToken"] and event["source"] == {"type": "user", "userId": friend}
    shown = control.messages(friend, include_user=True)[-1]
    assert (shown["from"], shown["text"]) == ("user", "げんきです")  # the displayText bubble


def test_tapping_a_message_area_sends_the_text_as_the_user(
    api, control, friend, ready_menu, receiver
):
    api.link_rich_menu_id_to_user(friend, ready_menu)
    control.tap_rich_menu(friend, 1)
    assert receiver.events("message")[-1]["message"]["text"] == "せってい"


def test_a_tap_needs_a_menu_an_area_and_a_friend(api, control, friend, ready_menu):
    from anpi.linesim.testing import SimControlError

    with pytest.raises(SimControlError) as none:
        control.tap_rich_menu(friend, 0)
    assert none.value.status == 404
    api.set_default_rich_menu(ready_menu)
    with pytest.raises(SimControlError) as outside:
        control.tap_rich_menu(friend, 2)
    assert outside.value.status == 400
    control.block(friend)
    with pytest.raises(SimControlError) as blocked:
        control.tap_rich_menu(friend, 0)
    assert blocked.value.status == 409


def test_the_phone_page_has_a_rich_menu_with_tappable_areas(sim):
    with urllib.request.urlopen(sim.url + "/") as resp:
        html = resp.read().decode()
    with urllib.request.urlopen(sim.url + "/static/app.js") as resp:
        script = resp.read().decode()
    assert 'id="richmenu-img"' in html and 'id="richmenu-areas"' in html
    assert "/richmenu/tap" in script and "/richmenu?channel=" in script


def test_unknown_v2_paths_still_get_404(raw):
    assert raw("GET", "/v2/bot/richmenu/alias/list").status == 404
