"""The customer page's credit box (``{% credit_panel customer %}``), read through
the credit selectors for the person looking at the page."""

from django import template

from lenddesk.customers.credit_selectors import customer_credit_panel

register = template.Library()


@register.inclusion_tag("customers/credit/_panel.html", takes_context=True)
def credit_panel(context, customer):
    user = context["user"]
    return {
        "user": user,
        "customer": customer,
        "panel": customer_credit_panel(actor=user, customer=customer),
    }
