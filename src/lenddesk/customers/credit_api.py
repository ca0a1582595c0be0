"""The credit-report API (`/api/v1/credit/…`): the query log, read-only and paged,
and a look at a report — refused with the reason (and recorded) or the file itself,
never cached. Same services and selectors as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from lenddesk.customers import credit_selectors as selectors
from lenddesk.customers.api import CustomerAPIView
from lenddesk.customers.credit_files import report_response
from lenddesk.customers.models import (
    CreditPurpose,
    CreditQueryRecord,
    QueryMethod,
    QueryOutcome,
    RefusalReason,
)
from lenddesk.customers.permissions import CreditPermission as CP
from lenddesk.customers.services.credit import credit_report_open
from lenddesk.web.api import ERROR_SCHEMA, cursor_page
from lenddesk.web.errors import error_body
from lenddesk.web.params import int_or_none

TAGS = ["credit"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE_SIZE = 50


def _one_of(choices) -> str:
    return "one of: " + ", ".join(value for value, _label in choices)


class CreditQuerySerializer(serializers.ModelSerializer):
    # Codes as plain strings (listed in the description), so no enum component of
    # this API collides with another app's "method" or "outcome".
    method = serializers.CharField(help_text=_one_of(QueryMethod.choices))
    purpose = serializers.CharField(help_text=_one_of(CreditPurpose.choices))
    outcome = serializers.CharField(help_text=_one_of(QueryOutcome.choices))
    refusal = serializers.CharField(help_text=_one_of(RefusalReason.choices))

    class Meta:
        model = CreditQueryRecord
        fields = [
            "id",
            "queried_at",
            "staff",
            "staff_name",
            "customer",
            "document",
            "method",
            "content",
            "purpose",
            "purpose_note",
            "authorisation",
            "outcome",
            "refusal",
        ]
        read_only_fields = fields


class CreditOpenSerializer(serializers.Serializer):
    purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text=_one_of(CreditPurpose.choices) + "; without one the look is refused",
    )
    purpose_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    method = serializers.CharField(
        required=False,
        default=QueryMethod.DOWNLOAD,
        max_length=10,
        help_text=_one_of(QueryMethod.choices),
    )


LOG_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("staff", int, description="the staff member's user id"),
    OpenApiParameter("customer", int, description="the customer's id"),
    OpenApiParameter("outcome", str, description="allowed or refused"),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


class CreditLogAPI(CustomerAPIView):
    permissions = {"GET": (CP.LOG,)}

    @extend_schema(
        parameters=LOG_PARAMETERS,
        responses={
            200: cursor_page("CreditQueryPage", CreditQuerySerializer),
            **ERRORS,
        },
        operation_id="credit_queries_list",
        tags=TAGS,
    )
    def get(self, request):
        filters = selectors.log_filters_from(request.query_params)
        rows = selectors.credit_log(actor=request.user, filters=filters).order_by("-id")
        before = request.query_params.get("before")
        if before not in (None, ""):
            cursor = int_or_none(before)
            if cursor is None:
                raise ValidationError({"before": [_("Enter a record id.")]})
            rows = rows.filter(pk__lt=cursor)
        page = list(rows[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return Response(
            {
                "results": CreditQuerySerializer(page, many=True).data,
                "next_before": page[-1].pk if more else None,
            }
        )


class CreditOpenAPI(CustomerAPIView):
    """Look at one credit report: needs an authorisation in force and a purpose.
    Answers the file; or 400 (no purpose, naming ``purpose``) / 403 (no
    authorisation, expired, revoked) with the reason — the refusal is recorded."""

    permissions = {"POST": (CP.VIEW,)}

    @extend_schema(
        request=CreditOpenSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY, description="the report file"),
            **ERRORS,
        },
        operation_id="credit_report_open",
        tags=TAGS,
    )
    def post(self, request, document_id: int):
        document = selectors.credit_document_get(
            actor=request.user, document_id=document_id
        )
        body = CreditOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opening = credit_report_open(
            actor=request.user, document=document, **body.validated_data
        )
        if opening.allowed:
            return report_response(document, opening.data, opening.record.method)
        refusal = opening.record.refusal
        if refusal == RefusalReason.NO_PURPOSE:
            fields = {"purpose": [opening.reason]}
            return Response(error_body(refusal, opening.reason, fields), status=400)
        return Response(error_body(refusal, opening.reason), status=403)
