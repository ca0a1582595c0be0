"""Sending and reading notifications. Other apps call ``notify``; it writes inside the
caller's transaction, so a rolled-back action leaves no message behind."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from lenddesk.accounts.models import User
from lenddesk.notifications.models import Notification


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    target: Model | None = None,
    dedupe_key: str = "",
) -> int:
    """Store one notification per active recipient; with ``dedupe_key`` a recipient who
    already has that key gets nothing new. Returns how many were stored."""
    people = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not people:
        return 0
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind[:40],
            title=str(title)[:200],
            body=str(body),
            url=url[:300],
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            dedupe_key=dedupe_key[:120],
        )
        for pk in people
    ]
    if dedupe_key:
        already = set(
            Notification.objects.filter(
                recipient_id__in=people, dedupe_key=dedupe_key
            ).values_list("recipient_id", flat=True)
        )
        rows = [r for r in rows if r.recipient_id not in already]
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            rows, ignore_conflicts=bool(dedupe_key)
        )
    return len(created)


def notification_mark_read(*, actor: User, notification: Notification) -> None:
    """Reading your own messages is not a business change: no audit row."""
    Notification.objects.filter(
        pk=notification.pk, recipient=actor, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
