"""Sending and reading notifications. Other apps call ``notify``; it writes inside the
caller's transaction, so a rolled-back action leaves no message behind — neither in
the inbox nor in the outbox that carries it by email, SMS or WeChat (``outbox``)."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.notifications.models import Notification
from lenddesk.notifications.outbox import outbox_enqueue
from lenddesk.notifications.tasks import kick_delivery
from lenddesk.tenancy.context import require_current_tenant


def message(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    target: Model | None = None,
    dedupe_key: str = "",
) -> Notification:
    """One unsaved notification, for ``notify_all``."""
    return Notification(
        recipient=recipient,
        kind=kind[:40],
        title=str(title)[:200],
        body=str(body),
        url=url[:300],
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        dedupe_key=dedupe_key[:120],
    )


def notify_all(messages: Iterable[Notification]) -> int:
    """Store messages for active recipients in one insert; a message whose recipient
    already has its ``dedupe_key`` is dropped. Returns how many were stored."""
    rows = [m for m in messages if m.recipient is not None and m.recipient.is_active]
    keyed = {(m.recipient_id, m.dedupe_key) for m in rows if m.dedupe_key}
    if keyed:
        already = set(
            Notification.objects.filter(
                recipient_id__in={r for r, _k in keyed},
                dedupe_key__in={k for _r, k in keyed},
            ).values_list("recipient_id", "dedupe_key")
        )
        rows = [m for m in rows if (m.recipient_id, m.dedupe_key) not in already]
    if not rows:
        return 0
    # no savepoint inside the caller's transaction: a failure here fails the action
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(keyed))
        # The same messages by email, SMS and WeChat where the firm and the person
        # want them: outbox rows in this transaction, delivered after its commit.
        if outbox_enqueue(rows):
            tenant_id = require_current_tenant().pk
            transaction.on_commit(lambda: kick_delivery(tenant_id))
    return len(rows)


def notify(*, recipients: Iterable[User], **content) -> int:
    """The same notification to several people (see ``message`` for the content)."""
    people = {u.pk: u for u in recipients if u is not None}
    return notify_all(message(recipient=u, **content) for u in people.values())


def notification_mark_read(*, actor: User, notification: Notification) -> None:
    """Reading your own messages is not a business change: no audit row."""
    Notification.objects.filter(
        pk=notification.pk, recipient=actor, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
