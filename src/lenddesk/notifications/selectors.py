from django.shortcuts import get_object_or_404

from lenddesk.accounts.models import User
from lenddesk.notifications.models import Notification

PAGE = 50


def unread_count(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def inbox(*, actor: User, unread_only: bool = False, before: int | None = None):
    """Newest first, keyset-paged by id; returns (rows, id to continue before)."""
    rows = Notification.objects.filter(recipient=actor)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if before:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-pk")[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    return page, (page[-1].pk if more else None)


def notification_get(*, actor: User, pk: int) -> Notification:
    """Only the recipient can open a notification; anyone else gets 404."""
    return get_object_or_404(Notification.objects.filter(recipient=actor), pk=pk)
