"""What every warrant write shares: the audit action names, making a handler a
participant of the order (so they see it whatever their data scope) and the in-app
messages."""

from __future__ import annotations

from django.db.models import TextChoices
from django.urls import NoReverseMatch, reverse

from lenddesk.orders.models import Order, OrderStatus
from lenddesk.orders.services.orders import participant_add
from lenddesk.warrants.errors import WarrantError, refusal
from lenddesk.warrants.permissions import WarrantPermission

ROLE_KEY = "warrant_officer"


class WarrantAudit(TextChoices):
    """Audit actions of the warrant centre (``audit_record``'s ``action``)."""

    TASK_CREATED = "warrant.task_created"
    TASK_UPDATED = "warrant.task_updated"
    RECEIVED = "custody.received"
    MOVED = "custody.moved"
    CHECKED_OUT = "custody.checked_out"
    CHECKED_IN = "custody.checked_in"
    RETURNED = "custody.returned"


def ensure_participant(order: Order, user, role_key: str = ROLE_KEY) -> None:
    """Someone who handles the order's papers sees the order (``Order.visible_to``)."""
    if user is not None:
        participant_add(order, user.pk, role_key, replace_role=False)


def ensure_order_open(order: Order, message) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise refusal(None, message, WarrantError.ORDER_CLOSED)


def can_handle(user) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.has_code(WarrantPermission.MANAGE.value)
    )


def page_url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # pragma: no cover - the URLs are always installed
        return ""
