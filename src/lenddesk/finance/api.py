"""The finance API (``/api/v1/receipts/``, ``/api/v1/receivables/``): the same
services and selectors as the pages, keyset pages (``before``: the last id)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from lenddesk.finance import selectors
from lenddesk.finance.models import ReceiptKind
from lenddesk.finance.permissions import FinancePermission as P
from lenddesk.finance.serializers import (
    ReceiptCreateSerializer,
    ReceiptSerializer,
    ReceivableSerializer,
)
from lenddesk.finance.services.common import refusal
from lenddesk.finance.services.receipts import (
    receipt_record,
    receivable_of_order,
    refund_record,
    writeoff_record,
)
from lenddesk.orders.selectors import orders_visible
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.idempotency import idempotent
from lenddesk.web.params import int_or_none

TAGS = ["finance"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE = 50
MONEY_CODES = (P.RECEIVE, P.REFUND, P.WRITEOFF)
KIND_CODES = {
    ReceiptKind.RECEIPT: P.RECEIVE,
    ReceiptKind.REFUND: P.REFUND,
    ReceiptKind.WRITEOFF: P.WRITEOFF,
}


class FinanceAPIView(TenantAPIView):
    module = "finance"


def _page(rows, before):
    if before:
        rows = rows.filter(pk__lt=before)
    found = list(rows.order_by("-id")[: PAGE + 1])
    more = len(found) > PAGE
    found = found[:PAGE]
    return found, (found[-1].pk if more else None)


RECEIVABLE_PARAMETERS = [
    OpenApiParameter("status", str, description="open, settled, written_off or all"),
    OpenApiParameter("aging", str, description="0_30, 31_60, 61_90 or over_90"),
    OpenApiParameter("q", str, description="the start of an order number"),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


class ReceivableListAPI(FinanceAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        parameters=RECEIVABLE_PARAMETERS,
        responses={200: cursor_page("ReceivablePage", ReceivableSerializer), **ERRORS},
        operation_id="receivables_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        f = selectors.ReceivableFilters.from_params(params)
        rows = selectors.receivable_list(request.user, f)
        found, next_before = _page(rows, int_or_none(params.get("before")))
        return Response(
            {
                "results": ReceivableSerializer(found, many=True).data,
                "next_before": next_before,
            }
        )


class ReceivableDetailAPI(FinanceAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        responses={200: ReceivableSerializer, **ERRORS},
        operation_id="receivables_get",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(
            ReceivableSerializer(selectors.receivable_get(request.user, pk)).data
        )


RECEIPT_PARAMETERS = [
    OpenApiParameter("kind", str, description="receipt, refund or writeoff"),
    OpenApiParameter("receivable", int),
    OpenApiParameter("order", int),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


def _receivable_for(request, data):
    if data.get("receivable"):
        try:
            return selectors.receivable_get(request.user, data["receivable"])
        except Http404:  # a refusal naming the field
            raise refusal(
                "receivable", _("No such receivable in your reach."), "invalid"
            ) from None
    order = orders_visible(request.user).filter(pk=data["order"]).first()
    if order is None:
        raise refusal("order", _("No such order in your reach."), "invalid")
    return receivable_of_order(order)


def _record(request, receivable, data):
    kind = data["kind"]
    common = {
        "actor": request.user,
        "receivable": receivable,
        "occurred_on": data["occurred_on"],
        "note": data.get("note", ""),
    }
    if kind == ReceiptKind.WRITEOFF:
        return writeoff_record(amount=data.get("amount"), **common)
    common.update(amount=data.get("amount"), account=data.get("account"))
    common["reference"] = data.get("reference", "")
    if kind == ReceiptKind.REFUND:
        return refund_record(refund_of=data.get("refund_of"), **common)
    return receipt_record(invoice_no=data.get("invoice_no", ""), **common)


class ReceiptListAPI(FinanceAPIView):
    permissions = {"GET": (P.VIEW,), "POST": MONEY_CODES}

    @extend_schema(
        parameters=RECEIPT_PARAMETERS,
        responses={200: cursor_page("ReceiptPage", ReceiptSerializer), **ERRORS},
        operation_id="receipts_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        rows = selectors.receipts_visible(request.user)
        if params.get("kind") in ReceiptKind.values:
            rows = rows.filter(kind=params["kind"])
        for name in ("receivable", "order"):
            if params.get(name) is not None:
                rows = rows.filter(**{name: int_or_none(params[name]) or 0})
        found, next_before = _page(rows, int_or_none(params.get("before")))
        return Response(
            {
                "results": ReceiptSerializer(found, many=True).data,
                "next_before": next_before,
            }
        )

    @extend_schema(
        request=ReceiptCreateSerializer,
        responses={201: ReceiptSerializer, **ERRORS},
        operation_id="receipts_create",
        tags=TAGS,
    )
    @idempotent
    def post(self, request):
        body = ReceiptCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if not request.user.has_code(KIND_CODES[data["kind"]]):
            raise PermissionDenied(_("You may not record this kind of row."))
        receipt = _record(request, _receivable_for(request, data), data)
        shown = selectors.receipt_get(request.user, receipt.pk)
        return Response(ReceiptSerializer(shown).data, status=status.HTTP_201_CREATED)


class ReceiptDetailAPI(FinanceAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        responses={200: ReceiptSerializer, **ERRORS},
        operation_id="receipts_get",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(ReceiptSerializer(selectors.receipt_get(request.user, pk)).data)
