"""The demo's mailbox: every e-mail the demo sends, kept in memory and shown on
``/demo/mail/``, so that a newcomer reads what a contact or the staff receive
(and follows their links) without a mail client.

The mail sink (aiosmtpd, ``servers.start_mail_sink``) and the web server run in
the one ``anpi demo`` process, so a list behind a lock is enough. Outside the
demo the page answers 404.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

KEEP = 200  # the newest mails; a demo left running for days does not grow without end


@dataclass(frozen=True)
class Mail:
    at: datetime  # on the demo's clock, like everything else the demo shows
    to: tuple[str, ...]
    subject: str
    text: str


_lock = threading.Lock()
_mails: list[Mail] = []


def deliver(mail: Mail) -> None:
    """Keep ``mail`` (newest last), dropping the oldest beyond ``KEEP``."""
    with _lock:
        _mails.append(mail)
        del _mails[:-KEEP]


def newest_first() -> list[Mail]:
    with _lock:
        return list(reversed(_mails))


def clear() -> None:
    with _lock:
        _mails.clear()


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    """``GET /demo/mail/``: the demo's e-mails, newest first; 404 outside the demo."""
    if not settings.ANPI_DEMO:
        raise Http404
    return render(request, "demo/mailbox.html", {"mails": newest_first()})
