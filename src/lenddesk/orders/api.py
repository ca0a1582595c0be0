"""The orders API (`/api/v1/orders/…`), in the public contract's style: the same
services and selectors as the pages; a stale version answers 409 with the order as it
now stands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from lenddesk.accounts.models import User
from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.selectors import customer_get
from lenddesk.orders import selectors
from lenddesk.orders.models import Workflow
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.serializers import (
    MoveInputSerializer,
    MoveResultSerializer,
    MoveSerializer,
    OrderCreateSerializer,
    OrderPatchSerializer,
    OrderSerializer,
)
from lenddesk.orders.services.conflicts import OrderConflict, conflict
from lenddesk.orders.services.moves import order_move
from lenddesk.orders.services.orders import order_open, order_update
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.errors import error_body, status_for
from lenddesk.web.idempotency import idempotent
from lenddesk.web.params import int_or_none

TAGS = ["orders"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
CONFLICT_SCHEMA = inline_serializer(
    "OrderConflict",
    fields={
        "error": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(),
        "order": OrderSerializer(),
    },
)


class OrderAPIView(TenantAPIView):
    module = "orders"

    def handle_exception(self, exc):
        if isinstance(exc, OrderConflict):
            body = error_body(exc.code, exc.messages[0])
            if exc.order is not None:
                prefetch_related_objects([exc.order], "lines")
                body["order"] = OrderSerializer(exc.order).data
            return Response(body, status=status_for(exc.code))
        if isinstance(exc, CustomerNotOwned):
            exc = PermissionDenied(detail=str(exc), code=exc.code)
        return super().handle_exception(exc)


def _order(request, pk: int):
    return selectors.order_get(
        actor=request.user, order_id=pk, related=selectors.API_RELATED
    )


def _shown(order) -> dict:
    prefetch_related_objects([order], "lines")
    return OrderSerializer(order).data


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _user(pk, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise _refuse(field, _("No such colleague."))
    return user


def _workflow(pk) -> Workflow | None:
    if pk is None:
        return None
    workflow = Workflow.objects.filter(pk=pk).first()
    if workflow is None:
        raise _refuse("workflow", _("No such workflow."))
    return workflow


LIST_PARAMETERS = [
    OpenApiParameter("status", str, description="open, completed, cancelled or all"),
    OpenApiParameter("node", str, description="a step's key, e.g. submission"),
    OpenApiParameter("owner", int, description="the owner's user id"),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="only overdue steps"),
    OpenApiParameter("customer", int, description="the customer's id"),
    OpenApiParameter("workflow", int),
    OpenApiParameter("funder", int),
    OpenApiParameter("product_type", str),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


class OrderListAPI(OrderAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.CREATE,)}

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: cursor_page("OrderPage", OrderSerializer), **ERRORS},
        operation_id="orders_list",
        tags=TAGS,
    )
    def get(self, request):
        rows, next_before = selectors.order_list(
            actor=request.user,
            filters=selectors.filters_from(request.query_params),
            before=int_or_none(request.query_params.get("before")),
        )
        prefetch_related_objects(rows, "lines")
        return Response(
            {
                "results": OrderSerializer(rows, many=True).data,
                "next_before": int(next_before) if next_before else None,
            }
        )

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, **ERRORS},
        operation_id="orders_create",
        tags=TAGS,
    )
    @idempotent
    def post(self, request):
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        try:
            customer = customer_get(actor=request.user, customer_id=data["customer"])
        except Http404:
            raise _refuse("customer", _("No such customer in your reach.")) from None
        order = order_open(
            actor=request.user,
            customer=customer,
            products=data["products"],
            amount=data["amount"],
            term_months=data["term_months"],
            fee_kind=data["fee_kind"],
            fee_rate=data.get("fee_rate"),
            fee_fixed=data.get("fee_fixed"),
            fee_tiers=[dict(t) for t in data.get("fee_tiers") or []],
            processor=_user(data.get("processor"), "processor"),
            note=data.get("note", ""),
            workflow=_workflow(data.get("workflow")),
        )
        return Response(_shown(order), status=status.HTTP_201_CREATED)


class OrderDetailAPI(OrderAPIView):
    permissions = {"GET": (P.VIEW,), "PATCH": (P.CHANGE,)}

    @extend_schema(responses={200: OrderSerializer, **ERRORS}, tags=TAGS)
    def get(self, request, pk: int):
        return Response(_shown(_order(request, pk)))

    @extend_schema(
        request=OrderPatchSerializer,
        responses={200: OrderSerializer, 409: CONFLICT_SCHEMA, **ERRORS},
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        order = _order(request, pk)
        body = OrderPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        version = data.pop("version", None)
        if version is not None and version != order.lock_version:
            raise conflict(order.pk)
        if "processor" in data:
            data["processor"] = _user(data["processor"], "processor")
        if "fee_tiers" in data:
            data["fee_tiers"] = [dict(t) for t in data["fee_tiers"]]
        order = order_update(actor=request.user, order=order, data=data)
        return Response(_shown(order))


class OrderMovesAPI(OrderAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MOVE,)}

    @extend_schema(
        responses={
            200: inline_serializer(
                "OrderMoves", {"results": MoveSerializer(many=True)}
            ),
            **ERRORS,
        },
        operation_id="orders_moves_list",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        order = _order(request, pk)
        moves = selectors.order_history(order)
        return Response({"results": MoveSerializer(moves, many=True).data})

    @extend_schema(
        request=MoveInputSerializer,
        responses={201: MoveResultSerializer, 409: CONFLICT_SCHEMA, **ERRORS},
        operation_id="orders_moves_create",
        tags=TAGS,
    )
    @idempotent
    def post(self, request, pk: int):
        order = _order(request, pk)
        body = MoveInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order = order_move(
            actor=request.user,
            order=order,
            kind=data["kind"],
            to_node=data.get("to_node") or None,
            comment=data.get("comment", ""),
            expected_version=data["version"],
        )
        return Response(
            {"move": MoveSerializer(order.recorded_move).data, "order": _shown(order)},
            status=status.HTTP_201_CREATED,
        )
