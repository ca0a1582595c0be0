"""Sending claimed outbox messages through the firm's adapters.

Addresses are read when the message is sent (the staff member's email, mobile or
WeChat openid as they are then) and only their masked form is stored and logged.
"""

from __future__ import annotations

import logging

from django.conf import settings

from lenddesk.notifications.channel_settings import channel_configs, credentials_of
from lenddesk.notifications.channels import Delivery, SendFailed, adapter_for
from lenddesk.notifications.models import OutboxMessage, WechatBinding
from lenddesk.notifications.outbox import BATCH, outbox_claim, outbox_record
from lenddesk.notifications.sms_templates import render, template_for
from lenddesk.security.crypto import normalize_mobile
from lenddesk.security.masking import mask_name, mask_phone
from lenddesk.tenancy.context import require_current_tenant, tenant_context

log = logging.getLogger("lenddesk.notifications.outbox")
MAX_BATCHES = 20


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return "%s@%s" % (mask_name(local), domain)


def _address(message: OutboxMessage) -> tuple[str, str]:
    """(full address, masked address) of the recipient on the message's channel."""
    user = message.recipient
    if not user.is_active:
        raise SendFailed("recipient_inactive", permanent=True)
    if message.channel == "email":
        if not user.email:
            raise SendFailed("no_email", permanent=True)
        return user.email, _mask_email(user.email)
    if message.channel == "sms":
        try:
            mobile = normalize_mobile(user.get_secret("phone") or "")
        except Exception:
            raise SendFailed("no_mobile", permanent=True) from None
        return mobile, mask_phone(mobile)
    binding = WechatBinding.objects.filter(user=user).first()
    if binding is None:
        raise SendFailed("no_wechat", permanent=True)
    return binding.openid, mask_name(binding.openid)


def _delivery(message: OutboxMessage, to: str) -> Delivery:
    firm = require_current_tenant().name
    url = message.url
    if url.startswith("/"):
        url = getattr(settings, "NOTIFY_SITE_URL", "").rstrip("/") + url
    if message.channel != "sms":
        return Delivery(
            to=to,
            subject=message.subject,
            body=message.body,
            url=url,
            key=str(message.key),
            variables={"firm": firm},
        )
    template = template_for(message.kind)
    if template is None:
        raise SendFailed("no_template", permanent=True)
    sms = render(template, title=message.subject, body=message.body, firm=firm)
    return Delivery(
        to=to,
        subject=message.subject,
        body=sms["text"],
        key=str(message.key),
        variables={"sign_name": sms["sign_name"], "params": sms["params"]},
        provider_code=sms["provider_code"],
    )


def _prepare(message: OutboxMessage, configs: dict):
    """(adapter, delivery) for one message, read inside the firm's transaction."""
    config = configs[message.channel]
    if not config.enabled:
        raise SendFailed("channel_off", permanent=True)
    to, masked = _address(message)
    message.address_hint = masked
    adapter = adapter_for(message.channel, config.provider, credentials_of(config))
    delivery = _delivery(message, to)
    if message.channel == "sms":
        message.sent_text = delivery.body
    return adapter, delivery


def deliver_one(message: OutboxMessage, configs: dict) -> str:
    try:
        with tenant_context(require_current_tenant()):
            adapter, delivery = _prepare(message, configs)
        provider_id = adapter.send(delivery)  # outside any transaction
    except SendFailed as exc:
        return outbox_record(message, error=exc)
    except Exception as exc:
        log.exception("outbox %s: adapter error", message.pk)
        return outbox_record(message, error=SendFailed("internal", type(exc).__name__))
    return outbox_record(message, provider_id=provider_id)


def outbox_deliver_due(*, batches: int = MAX_BATCHES) -> dict[str, int]:
    """Deliver the current firm's due messages, batch by batch (the firm is bound,
    each step is its own transaction). Returns counts by outcome."""
    outcomes: dict[str, int] = {}
    for _n in range(batches):
        claimed = outbox_claim(BATCH)
        if not claimed:
            break
        with tenant_context(require_current_tenant()):
            configs = channel_configs()
        for message in claimed:
            status = deliver_one(message, configs)
            outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
