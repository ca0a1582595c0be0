"""Opening an order from a customer's page, and changing it within its step's locks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.customers.selectors import customer_get
from lenddesk.customers.services.pool import ensure_owned
from lenddesk.orders import selectors
from lenddesk.orders.forms import OrderEditForm, OrderOpenForm
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.services.orders import locked_fields, order_open, order_update
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none


def _customer(request):
    """The customer of ``?customer=<id>`` in the actor's reach, and owned."""
    customer_id = int_or_none(
        request.GET.get("customer") or request.POST.get("customer")
    )
    if customer_id is None:
        return None
    customer = customer_get(actor=request.user, customer_id=customer_id)
    ensure_owned(customer)
    return customer


def _initial(customer) -> dict:
    return {
        "amount": customer.demand_amount,
        "term_months": customer.demand_term_months,
        "fee_kind": "rate",
    }


class OrderCreateView(StaffView):
    permissions = {"GET": (P.CREATE,), "POST": (P.CREATE,)}

    def get(self, request):
        customer = _customer(request)
        if customer is None:
            messages.info(request, _("Open an order from the customer's page (开单)."))
            return redirect("customers:list")
        form = OrderOpenForm(initial=_initial(customer))
        return self._page(request, customer, form)

    def post(self, request):
        customer = _customer(request)
        if customer is None:
            return redirect("customers:list")
        form = OrderOpenForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: order_open(
                actor=request.user,
                customer=customer,
                workflow=data.get("workflow"),
                **form.service_values(),
            ),
            success=_("Order opened."),
            redirect_to=lambda order: reverse("orders:detail", args=[order.pk]),
        )
        return done or self._page(request, customer, form, status=400)

    def _page(self, request, customer, form, status=200):
        return render(
            request,
            "orders/form.html",
            {
                "form": form,
                "customer": customer,
                "title": _("Open an order"),
                "action": "%s?customer=%d" % (reverse("orders:create"), customer.pk),
                "cancel_url": reverse("customers:detail", args=[customer.pk]),
            },
            status=status,
        )


class OrderEditView(StaffView):
    permissions = {"GET": (P.CHANGE,), "POST": (P.CHANGE,)}

    def get(self, request, order_id):
        order = selectors.order_get(actor=request.user, order_id=order_id)
        form = OrderEditForm(order=order, locks=locked_fields(order))
        return self._page(request, order, form)

    def post(self, request, order_id):
        order = selectors.order_get(actor=request.user, order_id=order_id)
        form = OrderEditForm(request.POST, order=order, locks=locked_fields(order))
        done = form_submit(
            request,
            form,
            lambda data: order_update(
                actor=request.user, order=order, data=form.service_values()
            ),
            success=_("Business order saved."),
            redirect_to=reverse("orders:detail", args=[order.pk]),
        )
        return done or self._page(request, order, form, status=400)

    def _page(self, request, order, form, status=200):
        return render(
            request,
            "orders/form.html",
            {
                "form": form,
                "order": order,
                "customer": order.customer,
                "title": _("Change order %s") % order.number,
                "action": reverse("orders:edit", args=[order.pk]),
                "cancel_url": reverse("orders:detail", args=[order.pk]),
            },
            status=status,
        )
