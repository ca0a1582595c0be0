"""The channel adapters behind ``notify``: which provider class carries which
channel. ``PROVIDERS[channel]`` lists the choices a firm may pick on 消息设置."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lenddesk.notifications.channels.base import (
    Adapter,
    Delivery,
    SendFailed,
    failure_text,
)
from lenddesk.notifications.channels.email import EmailAdapter
from lenddesk.notifications.channels.sms import AliyunSms, SimulatedSms
from lenddesk.notifications.channels.wechat import SimulatedWechat, WechatOfficial

ADAPTERS: dict[tuple[str, str], type[Adapter]] = {
    ("email", "smtp"): EmailAdapter,
    ("sms", "simulated"): SimulatedSms,
    ("sms", "aliyun"): AliyunSms,
    ("wechat", "simulated"): SimulatedWechat,
    ("wechat", "wechat_mp"): WechatOfficial,
}

PROVIDERS: dict[str, list[tuple[str, str]]] = {
    "email": [("smtp", _("SMTP server (system settings)"))],
    "sms": [("simulated", _("Simulated")), ("aliyun", _("Alibaba Cloud SMS"))],
    "wechat": [
        ("simulated", _("Simulated")),
        ("wechat_mp", _("WeChat official account")),
    ],
}

# The credential keys each provider takes (the page asks for these, write-only).
CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {
    "aliyun": ("access_key_id", "access_key_secret"),
    "wechat_mp": ("app_id", "app_secret", "template_id"),
}


def adapter_for(channel: str, provider: str, credentials: dict) -> Adapter:
    try:
        cls = ADAPTERS[(channel, provider)]
    except KeyError:
        raise SendFailed("no_adapter", provider, permanent=True) from None
    return cls(credentials)


__all__ = [
    "PROVIDERS",
    "Adapter",
    "Delivery",
    "SendFailed",
    "adapter_for",
    "failure_text",
]
