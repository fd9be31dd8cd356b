"""Fixtures for the LINE simulator tests.

These tests need no Django. The project's pytest settings name a Django settings
module for pytest-django; if that plugin gets in the way, run them with
``python -m pytest tests/linesim -p no:django``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

from anpi.linesim.config import SimConfig
from anpi.linesim.testing import SimControl, SimulatorThread

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


@dataclass
class ReceivedWebhook:
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event(self) -> dict[str, Any]:
        return self.json["events"][0]

    @property
    def signature(self) -> str:
        return self.headers["X-Line-Signature"]


@dataclass
class WebhookReceiver:
    """A small HTTP server playing anpi's webhook endpoint; it records what arrives."""

    status: int = 200
    #: called with each webhook before answering (e.g. to reply from "inside" anpi)
    on_webhook: Callable[[ReceivedWebhook], None] | None = None
    received: list[ReceivedWebhook] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/line/webhook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook = ReceivedWebhook(body, dict(self.headers.items()))
                receiver.received.append(hook)
                if receiver.on_webhook is not None:
                    receiver.on_webhook(hook)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def last(self) -> ReceivedWebhook:
        return self.received[-1]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        found = [e for hook in self.received for e in hook.json["events"]]
        return [e for e in found if kind is None or e["type"] == kind]


class FakeClock:
    """The simulator's clock, moved by hand."""

    def __init__(self, start: float = 1_782_864_000.0) -> None:  # 2026-07-01 00:00 UTC
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim_config(clock: FakeClock) -> SimConfig:
    return SimConfig(clock=clock, timeout_fault_seconds=3.0)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    rec = WebhookReceiver()
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def sim(sim_config: SimConfig) -> Iterator[SimulatorThread]:
    with SimulatorThread(sim_config) as running:
        yield running


@pytest.fixture
def control(sim: SimulatorThread) -> SimControl:
    return sim.control


@pytest.fixture
def channel(control: SimControl, receiver: WebhookReceiver) -> dict[str, Any]:
    return control.add_channel(SECRET, TOKEN, webhook_url=receiver.url)


@pytest.fixture
def api(sim: SimulatorThread, channel: dict[str, Any]) -> Iterator[MessagingApi]:
    with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as client:
        yield MessagingApi(client)


@pytest.fixture
def friend(control: SimControl, channel: dict[str, Any]) -> str:
    """A user who has added the channel as a friend."""
    user_id = control.add_user("山田花子")
    control.follow(user_id)
    return user_id


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    json: Any


def call_api(
    sim: SimulatorThread,
    method: str,
    path: str,
    body: Any = None,
    token: str = TOKEN,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """Call the Messaging API without the SDK (to send what the SDK would refuse)."""
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(sim.url + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw, status, hdrs = resp.read(), resp.status, dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        raw, status, hdrs = exc.read(), exc.code, dict(exc.headers.items())
    return RawResponse(status, hdrs, json.loads(raw) if raw else None)


@pytest.fixture
def raw(sim: SimulatorThread, channel: dict[str, Any]) -> Callable[..., RawResponse]:
    def _call(method: str, path: str, body: Any = None, **kwargs: Any) -> RawResponse:
        return call_api(sim, method, path, body, **kwargs)

    return _call
