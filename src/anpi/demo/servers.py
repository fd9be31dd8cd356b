"""In-process servers for the embedded demo: the web app and a mail sink."""

from __future__ import annotations

import logging
import threading
from email import message_from_bytes, policy
from typing import Any

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from anpi.demo import mailbox
from anpi.engine.clock import get_clock

log = logging.getLogger("anpi.demo")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def start_web(host: str, port: int) -> ThreadedWSGIServer:
    """Serve the Django app (with static files) in a background thread."""
    server = ThreadedWSGIServer((host, port), QuietHandler, allow_reuse_address=True)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="anpi-web", daemon=True).start()
    return server


class PrintingMailbox:
    """Keeps each e-mail anpi sends (to contacts, to staff) for the demo's mailbox
    page (``demo.mailbox``) and shows it on the console."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content, policy=policy.default)
        body = mail.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        subject = str(mail["subject"] or "")
        mailbox.deliver(
            mailbox.Mail(get_clock().now(), tuple(envelope.rcpt_tos), subject, text)
        )
        print(f"\n📧 e-mail to {', '.join(envelope.rcpt_tos)}: {subject}\n{text}\n", flush=True)
        return "250 OK"


def start_mail_sink(host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    controller = Controller(PrintingMailbox(), hostname=host, port=port)
    controller.start()
    return controller


def put_simulator_on_clock(config: Any, clock: Any, speed: float) -> None:
    """Run the simulated LINE platform (``linesim.config.SimConfig``) on the
    demo's ``clock``, as LINE and anpi share one time in production: event
    timestamps — which anpi orders events and dates answers by (a tap stamped
    before its check was due would not count) — and the phone page follow it.
    A reply token still lives about one real minute (60 s × ``speed`` of demo
    time), so replies work at any speed."""
    config.clock = lambda: clock.now().timestamp()
    config.reply_token_ttl = 60.0 * speed
