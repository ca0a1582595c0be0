"""The commissions API (`/api/v1/commissions/…`): statements to read (with their
lines), payout batches to list, make, mark paid and download. Same selectors and
services as the pages; errors in the one shape (``ERROR_SCHEMA``)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from lenddesk.commissions import payouts, selectors
from lenddesk.commissions.errors import refusal
from lenddesk.commissions.models import (
    PartnerLine,
    PayingEntity,
    PayoutBatch,
    PayoutItem,
    StaffLine,
)
from lenddesk.commissions.permissions import CommissionPermission as P
from lenddesk.commissions.serializers import (
    PartnerStatementDetailSerializer,
    PartnerStatementSerializer,
    PayoutBatchDetailSerializer,
    PayoutBatchSerializer,
    PayoutCreateSerializer,
    PayoutPaidSerializer,
    StaffStatementDetailSerializer,
    StaffStatementSerializer,
)
from lenddesk.commissions.services import month_of, statement_approve
from lenddesk.commissions.sheets import download
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.params import int_or_none

TAGS = ["commissions"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE = 50
LIST_PARAMETERS = [
    OpenApiParameter("month", str, description="YYYY-MM"),
    OpenApiParameter("status", str, description="draft, approved or paid"),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


class CommissionAPIView(TenantAPIView):
    module = "finance"


def _month(params):
    raw = params.get("month")
    return month_of(raw) if raw else None


def _page(rows, params, serializer):
    before = int_or_none(params.get("before"))
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(rows.order_by("-id")[: PAGE + 1])
    more = len(found) > PAGE
    found = found[:PAGE]
    return Response(
        {
            "results": serializer(found, many=True).data,
            "next_before": found[-1].pk if more else None,
        }
    )


def _status(params) -> str:
    value = params.get("status", "")
    if value and value not in ("draft", "approved", "paid"):
        raise refusal("status", _("Choose draft, approved or paid."), "invalid")
    return value


class StaffStatementListAPI(CommissionAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={
            200: cursor_page("StaffStatementPage", StaffStatementSerializer),
            **ERRORS,
        },
        operation_id="commissions_staff_statements_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        rows = selectors.staff_statement_list(
            actor=request.user, month=_month(params), status=_status(params)
        )
        return _page(rows, params, StaffStatementSerializer)


class StaffStatementDetailAPI(CommissionAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        responses={200: StaffStatementDetailSerializer, **ERRORS},
        operation_id="commissions_staff_statements_get",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        statement = selectors.staff_statement_get(actor=request.user, statement_id=pk)
        lines = StaffLine.objects.select_related("receipt", "order").order_by("id")
        statement = (
            type(statement)
            .objects.prefetch_related(Prefetch("lines", queryset=lines))
            .get(pk=statement.pk)
        )
        return Response(StaffStatementDetailSerializer(statement).data)


class PartnerStatementListAPI(CommissionAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        parameters=[
            *LIST_PARAMETERS,
            OpenApiParameter("paying_entity", int),
        ],
        responses={
            200: cursor_page("PartnerStatementPage", PartnerStatementSerializer),
            **ERRORS,
        },
        operation_id="commissions_partner_statements_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        rows = selectors.partner_statement_list(
            actor=request.user,
            month=_month(params),
            status=_status(params),
            entity=int_or_none(params.get("paying_entity")),
        )
        return _page(rows, params, PartnerStatementSerializer)


class PartnerStatementDetailAPI(CommissionAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(
        responses={200: PartnerStatementDetailSerializer, **ERRORS},
        operation_id="commissions_partner_statements_get",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        statement = selectors.partner_statement_get(actor=request.user, statement_id=pk)
        lines = PartnerLine.objects.select_related("receipt", "order").order_by("id")
        statement = (
            type(statement)
            .objects.select_related("partner", "paying_entity")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .get(pk=statement.pk)
        )
        return Response(PartnerStatementDetailSerializer(statement).data)


class PayoutListAPI(CommissionAPIView):
    permissions = {"GET": (P.PAYOUT,), "POST": (P.PAYOUT,)}

    @extend_schema(
        parameters=[OpenApiParameter("before", int)],
        responses={
            200: cursor_page("PayoutBatchPage", PayoutBatchSerializer),
            **ERRORS,
        },
        operation_id="commissions_payouts_list",
        tags=TAGS,
    )
    def get(self, request):
        return _page(
            selectors.batch_list(), request.query_params, PayoutBatchSerializer
        )

    @extend_schema(
        request=PayoutCreateSerializer,
        responses={201: PayoutBatchDetailSerializer, **ERRORS},
        operation_id="commissions_payouts_create",
        tags=TAGS,
    )
    def post(self, request):
        body = PayoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entity = PayingEntity.objects.filter(pk=data["paying_entity"]).first()
        if entity is None:
            raise refusal("paying_entity", _("No such paying entity."), "invalid")
        batch = payouts.payout_batch_create(
            actor=request.user,
            paying_entity=entity,
            month=month_of(data["month"]) if data.get("month") else None,
            ids=data.get("statements"),
        )
        return Response(_batch(batch.pk), status=status.HTTP_201_CREATED)


def _batch(pk: int) -> dict:
    items = PayoutItem.objects.select_related("partner", "statement").order_by("id")
    batch = PayoutBatch.objects.prefetch_related(Prefetch("items", queryset=items)).get(
        pk=selectors.batch_get(pk).pk
    )
    return PayoutBatchDetailSerializer(batch).data


class PayoutDetailAPI(CommissionAPIView):
    permissions = {"GET": (P.PAYOUT,)}

    @extend_schema(
        responses={200: PayoutBatchDetailSerializer, **ERRORS},
        operation_id="commissions_payouts_get",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(_batch(pk))


class PayoutPaidAPI(CommissionAPIView):
    permissions = {"POST": (P.PAYOUT,)}

    @extend_schema(
        request=PayoutPaidSerializer,
        responses={200: PayoutBatchDetailSerializer, 409: ERROR_SCHEMA, **ERRORS},
        operation_id="commissions_payouts_mark_paid",
        tags=TAGS,
    )
    def post(self, request, pk: int):
        batch = selectors.batch_get(pk)
        body = PayoutPaidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payouts.payout_mark_paid(
            actor=request.user, batch=batch, reference=body.validated_data["reference"]
        )
        return Response(_batch(pk))


class PayoutFileAPI(CommissionAPIView):
    permissions = {"GET": (P.PAYOUT,)}

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **ERRORS},
        operation_id="commissions_payouts_file",
        tags=TAGS,
    )
    def get(self, request, pk: int, kind: str):
        batch = selectors.batch_get(pk)
        data, name = payouts.payout_file(actor=request.user, batch=batch, kind=kind)
        return download(data, name, kind)


class StatementApproveAPI(CommissionAPIView):
    """Approve a draft statement; a second approval answers ``already_approved``."""

    permissions = {"POST": (P.APPROVE,)}
    kind = "staff"

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 409: ERROR_SCHEMA, **ERRORS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        if self.kind == "staff":
            statement = selectors.staff_statement_get(
                actor=request.user, statement_id=pk
            )
            shown = StaffStatementSerializer
        else:
            statement = selectors.partner_statement_get(
                actor=request.user, statement_id=pk
            )
            shown = PartnerStatementSerializer
        statement = statement_approve(
            actor=request.user, kind=self.kind, statement=statement
        )
        return Response(shown(statement).data)


class StaffStatementApproveAPI(StatementApproveAPI):
    kind = "staff"

    @extend_schema(
        request=None,
        responses={200: StaffStatementSerializer, 409: ERROR_SCHEMA, **ERRORS},
        operation_id="commissions_staff_statements_approve",
        tags=TAGS,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class PartnerStatementApproveAPI(StatementApproveAPI):
    kind = "partner"

    @extend_schema(
        request=None,
        responses={200: PartnerStatementSerializer, 409: ERROR_SCHEMA, **ERRORS},
        operation_id="commissions_partner_statements_approve",
        tags=TAGS,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)
