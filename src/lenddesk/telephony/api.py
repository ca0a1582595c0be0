"""The telephony API: start a call, list calls in scope. Answers name the call by
its id and never carry the customer's number (SECURITY.md T30)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.selectors import customer_get
from lenddesk.telephony import selectors
from lenddesk.telephony.models import CallRecord
from lenddesk.telephony.permissions import TelephonyPermission as P
from lenddesk.telephony.services.calls import call_refusal_record, call_start
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.errors import error_body, status_for
from lenddesk.web.params import int_or_none

TAGS = ["telephony"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404, 429)}
PAGE = 50


class CallSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    staff = serializers.IntegerField(source="staff_id")
    line = serializers.SerializerMethodField()
    has_recording = serializers.BooleanField()
    dial = serializers.CharField(
        source="middle_number",
        help_text="Privacy-number mode: the middle number the caller dials "
        "(never the customer's number).",
    )

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "customer",
            "staff",
            "mode",
            "state",
            "result",
            "started_at",
            "ended_at",
            "duration_seconds",
            "outcome",
            "line",
            "dial",
            "has_recording",
        ]

    def get_line(self, call) -> str:
        return call.caller_number.masked_number if call.caller_number_id else ""


class TelephonyAPIView(TenantAPIView):
    module = "telephony"

    def handle_exception(self, exc):
        if isinstance(exc, CustomerNotOwned):
            exc = PermissionDenied(detail=str(exc), code=exc.code)
        return super().handle_exception(exc)


class CustomerCallAPI(TelephonyAPIView):
    permissions = {"POST": (P.CALL,)}

    @extend_schema(
        request=None,
        responses={201: CallSerializer, **ERRORS},
        operation_id="customer_call_start",
        tags=TAGS,
        description="Start a click-to-call to the customer. Refusals (do-not-call, "
        "calling hours, caps, no free line) answer 400/429 with the reason.",
    )
    def post(self, request, pk: int):
        customer = customer_get(actor=request.user, customer_id=pk)
        try:
            call = call_start(actor=request.user, customer=customer)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            # Answered here (not raised) so the refusal's audit row is kept.
            call_refusal_record(actor=request.user, customer=customer, code=exc.code)
            return Response(
                error_body(exc.code, " ".join(exc.messages)),
                status=status_for(exc.code),
            )
        call = selectors.call_get(actor=request.user, call_id=call.pk)
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)


class CallListAPI(TelephonyAPIView):
    permissions = {"GET": (P.RECORDS,)}

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int),
            OpenApiParameter("staff", int),
            OpenApiParameter("result", str),
            OpenApiParameter(
                "before", int, description="cursor: the last id of the page"
            ),
        ],
        responses={200: cursor_page("CallPage", CallSerializer), **ERRORS},
        operation_id="calls_list",
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        rows = selectors.call_list(
            actor=request.user,
            result=(params.get("result") or "")[:14],
            customer_id=int_or_none(params.get("customer")),
            staff_id=int_or_none(params.get("staff")),
        ).order_by("-id")
        before = int_or_none(params.get("before"))
        if before:
            rows = rows.filter(pk__lt=before)
        page = list(rows[: PAGE + 1])
        more = len(page) > PAGE
        page = page[:PAGE]
        return Response(
            {
                "results": CallSerializer(page, many=True).data,
                "next_before": page[-1].pk if more else None,
            }
        )
