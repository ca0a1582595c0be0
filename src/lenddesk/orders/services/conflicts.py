"""Refusals of orders that carry more than a message: the conflict of two people
moving one order (409 with the order as it now stands) and the field a step locks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from lenddesk.accounts.grants import refusal
from lenddesk.orders.errors import OrderError
from lenddesk.orders.models import Order, OrderMove


class OrderConflict(ValidationError):
    """Someone else moved (or changed) the order since the caller read it. ``order``
    is the order as it now stands; the API answers 409 with it."""

    def __init__(self, message: str, *, order: Order):
        super().__init__(message, code=OrderError.MOVED_BY_SOMEONE_ELSE)
        self.code = OrderError.MOVED_BY_SOMEONE_ELSE
        self.order = order


def conflict(order_id: int) -> OrderConflict:
    """The conflict naming who moved the order last, to which step and when."""
    order = (
        Order.objects.select_related("node", "customer", "owner", "processor")
        .filter(pk=order_id)
        .first()
    )
    last = (
        OrderMove.objects.filter(order_id=order_id)
        .select_related("actor", "to_node")
        .order_by("-id")
        .first()
    )
    if last is None or order is None:
        return OrderConflict(
            _("Someone else changed this order in the meantime. Reload and try again."),
            order=order,
        )
    message = _(
        "%(who)s already moved this order (%(kind)s → %(step)s) at %(when)s. "
        "Reload to see where it stands now."
    ) % {
        "who": last.actor or _("the system"),
        "kind": last.get_kind_display(),
        "step": last.to_node.name if last.to_node else "—",
        "when": timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M:%S"),
    }
    return OrderConflict(message, order=order)


def locked(field: str, label: str, step: str) -> ValidationError:
    return refusal(
        field,
        _("%(field)s is locked from the step %(step)s on and cannot change now.")
        % {"step": step, "field": label},
        OrderError.FIELD_LOCKED,
    )


def refused(field: str | None, message: str, code: str) -> ValidationError:
    return refusal(field, message, code)
