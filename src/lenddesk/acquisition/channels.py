"""The firm's acquisition channels, their ad accounts and what was spent on them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lenddesk.acquisition.models import AdAccount, AdSpend, Channel, ChannelKind
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record, diff


def channel_for(*, name: str, kind: str) -> Channel:
    """The firm's channel of this name, created with ``kind`` the first time."""
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"channel": _("Enter the channel's name.")})
    if kind not in ChannelKind.values:
        kind = ChannelKind.OTHER
    channel = Channel.objects.filter(name=name).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            return Channel.objects.create(name=name, kind=kind)
    except IntegrityError:
        # Another request created it between our read and our insert.
        return Channel.objects.get(name=name)


def _clean_name(value, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("Enter a name.")})
    if len(value) > limit:
        raise ValidationError({field: _("Use at most %d characters.") % limit})
    return value


@transaction.atomic
def channel_save(
    *, actor, channel: Channel | None = None, name: str, kind: str, active: bool = True
) -> Channel:
    name = _clean_name(name, "name", 60)
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": _("Choose a kind of channel.")})
    taken = Channel.objects.filter(name=name)
    if channel is not None:
        taken = taken.exclude(pk=channel.pk)
    if taken.exists():
        raise ValidationError({"name": _("A channel with this name already exists.")})
    before = (
        {"name": channel.name, "kind": channel.kind, "active": channel.active}
        if channel
        else {}
    )
    channel = channel or Channel()
    channel.name, channel.kind, channel.active = name, kind, active
    channel.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANNEL_SAVED,
        target=channel,
        changes=diff(before, {"name": name, "kind": kind, "active": active}),
    )
    return channel


@transaction.atomic
def ad_account_save(
    *,
    actor,
    account: AdAccount | None = None,
    channel: Channel,
    name: str,
    external_id: str = "",
    active: bool = True,
) -> AdAccount:
    name = _clean_name(name, "name", 80)
    external_id = (external_id or "").strip()[:80]
    taken = AdAccount.objects.filter(channel=channel, name=name)
    if account is not None:
        taken = taken.exclude(pk=account.pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("This channel already has an ad account with this name.")}
        )
    before = (
        {
            "channel": account.channel_id,
            "name": account.name,
            "external_id": account.external_id,
            "active": account.active,
        }
        if account
        else {}
    )
    account = account or AdAccount()
    account.channel, account.name = channel, name
    account.external_id, account.active = external_id, active
    account.save()
    audit_record(
        actor=actor,
        action=AuditAction.AD_ACCOUNT_SAVED,
        target=account,
        changes=diff(
            before,
            {
                "channel": channel.pk,
                "name": name,
                "external_id": external_id,
                "active": active,
            },
        ),
    )
    return account


@transaction.atomic
def spend_save(
    *,
    actor,
    ad_account: AdAccount,
    period_start,
    period_end,
    amount,
    campaign: str = "",
    note: str = "",
) -> AdSpend:
    """Enter (or correct) what was spent on an account/campaign over a period."""
    errors = {}
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if not amount.is_finite() or amount < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = _("Enter an amount of 0 or more.")
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The end of the period is before its start.")
    if errors:
        raise ValidationError(errors)
    campaign = (campaign or "").strip()[:80]
    spend = AdSpend.objects.filter(
        ad_account=ad_account, campaign=campaign, period_start=period_start
    ).first()
    before = (
        {"amount": str(spend.amount), "period_end": str(spend.period_end)}
        if spend
        else {}
    )
    spend = spend or AdSpend(
        ad_account=ad_account,
        campaign=campaign,
        period_start=period_start,
        created_by=actor,
    )
    spend.period_end, spend.amount, spend.note = period_end, amount, (note or "")[:200]
    spend.save()
    audit_record(
        actor=actor,
        action=AuditAction.SPEND_SAVED,
        target=spend,
        changes={
            "ad_account": ad_account.pk,
            "campaign": campaign,
            "period": [str(period_start), str(period_end)],
            **diff(before, {"amount": str(amount), "period_end": str(period_end)}),
        },
    )
    return spend
