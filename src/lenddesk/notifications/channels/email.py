"""Email through Django's mail backend (SMTP in production, EMAIL_* settings)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from lenddesk.notifications.channels.base import Adapter, Delivery, SendFailed


class EmailAdapter(Adapter):
    name = "smtp"

    def send(self, delivery: Delivery) -> str:
        # A Message-ID made from the outbox key: a retry after a lost answer carries
        # the same id, so mail systems that dedupe by it show one message.
        domain = getattr(settings, "NOTIFY_EMAIL_DOMAIN", "lenddesk.local")
        message_id = "<%s@%s>" % (delivery.key, domain)
        body = delivery.body
        if delivery.url:
            body = "%s\n\n%s" % (body, delivery.url) if body else delivery.url
        email = EmailMessage(
            subject=delivery.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.to],
            headers={"Message-ID": message_id},
            connection=get_connection(timeout=10),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            raise SendFailed("recipient_refused", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed("mail_error", exc.__class__.__name__) from None
        return message_id.strip("<>")
