"""Custody register pages: the register, one original with its whole log, receiving
against a receipt, the steps after it (check out, check in, move, return) and the
printable receipt. Nothing here edits or deletes an entry: there is no such page."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lenddesk.customers.documents import document_read
from lenddesk.orders.selectors import order_get
from lenddesk.warrants import selectors
from lenddesk.warrants.forms import (
    RECEIVE_ROWS,
    CheckInForm,
    CheckOutForm,
    MoveForm,
    ReceiveForm,
    ReturnForm,
)
from lenddesk.warrants.models import OriginalKind
from lenddesk.warrants.permissions import WarrantPermission as P
from lenddesk.warrants.services.custody import (
    Original,
    custody_check_in,
    custody_check_out,
    custody_move,
    custody_receive,
    custody_return,
)
from lenddesk.warrants.views.common import page_number
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit, private_response
from lenddesk.web.params import int_or_none


def _item_url(item) -> str:
    return reverse("warrants:item", args=[item.pk])


class RegisterView(StaffView):
    permissions = {"GET": (P.CUSTODY_VIEW,)}

    def get(self, request):
        params = request.GET
        filters = selectors.CustodyFilters(
            state=params.get("state", "")
            if params.get("state") in selectors.STATES
            else "",
            overdue=params.get("overdue") == "1",
            kind=params.get("kind", "")
            if params.get("kind") in OriginalKind.values
            else "",
            q=params.get("q", "").strip()[:60],
            custodian=int_or_none(params.get("custodian")),
            order=int_or_none(params.get("order")),
        )
        listing = selectors.custody_register(
            actor=request.user, filters=filters, page=page_number(params.get("page"))
        )
        kept = params.copy()
        kept.pop("page", None)
        return render(
            request,
            "warrants/custody.html",
            {
                "listing": listing,
                "filters": filters,
                "kinds": OriginalKind.choices,
                "query": kept.urlencode(),
            },
        )


class ItemView(StaffView):
    permissions = {"GET": (P.CUSTODY_VIEW,)}

    def get(self, request, item_id):
        item = selectors.item_get(actor=request.user, item_id=item_id)
        return render(
            request,
            "warrants/item.html",
            {"item": item, "entries": selectors.item_entries(item=item)},
        )


class ReceiveView(StaffView):
    permissions = {"GET": (P.CUSTODY_MANAGE,), "POST": (P.CUSTODY_MANAGE,)}

    def _render(self, request, order, form, status=200):
        return render(
            request,
            "warrants/receive.html",
            {"form": form, "order": order, "rows": _rows(form)},
            status=status,
        )

    def get(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        initial = {
            "received_from": order.customer.name,
            "holder_0": order.customer.name,
        }
        return self._render(request, order, ReceiveForm(initial=initial))

    def post(self, request, order_id):
        order = order_get(actor=request.user, order_id=order_id)
        form = ReceiveForm(request.POST)

        def receive(data):
            return custody_receive(
                actor=request.user,
                order=order,
                originals=[Original(**row) for row in form.originals()],
                received_from=data["received_from"],
                location=data["location"],
                receipt_number=data["receipt_number"],
            )

        done = form_submit(
            request,
            form,
            receive,
            success=_("Originals received. Print the receipt for the customer."),
            redirect_to=lambda items: reverse("warrants:receipt", args=[items[0].pk]),
        )
        return done or self._render(request, order, form, status=400)


def _rows(form) -> list[dict]:
    return [
        {
            "kind": form["kind_%d" % n],
            "number": form["number_%d" % n],
            "holder": form["holder_%d" % n],
        }
        for n in range(RECEIVE_ROWS)
    ]


class CustodyStepView(StaffView):
    """One step after receiving: ``check_out``, ``check_in``, ``move`` or ``return``.
    Each appends an entry; none changes one."""

    permissions = {"GET": (P.CUSTODY_MANAGE,), "POST": (P.CUSTODY_MANAGE,)}
    step = "check_out"
    FORMS = {
        "check_out": CheckOutForm,
        "check_in": CheckInForm,
        "move": MoveForm,
        "return": ReturnForm,
    }
    TITLES = {
        "check_out": gettext_lazy("Check out"),
        "check_in": gettext_lazy("Check in"),
        "move": gettext_lazy("Move to another place"),
        "return": gettext_lazy("Return to the customer"),
    }
    MESSAGES = {
        "check_out": gettext_lazy("Checked out. The log shows it."),
        "check_in": gettext_lazy("Checked back in."),
        "move": gettext_lazy("Moved."),
        "return": gettext_lazy("Returned to the customer; the signed receipt is kept."),
    }

    def _render(self, request, item, form, status=200):
        return render(
            request,
            "warrants/step.html",
            {
                "item": item,
                "form": form,
                "step": self.step,
                "title": self.TITLES[self.step],
                "entries": selectors.item_entries(item=item),
            },
            status=status,
        )

    def get(self, request, item_id):
        item = selectors.item_get(actor=request.user, item_id=item_id)
        return self._render(request, item, self.FORMS[self.step]())

    def _act(self, request, item, data):
        actor = request.user
        if self.step == "check_out":
            return custody_check_out(actor=actor, item=item, **data)
        if self.step == "check_in":
            return custody_check_in(actor=actor, item=item, **data)
        if self.step == "move":
            return custody_move(actor=actor, item=item, **data)
        return custody_return(
            actor=actor,
            item=item,
            returned_to=data["returned_to"],
            upload=data.get("receipt_scan"),
            note=data.get("note", ""),
        )

    def post(self, request, item_id):
        item = selectors.item_get(actor=request.user, item_id=item_id)
        form = self.FORMS[self.step](request.POST, request.FILES)
        done = form_submit(
            request,
            form,
            lambda data: self._act(request, item, data),
            success=str(self.MESSAGES[self.step]),
            redirect_to=lambda entry: _item_url(item),
        )
        if done:
            return done
        item = selectors.item_get(actor=request.user, item_id=item_id)
        return self._render(request, item, form, status=400)


class ReceiptView(StaffView):
    """The printable receipt (收件单) of the originals received with ``item``."""

    permissions = {"GET": (P.CUSTODY_VIEW,)}

    def get(self, request, item_id):
        item = selectors.item_get(actor=request.user, item_id=item_id)
        return render(
            request,
            "warrants/receipt.html",
            {
                "item": item,
                "order": item.order,
                "items": selectors.receipt_items(actor=request.user, item=item),
            },
        )


class OrderDocumentView(StaffView):
    """A document of the order's customer, for whoever handles the order's papers
    (a warrant officer need not see the customer otherwise). The read is audited."""

    permissions = {"GET": (P.VIEW, P.CUSTODY_VIEW)}

    def get(self, request, order_id, document_id):
        order = order_get(actor=request.user, order_id=order_id)
        document = selectors.order_document_get(order=order, document_id=document_id)
        response = HttpResponse(
            document_read(actor=request.user, document=document),
            content_type=document.content_type,
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''%s" % quote(
            document.filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        return private_response(response)
