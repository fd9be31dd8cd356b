"""The one small interface every transport implements.

Transports know nothing of people or checks: they get a ``Delivery`` (where,
what, which idempotency key) and say what happened in a ``SendResult``. The
engine's deliver loop decides what an outcome means for the person.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["sent", "retry", "throttled", "failed", "expired"]


@dataclass(frozen=True)
class Delivery:
    method: str  # push | reply | multicast | email
    recipient: str
    payload: dict[str, Any]
    retry_key: str | None = None
    reply_token: str | None = None


@dataclass
class SendResult:
    outcome: Outcome
    detail: str = ""
    status: int | None = None
    retry_after: float | None = None
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Transport:
    """Base class. ``send`` must not raise for delivery problems; it reports them."""

    kind = ""

    def send(self, delivery: Delivery) -> SendResult:
        raise NotImplementedError


# Transport kind -> "module:Class", imported on first use so that a deployment
# without e-mail does not import smtplib machinery, and so on.
TRANSPORTS = {
    "line": "anpi.channels.line.transport:LineTransport",
    "email": "anpi.channels.email.transport:EmailTransport",
}


def transport_class(kind: str) -> type[Transport]:
    module_name, _, class_name = TRANSPORTS[kind].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
