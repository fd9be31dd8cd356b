"""What a newcomer meets in the demo besides the dashboard: the e-mails the demo
sends on a page, one line when a port is taken, the phone page's clock on demo
time, and no 404 for the icon browsers ask for."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.mail import send_mail
from tests.conftest import free_port

from anpi.demo import mailbox
from anpi.demo.servers import start_mail_sink
from anpi.linesim.config import SimConfig
from anpi.linesim.testing import SimulatorThread


@pytest.fixture
def demo_mail(settings, clock):
    settings.ANPI_DEMO = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    mailbox.clear()
    sink = start_mail_sink(settings.EMAIL_HOST, settings.EMAIL_PORT)
    yield
    sink.stop()
    mailbox.clear()


def test_the_demo_mailbox_shows_each_email_sent_with_its_links(client, demo_mail, clock):
    send_mail(
        "【みまもり】はなこさんの安否について",
        "はなこさんから返事がありません。\nご連絡ください: https://example.org/p/r/abc/",
        "noreply@anpi.example",
        ["taro@example.jp"],
    )
    html = client.get("/demo/mail/").content.decode()
    assert "デモのメールボックス" in html
    assert "【みまもり】はなこさんの安否について" in html
    assert "taro@example.jp" in html
    assert '<a href="https://example.org/p/r/abc/"' in html
    # Stamped on the demo's clock (here the fixture's fixed clock), shown in Japan time.
    assert mailbox.newest_first()[0].at == clock.now()
    assert clock.now().astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M") in html


def test_the_newest_email_comes_first(client, demo_mail):
    for n in (1, 2):
        send_mail(f"mail {n}", "body", "noreply@anpi.example", ["a@example.jp"])
    html = client.get("/demo/mail/").content.decode()
    assert html.index("mail 2") < html.index("mail 1")


def test_outside_the_demo_there_is_no_mailbox(client, settings):
    settings.ANPI_DEMO = False
    assert client.get("/demo/mail/").status_code == 404


def test_browsers_get_an_icon_not_a_404(client, sim):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with urllib.request.urlopen(sim.url + "/favicon.ico") as icon:
        assert icon.status == 200 and icon.read()[:4] == b"\x00\x00\x01\x00"


def test_the_phone_page_is_told_the_demo_time_not_the_computers():
    demo_now = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 in Japan
    config = SimConfig(shown_clock=lambda: (demo_now.timestamp(), 60.0))
    simulator = SimulatorThread(config=config).start()
    try:
        with urllib.request.urlopen(simulator.url + "/_sim/clock") as response:
            shown = json.load(response)
    finally:
        simulator.stop()
    assert shown["shown"] == demo_now.timestamp() * 1000
    assert shown["speed"] == 60.0
    assert abs(shown["real"] / 1000 - datetime.now(UTC).timestamp()) < 60


def test_a_port_in_use_gives_one_line_and_no_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "ANPI_VAR_DIR": str(tmp_path)}
        env.pop("ANPI_DATABASE_URL", None)
        done = subprocess.run(
            [
                str(Path(sys.executable).with_name("anpi")),
                "demo",
                "--port",
                str(port),
                "--no-serve",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {port} (dashboard) is already in use" in lines[0]
    assert "--port=N" in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "demo.sqlite3").exists()  # nothing started, nothing created


def test_the_demos_simulator_stamps_events_on_the_demo_clock(sim):
    """At SPEED=60 the demo clock runs ahead of real time: a tap stamped in real
    time would be older than the check it answers and would not count."""
    from datetime import timedelta

    from anpi.demo.servers import put_simulator_on_clock
    from anpi.engine.clock import AcceleratedClock

    ahead = AcceleratedClock(60, start=datetime.now(UTC) + timedelta(days=3))
    config = sim.sim.config
    before = (config.clock, config.reply_token_ttl)
    try:
        put_simulator_on_clock(config, ahead, 60)
        assert abs(config.now() - ahead.now().timestamp()) < 5
        assert config.reply_token_ttl == 3600  # a real minute of demo time
        with urllib.request.urlopen(sim.url + "/_sim/clock") as response:
            shown = json.load(response)
        assert abs(shown["shown"] / 1000 - ahead.now().timestamp()) < 5
    finally:
        config.clock, config.reply_token_ttl = before
