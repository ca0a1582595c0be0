"""发送记录: reading the outbox and sending a failed message again."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.audit.services import audit_record
from lenddesk.notifications.errors import ChannelAudit, ChannelError
from lenddesk.notifications.models import Channel, OutboxMessage, OutboxStatus
from lenddesk.notifications.tasks import kick_delivery
from lenddesk.tenancy.context import require_current_tenant

TEST_KIND = "notifications.test"
SORTS = {"new": "-pk", "old": "pk", "attempts": "-attempts"}


def outbox_list(*, actor, status: str = "", channel: str = "", sort: str = "new"):
    rows = OutboxMessage.objects.visible_to(actor).select_related("recipient")
    if status in OutboxStatus.values:
        rows = rows.filter(status=status)
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    return rows.order_by(SORTS.get(sort, "-pk"))


def outbox_counts(*, actor) -> dict[str, int]:
    counts = dict(
        OutboxMessage.objects.visible_to(actor)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in OutboxStatus.values}


def outbox_get(*, actor, pk: int) -> OutboxMessage:
    return get_object_or_404(OutboxMessage.objects.visible_to(actor), pk=pk)


@transaction.atomic
def outbox_retry(*, actor, message: OutboxMessage) -> OutboxMessage:
    """A failed message goes out again with a fresh count of attempts (same key, so a
    provider that saw it already does not send it twice)."""
    won = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.FAILED
    ).update(
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claim=None,
    )
    if not won:
        raise ValidationError(
            _("Only a failed message can be sent again."), code=ChannelError.NOT_FAILED
        )
    audit_record(
        actor=actor,
        action=ChannelAudit.RETRIED,
        target=message,
        changes={"last_error": message.last_error},
    )
    tenant_id = require_current_tenant().pk
    transaction.on_commit(lambda: kick_delivery(tenant_id))
    message.refresh_from_db()
    return message


@transaction.atomic
def channel_test(*, actor, channel: str) -> OutboxMessage:
    """A test message to the actor on ``channel``, whatever their preferences: the
    admin's way to check keys and templates from 消息设置."""
    if channel not in Channel.values:
        raise ValidationError(
            {
                "channel": ValidationError(
                    _("Unknown channel."), code=ChannelError.UNKNOWN_PROVIDER
                )
            }
        )
    message = OutboxMessage.objects.create(
        recipient=actor,
        channel=channel,
        kind=TEST_KIND,
        subject=_("Test message from LendDesk"),
        body=_("If you can read this, the channel works."),
    )
    audit_record(
        actor=actor,
        action=ChannelAudit.TESTED,
        target=message,
        changes={"channel": channel},
    )
    tenant_id = require_current_tenant().pk
    transaction.on_commit(lambda: kick_delivery(tenant_id))
    return message
