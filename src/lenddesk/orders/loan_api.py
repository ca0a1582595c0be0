"""The loan's API: an order's funder submissions and the funder's decisions, its
disbursement (the account masked) and its repayment schedule. Same services and
selectors as the pages; refusals in the one error shape."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from lenddesk.orders import loan_selectors as selectors
from lenddesk.orders.disbursements import disbursement_record
from lenddesk.orders.loan_serializers import (
    DecisionSerializer,
    DisbursementInSerializer,
    DisbursementSerializer,
    ScheduleSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    WithdrawSerializer,
)
from lenddesk.orders.permissions import OrderPermission as P
from lenddesk.orders.submissions import (
    submission_create,
    submission_decide,
    submission_withdraw,
)
from lenddesk.products.models import Product
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView

TAGS = ["orders"]
READ_ERRORS = {403: ERROR_SCHEMA, 404: ERROR_SCHEMA}
WRITE_ERRORS = {400: ERROR_SCHEMA, 409: ERROR_SCHEMA, **READ_ERRORS}


class LoansAPIView(TenantAPIView):
    module = "orders"


def _submission_out(submission) -> dict:
    return SubmissionSerializer(submission).data


class OrderSubmissionsAPI(LoansAPIView):
    """An order's submissions to funders, newest first; POST sends it to the
    funder of ``product`` (refused with ``documents_missing`` naming them)."""

    permissions = {"GET": (P.VIEW,), "POST": (P.SUBMIT,)}

    @extend_schema(
        responses={200: SubmissionSerializer(many=True), **READ_ERRORS}, tags=TAGS
    )
    def get(self, request, pk: int):
        order = selectors.loan_order_get(actor=request.user, order_id=pk)
        rows = selectors.submissions_of(actor=request.user, order=order)
        return Response(SubmissionSerializer(rows, many=True).data)

    @extend_schema(
        request=SubmissionCreateSerializer,
        responses={201: SubmissionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        order = selectors.loan_order_get(actor=request.user, order_id=pk)
        body = SubmissionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = (
            Product.objects.select_related("funder")
            .filter(pk=body.validated_data["product"])
            .first()
        )
        if product is None:
            raise ValidationError({"product": _("No such product in your firm.")})
        submission = submission_create(actor=request.user, order=order, product=product)
        return Response(_submission_out(submission), status=status.HTTP_201_CREATED)


class SubmissionDecisionAPI(LoansAPIView):
    """The funder's answer: approved with amount, rate and term, or rejected with a
    reason. Once: a second answer gets ``already_decided``."""

    permissions = {"POST": (P.SUBMIT,)}

    @extend_schema(
        request=DecisionSerializer,
        responses={200: SubmissionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        submission = selectors.submission_get(actor=request.user, submission_id=pk)
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        submission = submission_decide(
            actor=request.user, submission=submission, **body.validated_data
        )
        return Response(_submission_out(submission))


class SubmissionWithdrawAPI(LoansAPIView):
    permissions = {"POST": (P.SUBMIT,)}

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: SubmissionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        submission = selectors.submission_get(actor=request.user, submission_id=pk)
        body = WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        submission = submission_withdraw(
            actor=request.user,
            submission=submission,
            reason=body.validated_data["reason"],
        )
        return Response(_submission_out(submission))


class OrderDisbursementAPI(LoansAPIView):
    """The loan paid out (404 until recorded); POST records it and its schedule."""

    permissions = {"GET": (P.VIEW,), "POST": (P.DISBURSE,)}

    @extend_schema(responses={200: DisbursementSerializer, **READ_ERRORS}, tags=TAGS)
    def get(self, request, pk: int):
        order = selectors.loan_order_get(actor=request.user, order_id=pk)
        disbursement = selectors.disbursement_of(actor=request.user, order=order)
        if disbursement is None:
            raise Http404
        return Response(DisbursementSerializer(disbursement).data)

    @extend_schema(
        request=DisbursementInSerializer,
        responses={201: DisbursementSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        order = selectors.loan_order_get(actor=request.user, order_id=pk)
        body = DisbursementInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disbursement = disbursement_record(
            actor=request.user, order=order, **body.validated_data
        )
        return Response(
            DisbursementSerializer(disbursement).data, status=status.HTTP_201_CREATED
        )


class OrderScheduleAPI(LoansAPIView):
    """The repayment schedule with its totals (404 until disbursed)."""

    permissions = {"GET": (P.VIEW,)}

    @extend_schema(responses={200: ScheduleSerializer, **READ_ERRORS}, tags=TAGS)
    def get(self, request, pk: int):
        order = selectors.loan_order_get(actor=request.user, order_id=pk)
        disbursement = selectors.disbursement_of(actor=request.user, order=order)
        if disbursement is None:
            raise Http404
        schedule = selectors.schedule_of(disbursement)
        data = {
            "disbursement": disbursement,
            "instalments": schedule.rows,
            "totals": schedule,
        }
        return Response(ScheduleSerializer(data).data)
