"""What the production-doc test needs besides the doc: its marked blocks, the
environment file as systemd reads it, an SMTP server with AUTH, and an HTTP client
that signs in like a browser (cookies, CSRF tokens, the TOTP code)."""

from __future__ import annotations

import base64
import http.cookiejar
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

BLOCK = re.compile(r"<!-- run: ([\w-]+) -->\s*\n```sh\n(.*?)\n```", re.S)


def doc_blocks(path: Path) -> dict[str, str]:
    """The ```sh blocks marked ``<!-- run: NAME -->``, in the doc's order."""
    return {name: code for name, code in BLOCK.findall(path.read_text(encoding="utf-8"))}


def without_anpi(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if not k.startswith(("ANPI_", "DJANGO_"))}


class EnvFile:
    """``/etc/anpi/anpi.env``: read the way ``set -a; . file`` reads it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def values(self) -> dict[str, str]:
        out = subprocess.run(
            ["env", "-i", "/bin/sh", "-c", 'set -a; . "$1"; env -0', "sh", str(self.path)],
            capture_output=True, check=True,
        ).stdout.decode()
        pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
        return {k: v for k, v in pairs if k.startswith("ANPI_")}

    def append(self, values: dict[str, str]) -> None:
        """Later lines win, for the shell and for systemd's EnvironmentFile= alike."""
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write("\n# tests/production: this test's ports\n")
            for key, value in values.items():
                fh.write(f"{key}={value}\n")

    def process_env(self) -> dict[str, str]:
        """The environment of a service started with ``EnvironmentFile=`` this file."""
        return {**self.bare_env(), **self.values()}

    def bare_env(self) -> dict[str, str]:
        return without_anpi(os.environ)


class Smtp:
    """A local SMTP server (aiosmtpd) that requires AUTH with one user and password."""

    def __init__(self, user: str, password: str) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.user, self.password = user, password
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[str] = []
        lock = threading.Lock()
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
                with lock:
                    outer.messages.append((list(envelope.rcpt_tos), envelope.content))
                return "250 Message accepted for delivery"

        def authenticate(server, session, envelope, mechanism, auth_data) -> Any:
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(), auth_data.password.decode()
            ) == (user, password)
            if ok:
                outer.logins.append(user)
            return AuthResult(success=ok)

        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        # AUTH without TLS: on loopback, in a test, on purpose (the test filters
        # aiosmtpd's warning about it).
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticate,
            auth_required=True, auth_require_tls=False,
        )
        self.controller.start()

    def received_for(self, address: str) -> list[bytes]:
        return [content for rcpts, content in self.messages if address in rcpts]

    def stop(self) -> None:
        self.controller.stop()


def wait_for(
    predicate: Callable[[], bool], message: str, process: subprocess.Popen, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{message}: the process exited\n{process.stderr.read().decode()}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(message)


def totp_now(secret_base32: str) -> str:
    from django_otp.oath import TOTP

    padded = secret_base32 + "=" * (-len(secret_base32) % 8)
    return f"{TOTP(base64.b32decode(padded)).token():06d}"


class Browserless:
    """Cookies, CSRF tokens and forms over plain HTTP, as the admin's browser would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url if "://" in url else self.base_url + url, body)
        try:
            with self.opener.open(request, timeout=60) as resp:
                return resp.status, resp.geturl(), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), exc.read().decode()

    def status(self, path: str) -> int:
        return self._open(path)[0]

    def form_post(self, url: str, fields: dict[str, str]) -> str:
        """GET the page, then POST ``fields`` with its CSRF token; the final page."""
        status, _, page = self._open(url)
        assert status == 200, f"GET {url}: {status}\n{page[:2000]}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, final, page = self._open(url, {"csrfmiddlewaretoken": token, **fields})
        assert status == 200, f"POST {url}: {status}\n{page[:2000]}"
        return page

    def join(self, invite_url: str, username: str, password: str) -> None:
        page = self.form_post(
            invite_url, {"username": username, "password1": password, "password2": password}
        )
        assert 'id="totp-secret"' in page, page[:2000]

    def enrol_totp(self) -> None:
        _, _, page = self._open("/account/2fa/setup/")
        secret = unescape(re.search(r'id="totp-secret">([^<]+)<', page).group(1)).strip()
        page = self.form_post("/account/2fa/setup/", {"code": totp_now(secret)})
        assert "recovery-codes" in page, page[:2000]

    def connect_line(self, secret: str, token: str) -> str:
        return self.form_post(
            "/settings/line/", {"channel_secret": secret, "access_token": token}
        )
