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


class WarrantAPIView(TenantAPIView):
    module = "orders"


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

    @extend_schema(
        responses={200: WarrantTaskSerializer(many=True), **ERRORS},
        operation_id="warrant_tasks_list",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        order = selectors.order_get(actor=request.user, order_id=pk)
        tasks = selectors.order_tasks(actor=request.user, order=order)
        return Response(WarrantTaskSerializer(tasks, many=True).data)

    @extend_schema(
        request=WarrantTaskSerializer,
        responses={201: WarrantTaskSerializer, **ERRORS},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, pk: int):
        order = selectors.order_get(actor=request.user, order_id=pk)
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

    @extend_schema(responses={200: WarrantTaskSerializer, **ERRORS}, tags=TAGS)
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

    @extend_schema(
        responses={200: CustodyItemSerializer(many=True), **ERRORS},
        operation_id="custody_list",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        order = selectors.order_get(actor=request.user, order_id=pk)
        items = selectors.order_items(actor=request.user, order=order)
        return Response(CustodyItemSerializer(items, many=True).data)

    @extend_schema(
        request=ReceiveSerializer,
        responses={201: CustodyItemSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, pk: int):
        order = selectors.order_get(actor=request.user, order_id=pk)
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

    @extend_schema(
        responses={200: CustodyEntrySerializer(many=True), **ERRORS},
        operation_id="custody_entries_list",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        item = selectors.item_get(actor=request.user, item_id=pk)
        return Response(
            CustodyEntrySerializer(selectors.item_entries(item=item), many=True).data
        )

    @extend_schema(
        request={
            "application/json": EntrySerializer,
            "multipart/form-data": EntrySerializer,
        },
        responses={201: CustodyItemSerializer, **ERRORS},
        tags=TAGS,
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
    if action == "check_in":
        return custody_check_in(
            actor=actor,
            item=item,
            location=data.get("location", ""),
            reason=data.get("reason", ""),
        )
    if action == "moved":
        return custody_move(
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
