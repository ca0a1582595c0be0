"""Warrant tasks and the custody register in the public API (/api/v1/).

The register only grows: an original's entries are added with POST and never
changed or removed (no PATCH, PUT or DELETE: 405).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from lenddesk.accounts.selectors import active_colleagues
from lenddesk.orders.selectors import order_get
from lenddesk.warrants import selectors
from lenddesk.warrants.errors import WarrantError, refusal
from lenddesk.warrants.permissions import WarrantPermission as P
from lenddesk.warrants.serializers import (
    CustodyEntrySerializer,
    CustodyItemSerializer,
    EntrySerializer,
    ReceiveSerializer,
    WarrantTaskPatchSerializer,
    WarrantTaskSerializer,
)
from lenddesk.warrants.services.custody import (
    Original,
    custody_check_in,
    custody_check_out,
    custody_move,
    custody_receive,
    custody_return,
)
from lenddesk.warrants.services.tasks import warrant_task_create, warrant_task_update
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView
from lenddesk.web.idempotency import idempotent
from lenddesk.web.parsers import JSONParser

ERRORS = {400: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA}
TAGS = ["warrants"]


def _documented(answer, code: int = 200, body=None, **extra):
    """The endpoint's schema: ``answer`` with ``code``, or one of the error shapes."""
    if body is not None:
        extra["request"] = body
    return extend_schema(responses={code: answer, **ERRORS}, tags=TAGS, **extra)


class WarrantAPIView(TenantAPIView):
    module = "orders"


def _order_rows(request, pk: int, rows_of, serializer_class) -> Response:
    """``rows_of(actor=, order=)`` of the order ``pk`` in the actor's reach."""
    order = order_get(actor=request.user, order_id=pk)
    rows = rows_of(actor=request.user, order=order)
    return Response(serializer_class(rows, many=True).data)


def _handler(user_id):
    if user_id is None:
        return None
    handler = selectors.handler_choices().filter(pk=user_id).first()
    if handler is None:
        raise refusal(
            "handler",
            _("The handler must be an active colleague who arranges warrant tasks."),
            WarrantError.HANDLER_INVALID,
        )
    return handler


class WarrantTaskListAPI(WarrantAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.MANAGE,)}

    @_documented(WarrantTaskSerializer(many=True), operation_id="warrant_tasks_list")
    def get(self, request, pk: int):
        return _order_rows(request, pk, selectors.order_tasks, WarrantTaskSerializer)

    @_documented(WarrantTaskSerializer, 201, body=WarrantTaskSerializer)
    @idempotent
    def post(self, request, pk: int):
        order = order_get(actor=request.user, order_id=pk)
        body = WarrantTaskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        task = warrant_task_create(
            actor=request.user,
            order=order,
            kind=data["kind"],
            handler=_handler(data.get("handler_id")),
            appointment_at=data.get("appointment_at"),
            place=data.get("place", ""),
            note=data.get("note", ""),
        )
        return Response(
            WarrantTaskSerializer(task).data, status=status.HTTP_201_CREATED
        )


class WarrantTaskDetailAPI(WarrantAPIView):
    permissions = {"GET": (P.VIEW,), "PATCH": (P.MANAGE,)}

    @_documented(WarrantTaskSerializer)
    def get(self, request, pk: int):
        task = selectors.task_get(actor=request.user, task_id=pk)
        return Response(WarrantTaskSerializer(task).data)

    @extend_schema(
        request=WarrantTaskPatchSerializer,
        responses={200: WarrantTaskSerializer, 409: ERROR_SCHEMA, **ERRORS},
        tags=TAGS,
    )
    @idempotent
    def patch(self, request, pk: int):
        task = selectors.task_get(actor=request.user, task_id=pk)
        body = WarrantTaskPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        lock_version = changes.pop("lock_version")
        if "handler" in changes:
            changes["handler"] = _handler(changes["handler"])
        task = warrant_task_update(
            actor=request.user, task=task, lock_version=lock_version, changes=changes
        )
        return Response(WarrantTaskSerializer(task).data)


class CustodyListAPI(WarrantAPIView):
    """The order's originals with their current state; POST receives originals
    against one receipt."""

    permissions = {"GET": (P.CUSTODY_VIEW,), "POST": (P.CUSTODY_MANAGE,)}

    @_documented(CustodyItemSerializer(many=True), operation_id="custody_list")
    def get(self, request, pk: int):
        return _order_rows(request, pk, selectors.order_items, CustodyItemSerializer)

    @_documented(CustodyItemSerializer(many=True), 201, body=ReceiveSerializer)
    @idempotent
    def post(self, request, pk: int):
        order = order_get(actor=request.user, order_id=pk)
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        items = custody_receive(
            actor=request.user,
            order=order,
            originals=[Original(**row) for row in data["items"]],
            received_from=data["received_from"],
            location=data["location"],
            receipt_number=data.get("receipt_number", ""),
        )
        fresh = selectors.order_items(actor=request.user, order=order)
        created = [item for item in fresh if item.pk in {i.pk for i in items}]
        return Response(
            CustodyItemSerializer(created, many=True).data,
            status=status.HTTP_201_CREATED,
        )


class CustodyEntriesAPI(WarrantAPIView):
    """An original's log (GET) and the next step in it (POST). Entries are never
    changed or removed."""

    permissions = {"GET": (P.CUSTODY_VIEW,), "POST": (P.CUSTODY_MANAGE,)}

    parser_classes = [JSONParser, MultiPartParser]

    @_documented(CustodyEntrySerializer(many=True), operation_id="custody_entries_list")
    def get(self, request, pk: int):
        item = selectors.item_get(actor=request.user, item_id=pk)
        return Response(
            CustodyEntrySerializer(selectors.item_entries(item=item), many=True).data
        )

    @_documented(
        CustodyItemSerializer,
        201,
        body={
            "application/json": EntrySerializer,
            "multipart/form-data": EntrySerializer,
        },
    )
    def post(self, request, pk: int):
        item = selectors.item_get(actor=request.user, item_id=pk)
        body = EntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _step(request.user, item, body.validated_data)
        item = selectors.item_get(actor=request.user, item_id=pk)
        return Response(
            CustodyItemSerializer(item).data, status=status.HTTP_201_CREATED
        )


def _step(actor, item, data: dict):
    action = data["action"]
    if action == "check_out":
        to = active_colleagues().filter(pk=data.get("to")).first()
        return custody_check_out(
            actor=actor,
            item=item,
            to=to,
            reason=data.get("reason", ""),
            due_back_at=data.get("due_back_at"),
        )
    if action in ("check_in", "moved"):
        to_place = custody_check_in if action == "check_in" else custody_move
        return to_place(
            actor=actor,
            item=item,
            location=data.get("location", ""),
            reason=data.get("reason", ""),
        )
    return custody_return(
        actor=actor,
        item=item,
        returned_to=data.get("returned_to", ""),
        upload=data.get("receipt_scan"),
        document_id=data.get("receipt_document"),
        note=data.get("note", ""),
    )
