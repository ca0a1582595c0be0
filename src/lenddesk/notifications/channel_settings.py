"""消息设置: the firm switches channels on, picks providers and stores credentials.

Credentials are write-only: the page shows a masked hint of the key id, never the
secret; an empty credential field keeps what is stored.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.notifications.channels import CREDENTIAL_KEYS, PROVIDERS
from lenddesk.notifications.errors import ChannelAudit, ChannelError, field_error
from lenddesk.notifications.kinds import KINDS
from lenddesk.notifications.models import Channel, ChannelConfig
from lenddesk.notifications.preferences import forget_live_channels
from lenddesk.security.masking import mask_bank_card


def channel_configs() -> dict[str, ChannelConfig]:
    """Every channel, stored or not yet (unsaved, off)."""
    stored = {c.channel: c for c in ChannelConfig.objects.all()}
    return {
        ch: stored.get(ch) or ChannelConfig(channel=ch, provider=PROVIDERS[ch][0][0])
        for ch in Channel.values
    }


def credentials_of(config: ChannelConfig) -> dict:
    raw = config.get_secret("credentials") if config.credentials_cipher else None
    return json.loads(raw) if raw else {}


def _hint(credentials: dict) -> str:
    first = next((v for v in credentials.values() if v), "")
    return mask_bank_card(first)[:80] if first else ""


@transaction.atomic
def channel_config_save(
    *,
    actor,
    channel: str,
    enabled: bool,
    provider: str,
    default_kinds: list[str],
    credentials: dict[str, str] | None = None,
) -> ChannelConfig:
    if channel not in Channel.values:
        raise field_error(
            "channel", _("Unknown channel."), ChannelError.UNKNOWN_PROVIDER
        )
    if provider not in {p for p, _label in PROVIDERS[channel]}:
        raise field_error(
            "provider",
            _("Unknown provider for this channel."),
            ChannelError.UNKNOWN_PROVIDER,
        )
    unknown = [k for k in default_kinds if k not in KINDS]
    if unknown:
        raise field_error(
            "default_kinds",
            _("Unknown kind of event: %s") % unknown[0][:40],
            ChannelError.UNKNOWN_KIND,
        )
    config = channel_configs()[channel]
    kept = credentials_of(config) if config.provider == provider else {}
    given = {
        k: str(v).strip()
        for k, v in (credentials or {}).items()
        if k in CREDENTIAL_KEYS.get(provider, ()) and str(v).strip()
    }
    merged = {**kept, **given}
    config.enabled = enabled
    config.provider = provider
    config.default_kinds = sorted(set(default_kinds))
    config.set_secret("credentials", json.dumps(merged) if merged else None)
    config.credentials_hint = _hint(merged)
    config.save()
    forget_live_channels()
    audit_record(
        actor=actor,
        action=ChannelAudit.CONFIG_CHANGED,
        target=config,
        changes={
            "enabled": enabled,
            "provider": provider,
            "default_kinds": config.default_kinds,
            "credentials_changed": sorted(given),  # names only, never values
        },
    )
    return config
