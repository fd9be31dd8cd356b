"""In-memory state of the simulated LINE platform.

Everything lives in one :class:`SimState`. Handlers run on one asyncio loop, but the
test helpers may read the state from another thread, so mutations take ``lock``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from anpi.linesim.config import SimConfig


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def new_group_id() -> str:
    return "C" + secrets.token_hex(16)


def new_basic_id() -> str:
    """A basic ID like LINE's: "@", three digits and five lowercase letters."""
    digits = "".join(secrets.choice("0123456789") for _ in range(3))
    letters = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
    return f"@{digits}{letters}"


def new_token(n: int = 24) -> str:
    return secrets.token_urlsafe(n)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Channel:
    bot_user_id: str
    channel_secret: str
    access_token: str
    webhook_url: str
    plan: str
    display_name: str = "anpi"
    #: The account's @ID (GET /v2/bot/info ``basicId``).
    basic_id: str = field(default_factory=new_basic_id)
    #: "Use webhook" in the LINE Developers console: off, LINE sends no events.
    webhook_active: bool = True
    #: Chat in the LINE Official Account Manager: "bot" (off) or "chat" (on).
    chat_mode: str = "bot"
    #: month ("2026-07") -> messages counted against the quota.
    usage: dict[str, int] = field(default_factory=dict)
    #: retry key -> the accepted request it belongs to.
    retry_keys: dict[str, AcceptedRequest] = field(default_factory=dict)
    #: rich menus (``linesim.richmenu``): id -> RichMenu, the default, user id -> id
    rich_menus: dict[str, Any] = field(default_factory=dict)
    default_rich_menu: str | None = None
    user_rich_menus: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "botUserId": self.bot_user_id,
            "channelSecret": self.channel_secret,
            "accessToken": self.access_token,
            "webhookUrl": self.webhook_url,
            "plan": self.plan,
            "displayName": self.display_name,
            "basicId": self.basic_id,
            "webhookActive": self.webhook_active,
            "chatMode": self.chat_mode,
            "usage": dict(self.usage),
        }


@dataclass
class AcceptedRequest:
    request_id: str
    accepted_at: float
    sent_messages: list[dict[str, str]] | None


@dataclass
class User:
    user_id: str
    display_name: str
    picture_url: str | None = None
    language: str | None = None
    #: bot user id -> "friend" | "blocked"
    friendship: dict[str, str] = field(default_factory=dict)

    def is_friend(self, channel: str) -> bool:
        return self.friendship.get(channel) == "friend"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "userId": self.user_id,
            "displayName": self.display_name,
            "friendship": dict(self.friendship),
        }
        if self.picture_url:
            data["pictureUrl"] = self.picture_url
        if self.language:
            data["language"] = self.language
        return data


@dataclass
class Group:
    group_id: str
    name: str
    channel: str
    members: list[str]
    bot_in: bool = False
    picture_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "groupId": self.group_id,
            "groupName": self.name,
            "channel": self.channel,
            "members": list(self.members),
            "botInGroup": self.bot_in,
        }
        if self.picture_url:
            data["pictureUrl"] = self.picture_url
        return data


@dataclass
class ReplyToken:
    token: str
    channel: str
    chat: str  # a user id (1:1) or a group id
    issued_at: float
    used: bool = False


@dataclass
class ChatEntry:
    """One bubble in a chat: sent by the bot, or shown as the user's own."""

    id: str
    chat: str
    channel: str
    sender: str  # "bot" or a user id
    message: dict[str, Any]
    via: str  # push | reply | multicast | user
    sent_at: float


class SimState:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.channels: dict[str, Channel] = {}
            self.tokens: dict[str, str] = {}  # access token -> bot user id
            self.users: dict[str, User] = {}
            self.groups: dict[str, Group] = {}
            self.reply_tokens: dict[str, ReplyToken] = {}
            self.chats: dict[tuple[str, str], list[ChatEntry]] = {}
            self.requests: list[dict[str, Any]] = []
            self.deliveries: list[dict[str, Any]] = []
            self.dropped: list[dict[str, Any]] = []
            self.webhooks: list[dict[str, Any]] = []
            self.rate_windows: dict[tuple[str, str, int], int] = {}
            self._message_seq = 0
            self._request_seq = 0

    # ids -------------------------------------------------------------------------------
    def next_message_id(self) -> str:
        with self.lock:
            self._message_seq += 1
            return str(560000000000000000 + self._message_seq)

    def next_request_id(self) -> str:
        with self.lock:
            self._request_seq += 1
            return f"{secrets.token_hex(4)}-{self._request_seq:06d}-sim"

    def month(self) -> str:
        """The quota's month ("2026-12"), by the calendar of the account's zone."""
        return self.config.local(self.config.now()).strftime("%Y-%m")

    # channels --------------------------------------------------------------------------
    def add_channel(self, channel: Channel) -> Channel:
        with self.lock:
            old = self.channels.get(channel.bot_user_id)
            if old is not None:
                self.tokens.pop(old.access_token, None)
            self.channels[channel.bot_user_id] = channel
            self.tokens[channel.access_token] = channel.bot_user_id
            return channel

    def channel_for_token(self, token: str) -> Channel | None:
        bot = self.tokens.get(token)
        return self.channels.get(bot) if bot else None

    def channel(self, bot_user_id: str | None) -> Channel | None:
        """The channel named, or the first one when no name is given."""
        if bot_user_id:
            return self.channels.get(bot_user_id)
        return next(iter(self.channels.values()), None)

    # chats -----------------------------------------------------------------------------
    def chat_key(self, channel: str, chat: str) -> tuple[str, str]:
        # A group belongs to one channel; 1:1 chats are per (channel, user).
        return (channel, chat)

    def add_chat_entry(self, entry: ChatEntry) -> None:
        with self.lock:
            self.chats.setdefault(self.chat_key(entry.channel, entry.chat), []).append(entry)

    def chat_entries(self, chat: str, channel: str | None = None) -> list[ChatEntry]:
        with self.lock:
            found: list[ChatEntry] = []
            for (ch, c), entries in self.chats.items():
                if c == chat and (channel is None or ch == channel):
                    found.extend(entries)
            found.sort(key=lambda e: int(e.id))
            return found

    # reply tokens ----------------------------------------------------------------------
    def issue_reply_token(self, channel: str, chat: str) -> str:
        token = new_token(24)
        with self.lock:
            self.reply_tokens[token] = ReplyToken(token, channel, chat, self.config.now())
        return token

    # rate limits -----------------------------------------------------------------------
    def take_rate(self, channel: str, endpoint: str) -> bool:
        """Count one request in the current one-second window; False when over limit."""
        limit = self.config.rate_limits.get(endpoint)
        if limit is None:
            return True
        second = int(self.config.now())
        key = (channel, endpoint, second)
        with self.lock:
            if len(self.rate_windows) > 10000:
                self.rate_windows = {
                    k: v for k, v in self.rate_windows.items() if k[2] >= second - 1
                }
            count = self.rate_windows.get(key, 0)
            if count >= limit:
                return False
            self.rate_windows[key] = count + 1
            return True
