"""Who gets which kind of event on which channel.

The inbox always gets everything. An external channel (email, SMS, WeChat) carries a
kind to a person when the firm has switched the channel on and either the person
chose it on 我的通知偏好, or the person has not chosen and the firm lists the kind
among the channel's defaults. A person's "off" beats the firm's default.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.notifications.errors import ChannelAudit, ChannelError, field_error
from lenddesk.notifications.kinds import KINDS
from lenddesk.notifications.models import (
    Channel,
    ChannelConfig,
    ChannelPreference,
    WechatBinding,
)
from lenddesk.tenancy.context import require_current_tenant

MODULE = "notifications"
CACHE_SECONDS = 60
EXTERNAL = tuple(Channel.values)


def _cache_key(tenant_id: int) -> str:
    return "notify:channels:%d" % tenant_id


def live_channels() -> dict[str, frozenset[str]]:
    """{channel: default kinds} of the current firm's switched-on channels. Cached for
    a minute (``forget_live_channels`` on every change), so ``notify`` costs no query
    for a firm without channels."""
    tenant = require_current_tenant()
    if not tenant.has_module(MODULE):
        return {}
    key = _cache_key(tenant.pk)
    found = cache.get(key)
    if found is None:
        found = {
            c.channel: list(c.default_kinds or [])
            for c in ChannelConfig.objects.filter(enabled=True)
        }
        cache.set(key, found, CACHE_SECONDS)
    return {channel: frozenset(kinds) for channel, kinds in found.items()}


def forget_live_channels() -> None:
    key = _cache_key(require_current_tenant().pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def channels_for(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    """For (user id, kind) pairs, the external channels each should go out on."""
    live = live_channels()
    pairs = set(pairs)
    if not live or not pairs:
        return {}
    chosen = {
        (p.user_id, p.kind, p.channel): p.enabled
        for p in ChannelPreference.objects.filter(
            user_id__in={u for u, _k in pairs},
            kind__in={k for _u, k in pairs},
            channel__in=list(live),
        )
    }
    plan = {}
    for user_id, kind in pairs:
        wanted = [
            channel
            for channel, defaults in live.items()
            if chosen.get((user_id, kind, channel), kind in defaults)
        ]
        if wanted:
            plan[(user_id, kind)] = sorted(wanted)
    return plan


def preference_matrix(*, actor) -> list[dict]:
    """Rows for 我的通知偏好: each known kind with, per live channel, whether it is on
    for the actor and whether that is the firm's default."""
    live = live_channels()
    chosen = {
        (p.kind, p.channel): p.enabled
        for p in ChannelPreference.objects.filter(user=actor)
    }
    rows = []
    for kind, label in KINDS.items():
        cells = []
        for channel in EXTERNAL:
            if channel not in live:
                continue
            default = kind in live[channel]
            cells.append(
                {
                    "channel": channel,
                    "channel_label": Channel(channel).label,
                    "on": chosen.get((kind, channel), default),
                    "default": default,
                }
            )
        rows.append({"kind": kind, "label": label, "cells": cells})
    return rows


@transaction.atomic
def preferences_save(*, actor, selected: Iterable[str]) -> int:
    """``selected`` holds ``kind|channel`` for every box ticked on the matrix (every
    box of a live channel not ticked is off). Returns the choices kept."""
    live = live_channels()
    ticked = set()
    for item in selected:
        kind, _sep, channel = str(item).partition("|")
        if kind not in KINDS or channel not in live:
            raise field_error(
                "selected",
                _("Unknown kind or channel: %s") % str(item)[:80],
                ChannelError.UNKNOWN_KIND,
            )
        ticked.add((kind, channel))
    # Only choices that differ from the firm's default are kept, so a box left as
    # the firm has it follows the firm when the firm changes its default later.
    rows = [
        ChannelPreference(
            user=actor, kind=kind, channel=channel, enabled=(kind, channel) in ticked
        )
        for kind in KINDS
        for channel, defaults in live.items()
        if ((kind, channel) in ticked) != (kind in defaults)
    ]
    ChannelPreference.objects.filter(user=actor).delete()
    ChannelPreference.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=ChannelAudit.PREFERENCES_SAVED,
        target=actor,
        changes={"on": sorted("%s|%s" % pair for pair in ticked)},
    )
    return len(rows)


def wechat_openid(*, actor) -> str:
    binding = WechatBinding.objects.filter(user=actor).first()
    return binding.openid if binding else ""


@transaction.atomic
def wechat_bind(*, actor, openid: str) -> None:
    """The actor's own openid at the firm's official account; empty unbinds."""
    openid = (openid or "").strip()
    if openid:
        WechatBinding.objects.update_or_create(user=actor, defaults={"openid": openid})
    else:
        WechatBinding.objects.filter(user=actor).delete()
    audit_record(
        actor=actor,
        action=ChannelAudit.WECHAT_BOUND,
        target=actor,
        changes={"bound": bool(openid)},
    )
