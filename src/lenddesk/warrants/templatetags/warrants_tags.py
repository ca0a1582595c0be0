"""Small template helpers of the warrant pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

STATUS_BADGE = {
    "pending": "bg-yellow-lt",
    "booked": "bg-blue-lt",
    "done": "bg-green-lt",
    "cancelled": "bg-secondary-lt",
}
ACTION_BADGE = {
    "received": "bg-green-lt",
    "moved": "bg-azure-lt",
    "checked_out": "bg-orange-lt",
    "checked_in": "bg-green-lt",
    "returned": "bg-secondary-lt",
}


@register.simple_tag
def order_url(order_id) -> str:
    """The order page when the orders app serves it, else the order's warrant
    tasks."""
    try:
        return reverse("orders:detail", args=[order_id])
    except NoReverseMatch:
        return "%s?order=%s" % (reverse("warrants:tasks"), order_id)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "bg-secondary-lt")


@register.filter
def action_badge(action: str) -> str:
    return ACTION_BADGE.get(action, "bg-secondary-lt")
