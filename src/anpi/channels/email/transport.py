"""E-mail transport through Django's configured backend (SMTP in production)."""

from __future__ import annotations

import smtplib

from django.core.mail import send_mail

from anpi.channels.base import Delivery, SendResult, Transport


class EmailTransport(Transport):
    kind = "email"

    def send(self, delivery: Delivery) -> SendResult:
        try:
            send_mail(
                delivery.payload["subject"],
                delivery.payload["body"],
                None,
                [delivery.recipient],
                fail_silently=False,
            )
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult("failed", f"recipient refused: {exc}")
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return SendResult("retry", f"{type(exc).__name__}: {exc}")
        return SendResult("sent")
