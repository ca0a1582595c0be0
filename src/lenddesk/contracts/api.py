"""The contracts API (`/api/v1/contracts/…`), in the public contract's style: the
same services and selectors as the pages; a contract someone else moved first
answers 409 ``conflict``."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from lenddesk.contracts import selectors
from lenddesk.contracts.errors import refusal
from lenddesk.contracts.permissions import ContractPermission as P
from lenddesk.contracts.serializers import (
    ContractDetailSerializer,
    ContractSerializer,
    GenerateSerializer,
    SignSerializer,
    VoidSerializer,
)
from lenddesk.contracts.services import (
    contract_file,
    contract_generate,
    contract_regenerate,
    contract_send,
    contract_sign,
    contract_void,
)
from lenddesk.contracts.views import CONTENT_TYPES
from lenddesk.orders.selectors import order_get
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.pages import private_response
from lenddesk.web.params import int_or_none

TAGS = ["contracts"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE_SIZE = 50


class ContractAPIView(TenantAPIView):
    module = "contracts"


def _detail(request, contract) -> dict:
    contract.version_rows = selectors.contract_versions(
        actor=request.user, contract=contract
    )
    return ContractDetailSerializer(contract).data


LIST_PARAMETERS = [
    OpenApiParameter("status", str, description="draft, sent, signed or void"),
    OpenApiParameter(
        "kind", str, description="brokerage, fee_confirmation or credit_authorisation"
    ),
    OpenApiParameter("order", int, description="the order's id"),
    OpenApiParameter("q", str, description="contract number, order number or name"),
    OpenApiParameter("before", int, description="cursor: the last id of the page"),
]


class ContractListAPI(ContractAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.GENERATE,)}

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: cursor_page("ContractPage", ContractSerializer), **ERRORS},
        operation_id="contracts_list",
        tags=TAGS,
    )
    def get(self, request):
        rows = selectors.contract_list(
            actor=request.user, filters=selectors.filters_from(request.query_params)
        ).order_by("-id")
        before = int_or_none(request.query_params.get("before"))
        if before:
            rows = rows.filter(pk__lt=before)
        page = list(rows[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return Response(
            {
                "results": ContractSerializer(page, many=True).data,
                "next_before": page[-1].pk if more else None,
            }
        )

    @extend_schema(
        request=GenerateSerializer,
        responses={201: ContractDetailSerializer, **ERRORS},
        operation_id="contracts_generate",
        tags=TAGS,
    )
    def post(self, request):
        body = GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            order = order_get(actor=request.user, order_id=data["order"])
        except Http404:
            raise refusal(
                "order", _("No such order in your reach."), "invalid"
            ) from None
        contract = contract_generate(actor=request.user, order=order, kind=data["kind"])
        return Response(_detail(request, contract), status=status.HTTP_201_CREATED)


class ContractDetailAPI(ContractAPIView):
    permissions = {"GET": (P.VIEW,)}

    @extend_schema(responses={200: ContractDetailSerializer, **ERRORS}, tags=TAGS)
    def get(self, request, pk: int):
        contract = selectors.contract_get(actor=request.user, contract_id=pk)
        return Response(_detail(request, contract))


def _stepped(request, pk: int, move, body_class=None) -> Response:
    """Run ``move(actor, contract, data)`` on a contract in the actor's reach and
    answer the contract as it now stands."""
    contract = selectors.contract_get(actor=request.user, contract_id=pk)
    data = {}
    if body_class is not None:
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
    move(request.user, contract, data)
    contract = selectors.contract_get(actor=request.user, contract_id=pk)
    return Response(_detail(request, contract))


STEP_ANSWERS = {200: ContractDetailSerializer, 409: ERROR_SCHEMA, **ERRORS}


class ContractSendAPI(ContractAPIView):
    """Sent to the customer (from draft)."""

    permissions = {"POST": (P.GENERATE,)}

    @extend_schema(request=None, responses=STEP_ANSWERS, tags=TAGS)
    def post(self, request, pk: int):
        return _stepped(request, pk, lambda a, c, d: contract_send(actor=a, contract=c))


class ContractRegenerateAPI(ContractAPIView):
    """A new version from the newest template (from draft or sent; back to draft)."""

    permissions = {"POST": (P.GENERATE,)}

    @extend_schema(request=None, responses=STEP_ANSWERS, tags=TAGS)
    def post(self, request, pk: int):
        return _stepped(
            request, pk, lambda a, c, d: contract_regenerate(actor=a, contract=c)
        )


class ContractVoidAPI(ContractAPIView):
    """Void, with the ``reason``."""

    permissions = {"POST": (P.SIGN,)}

    @extend_schema(request=VoidSerializer, responses=STEP_ANSWERS, tags=TAGS)
    def post(self, request, pk: int):
        return _stepped(
            request,
            pk,
            lambda a, c, d: contract_void(actor=a, contract=c, reason=d["reason"]),
            VoidSerializer,
        )


class ContractSignAPI(ContractAPIView):
    """Signed, with the ``scan`` of the signed paper (multipart; PDF, JPG or PNG)."""

    permissions = {"POST": (P.SIGN,)}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": SignSerializer},
        responses=STEP_ANSWERS,
        tags=TAGS,
    )
    def post(self, request, pk: int):
        return _stepped(
            request,
            pk,
            lambda a, c, d: contract_sign(actor=a, contract=c, scan=d["scan"]),
            SignSerializer,
        )


class ContractDownloadAPI(ContractAPIView):
    """A version's DOCX or PDF (one route each)."""

    permissions = {"GET": (P.VIEW,)}
    fmt = "docx"

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **ERRORS,
        },
        tags=TAGS,
    )
    def get(self, request, pk: int, number: int):
        fmt = self.fmt
        contract = selectors.contract_get(actor=request.user, contract_id=pk)
        version = selectors.version_get(
            actor=request.user, contract=contract, number=number
        )
        data, filename = contract_file(actor=request.user, version=version, fmt=fmt)
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = 'attachment; filename="%s"' % filename
        return private_response(response)
