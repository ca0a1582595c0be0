"""The 拨打 button and the calls panel other apps' pages include."""

from django import template

from lenddesk.telephony import selectors

register = template.Library()


def _enabled(context) -> bool:
    tenant = context.get("tenant") or getattr(context.get("request"), "tenant", None)
    return tenant is not None and tenant.has_module("telephony")


@register.inclusion_tag("telephony/_call_panel.html", takes_context=True)
def call_panel(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = bool(user and _enabled(context) and user.has_code("telephony.records"))
    return {
        "shown": shown,
        "request": request,
        "tenant": context.get("tenant"),
        "customer": customer,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "calls": selectors.customer_calls(actor=user, customer_id=customer.pk, limit=10)
        if shown
        else [],
        "dnc": selectors.dnc_rows(user).filter(customer_id=customer.pk).first()
        if shown
        else None,
    }


@register.inclusion_tag("telephony/_call_button.html", takes_context=True)
def call_button(context, customer, small=False):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "shown": bool(user and _enabled(context) and user.has_code("telephony.call")),
        "customer": customer,
        "small": small,
    }
