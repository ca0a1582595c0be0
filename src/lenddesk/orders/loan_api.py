"""The loan's API: an order's funder submissions and the funder's decisions, its
disbursement (the account masked) and its repayment schedule. Same services and
selectors as the pages; refusals in the one error shape."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
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
from lenddesk.orders.selectors import order_get
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


def _reads(answer):
    return extend_schema(responses={200: answer, **READ_ERRORS}, tags=TAGS)


def _writes(body, answer, code: int = 200):
    return extend_schema(
        request=body, responses={code: answer, **WRITE_ERRORS}, tags=TAGS
    )


class LoansAPIView(TenantAPIView):
    module = "orders"


class OrderSubmissionsAPI(LoansAPIView):
    """An order's submissions to funders, newest first; POST sends it to the
    funder of ``product`` (refused with ``documents_missing`` naming them)."""

    permissions = {"GET": (P.VIEW,), "POST": (P.SUBMIT,)}

    @_reads(SubmissionSerializer(many=True))
    def get(self, request, pk: int):
        order = order_get(actor=request.user, order_id=pk)
        rows = selectors.submissions_of(actor=request.user, order=order)
        return Response(SubmissionSerializer(rows, many=True).data)

    @_writes(SubmissionCreateSerializer, SubmissionSerializer, 201)
    def post(self, request, pk: int):
        order = order_get(actor=request.user, order_id=pk)
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
        return Response(
            SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED
        )


class _SubmissionAnswerAPI(LoansAPIView):
    # POST an answer about one pending submission: ``service(actor=, submission=,
    # **body)``. No docstring: the schema takes each endpoint's description from it.
    permissions = {"POST": (P.SUBMIT,)}
    body_class = None
    service = None

    def post(self, request, pk: int):
        submission = selectors.submission_get(actor=request.user, submission_id=pk)
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        submission = self.service(
            actor=request.user, submission=submission, **body.validated_data
        )
        return Response(SubmissionSerializer(submission).data)


@extend_schema_view(post=_writes(DecisionSerializer, SubmissionSerializer))
class SubmissionDecisionAPI(_SubmissionAnswerAPI):
    """The funder's answer: approved with amount, rate and term, or rejected with a
    reason. Once: a second answer gets ``already_decided``."""

    body_class = DecisionSerializer
    service = staticmethod(submission_decide)


@extend_schema_view(post=_writes(WithdrawSerializer, SubmissionSerializer))
class SubmissionWithdrawAPI(_SubmissionAnswerAPI):
    body_class = WithdrawSerializer
    service = staticmethod(submission_withdraw)


class OrderDisbursementAPI(LoansAPIView):
    """The loan paid out (404 until recorded); POST records it and its schedule."""

    permissions = {"GET": (P.VIEW,), "POST": (P.DISBURSE,)}

    @_reads(DisbursementSerializer)
    def get(self, request, pk: int):
        return Response(
            DisbursementSerializer(
                selectors.disbursement_get(actor=request.user, order_id=pk)[1]
            ).data
        )

    @_writes(DisbursementInSerializer, DisbursementSerializer, 201)
    def post(self, request, pk: int):
        order = order_get(actor=request.user, order_id=pk)
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

    @_reads(ScheduleSerializer)
    def get(self, request, pk: int):
        _order, disbursement = selectors.disbursement_get(
            actor=request.user, order_id=pk
        )
        schedule = selectors.schedule_of(disbursement)
        data = {
            "disbursement": disbursement,
            "instalments": schedule.rows,
            "totals": schedule,
        }
        return Response(ScheduleSerializer(data).data)
