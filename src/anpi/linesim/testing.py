"""Run the simulator in a background thread, and drive it from synchronous tests.

with SimulatorThread() as sim:
    sim.control.add_channel("secret", "token", webhook_url="http://127.0.0.1:8000/line/")
    uid = sim.control.add_user("山田花子")
    sim.control.follow(uid)
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from aiohttp import web

from anpi.linesim.config import SimConfig
from anpi.linesim.context import SIM_KEY, Sim
from anpi.linesim.server import create_app


class SimControlError(Exception):
    """A control API call answered with a non-2xx status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class SimControl:
    """A tiny synchronous client of the control API (stdlib only, JSON in and out)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
    ) -> Any:
        url = self.base_url + path
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            if clean:
                url += "?" + urllib.parse.urlencode(clean)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = raw.decode("utf-8", "replace")
            raise SimControlError(exc.code, payload) from None
        return json.loads(raw) if raw else None

    @staticmethod
    def _body(**fields: Any) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if v is not None}

    # channels
    def add_channel(
        self,
        channel_secret: str,
        access_token: str,
        webhook_url: str = "",
        bot_user_id: str | None = None,
        plan: str | None = None,
        display_name: str | None = None,
        basic_id: str | None = None,
        webhook_active: bool | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            "/_sim/channels",
            self._body(
                channelSecret=channel_secret,
                accessToken=access_token,
                webhookUrl=webhook_url,
                botUserId=bot_user_id,
                plan=plan,
                displayName=display_name,
                basicId=basic_id,
                webhookActive=webhook_active,
            ),
        )

    def channels(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/channels")

    def update_channel(
        self,
        bot_user_id: str,
        *,
        webhook_url: str | None = None,
        plan: str | None = None,
        usage: int | None = None,
        webhook_active: bool | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "PATCH",
            f"/_sim/channels/{bot_user_id}",
            self._body(
                webhookUrl=webhook_url, plan=plan, usage=usage, webhookActive=webhook_active
            ),
        )

    # users
    def add_user(
        self, display_name: str, picture_url: str | None = None, language: str | None = None
    ) -> str:
        """Create a LINE user; returns its user id."""
        return self.call(
            "POST",
            "/_sim/users",
            self._body(displayName=display_name, pictureUrl=picture_url, language=language),
        )["userId"]

    def update_user(self, user_id: str, **fields: str | None) -> dict[str, Any]:
        """Change a user's profile: ``display_name``, ``picture_url``, ``language``
        (None or "" removes the language)."""
        names = {"display_name": "displayName", "picture_url": "pictureUrl", "language": "language"}
        return self.call(
            "PATCH", f"/_sim/users/{user_id}", {names[key]: value for key, value in fields.items()}
        )

    def users(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/users")

    def follow(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        return self.call("POST", f"/_sim/users/{user_id}/follow", self._body(channel=channel_id))

    def block(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        return self.call("POST", f"/_sim/users/{user_id}/block", self._body(channel=channel_id))

    def unblock(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        return self.call("POST", f"/_sim/users/{user_id}/unblock", self._body(channel=channel_id))

    def tap(
        self,
        user_id: str,
        label: str,
        group_id: str | None = None,
        channel_id: str | None = None,
        value: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/_sim/users/{user_id}/tap",
            self._body(
                label=label, groupId=group_id, channel=channel_id, value=value, messageId=message_id
            ),
        )

    def text(
        self, user_id: str, text: str, group_id: str | None = None, channel_id: str | None = None
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/_sim/users/{user_id}/text",
            self._body(text=text, groupId=group_id, channel=channel_id),
        )

    def messages(
        self, user_id: str, channel_id: str | None = None, include_user: bool = False
    ) -> list[dict[str, Any]]:
        return self.call(
            "GET",
            f"/_sim/users/{user_id}/messages",
            query={"channel": channel_id, "all": "1" if include_user else None},
        )

    # rich menus
    def rich_menu(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        """``{"richMenu", "linked", "imageUrl"}``: the menu the user sees."""
        return self.call("GET", f"/_sim/users/{user_id}/richmenu", query={"channel": channel_id})

    def tap_rich_menu(
        self, user_id: str, area: int, channel_id: str | None = None
    ) -> dict[str, Any]:
        """Tap area ``area`` of the rich menu the user sees (sends its webhook)."""
        return self.call(
            "POST",
            f"/_sim/users/{user_id}/richmenu/tap",
            self._body(area=area, channel=channel_id),
        )

    def rich_menus(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/richmenus")

    # groups
    def create_group(
        self, group_name: str, members: list[str], channel_id: str | None = None
    ) -> str:
        """Create a LINE group (the bot is not in it yet); returns its group id."""
        return self.call(
            "POST",
            "/_sim/groups",
            self._body(groupName=group_name, members=members, channel=channel_id),
        )["groupId"]

    def groups(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/groups")

    def invite_bot(self, group_id: str) -> dict[str, Any]:
        return self.call("POST", f"/_sim/groups/{group_id}/invite-bot", {})

    def remove_bot(self, group_id: str) -> dict[str, Any]:
        return self.call("POST", f"/_sim/groups/{group_id}/remove-bot", {})

    def add_members(self, group_id: str, user_ids: list[str]) -> dict[str, Any]:
        return self.call("POST", f"/_sim/groups/{group_id}/members", {"userIds": user_ids})

    def remove_member(self, group_id: str, user_id: str) -> dict[str, Any]:
        return self.call("DELETE", f"/_sim/groups/{group_id}/members/{user_id}")

    def group_messages(self, group_id: str, include_user: bool = False) -> list[dict[str, Any]]:
        return self.call(
            "GET", f"/_sim/groups/{group_id}/messages", query={"all": "1" if include_user else None}
        )

    # webhooks
    def webhooks(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/webhooks")

    def redeliver(self, webhook_event_id: str) -> dict[str, Any]:
        return self.call("POST", "/_sim/webhooks/redeliver", {"webhookEventId": webhook_event_id})

    def duplicate(self, webhook_event_id: str) -> dict[str, Any]:
        return self.call("POST", "/_sim/webhooks/duplicate", {"webhookEventId": webhook_event_id})

    # faults, configuration, inspection
    def set_faults(self, rules: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
        return self.call("POST", "/_sim/faults", {"seed": seed, "rules": rules})

    def clear_faults(self) -> None:
        self.call("DELETE", "/_sim/faults")

    def configure(
        self,
        *,
        group_postback_user_id: bool | None = None,
        reply_token_ttl: float | None = None,
        rate_limits: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "PATCH",
            "/_sim/config",
            self._body(
                groupPostbackUserId=group_postback_user_id,
                replyTokenTtl=reply_token_ttl,
                rateLimits=rate_limits,
            ),
        )

    def requests(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/requests")

    def clear_requests(self) -> None:
        self.call("DELETE", "/_sim/requests")

    def deliveries(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/deliveries")

    def dropped(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/dropped")

    def reset(self) -> None:
        self.call("POST", "/_sim/reset", {})


class SimulatorThread:
    """The simulator on 127.0.0.1 and a free port, in a thread with its own loop."""

    def __init__(
        self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SimConfig()
        self.host = host
        self.port = port
        self.app: web.Application | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def control(self) -> SimControl:
        return SimControl(self.url)

    @property
    def sim(self) -> Sim:
        """Direct access to the in-memory state (read it under ``sim.state.lock``)."""
        assert self.app is not None, "start() the simulator first"
        return self.app[SIM_KEY]

    def start(self) -> SimulatorThread:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"linesim:{self.port}", daemon=True
        )
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError("the simulator failed to start") from self._error
        return self

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self.app = create_app(self.config)
            self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.SockSite(self._runner, sock).start())
        except BaseException as exc:  # report start-up failures to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop = None
        self._thread = None

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
