"""Customer API per the public contract (`/api/v1/customers/…`)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.response import Response

from lenddesk.accounts.models import User, UserStatus
from lenddesk.customers import selectors
from lenddesk.customers.errors import CustomerNotOwned
from lenddesk.customers.export_files import export_file
from lenddesk.customers.exports import ExportQueued, customers_export
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.phone_policy import customer_reveal, phone_access
from lenddesk.customers.serializers import (
    AssignSerializer,
    CustomerDetailSerializer,
    CustomerSerializer,
    ExportJobSerializer,
    ExportRequestSerializer,
    FollowUpSerializer,
    RevealSerializer,
)
from lenddesk.customers.services.customers import customer_create, customer_update
from lenddesk.customers.services.followups import followup_create
from lenddesk.customers.services.pool import (
    customer_assign,
    customer_claim,
    customer_release,
    ensure_owned,
)
from lenddesk.security.errors import RateLimited
from lenddesk.web.api import TenantAPIView, cursor_page
from lenddesk.web.idempotency import idempotent
from lenddesk.web.pages import XLSX, download_response
from lenddesk.web.params import int_or_none


class CustomerAPIView(TenantAPIView):
    module = "customers"

    def handle_exception(self, exc):
        if isinstance(exc, CustomerNotOwned):
            exc = PermissionDenied(detail=str(exc), code=exc.code)
        return super().handle_exception(exc)


def _customer(request, pk):
    # The API shows related records by id only: no joins beyond the pool.
    return selectors.customer_get(actor=request.user, customer_id=pk, related=())


def _owned(request, pk):
    """A customer in reach that someone owns; a public-pool one is refused (403
    ``not_owner``) by the services' rule, as on the pages."""
    customer = _customer(request, pk)
    ensure_owned(customer)
    return customer


class CustomerListAPI(CustomerAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.CREATE,)}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="name, pinyin initials, phone, last 4 digits or ID number",
            ),
            OpenApiParameter("stage", int),
            OpenApiParameter("rating", str),
            OpenApiParameter("owner", int, description="owner's user id"),
            OpenApiParameter("department", int, description="owners in this team"),
            OpenApiParameter("channel", str),
            OpenApiParameter("city", str),
            OpenApiParameter("tag", str, description="tag name"),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="created on or after"
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="created on or before"
            ),
            OpenApiParameter(
                "amount_min",
                str,
                description="amount wanted at least, in yuan (300000) or 万 (30万)",
            ),
            OpenApiParameter("amount_max", str, description="amount wanted at most"),
            OpenApiParameter(
                "before", int, description="cursor: the last id of the previous page"
            ),
        ],
        responses=cursor_page("CustomerPage", CustomerSerializer),
        operation_id="customers_list",
        tags=["customers"],
    )
    def get(self, request):
        rows, next_before = selectors.customer_list(
            actor=request.user,
            filters=selectors.filters_from(request.query_params),
            before=int_or_none(request.query_params.get("before")),
        )
        return Response(
            {
                "results": CustomerSerializer(rows, many=True).data,
                "next_before": next_before,
            }
        )

    @extend_schema(
        request=CustomerSerializer,
        responses={201: CustomerSerializer, 200: CustomerSerializer},
        tags=["customers"],
    )
    @idempotent
    def post(self, request):
        body = CustomerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        result = customer_create(
            actor=request.user,
            data=data,
            phone=data.get("phone", ""),
            id_number=data.get("id_number", ""),
            owner=request.user,
            source="api",
            tag_names=data.get("tags", ()),
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        payload = CustomerSerializer(result.customer).data
        payload["duplicate_of"] = (
            result.duplicate_of.pk if result.duplicate_of else None
        )
        return Response(payload, status=code)


class CustomerDetailAPI(CustomerAPIView):
    permissions = {"GET": (P.VIEW, P.CLAIM), "PATCH": (P.CHANGE,)}

    @extend_schema(responses=CustomerDetailSerializer, tags=["customers"])
    def get(self, request, pk: int):
        customer = _customer(request, pk)
        access = phone_access(actor=request.user, customer=customer)
        return Response(
            CustomerDetailSerializer(customer, context={"phone_access": access}).data
        )

    @extend_schema(
        request=CustomerSerializer, responses=CustomerSerializer, tags=["customers"]
    )
    def patch(self, request, pk: int):
        customer = _owned(request, pk)
        body = CustomerSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = customer_update(
            actor=request.user,
            customer=customer,
            data=data,
            phone=data.get("phone") or None,
            id_number=data.get("id_number") or None,
            tag_names=data.get("tags"),
            stage_id=data.get("stage"),
        )
        return Response(CustomerSerializer(customer).data)


class ClaimAPI(CustomerAPIView):
    permissions = {"POST": (P.CLAIM,)}

    @extend_schema(request=None, responses=CustomerSerializer, tags=["customers"])
    @idempotent
    def post(self, request, pk: int):
        customer = customer_claim(actor=request.user, customer=_customer(request, pk))
        return Response(CustomerSerializer(customer).data)


class ReleaseAPI(CustomerAPIView):
    permissions = {"POST": (P.CHANGE,)}

    @extend_schema(request=None, responses=CustomerSerializer, tags=["customers"])
    @idempotent
    def post(self, request, pk: int):
        customer = _owned(request, pk)  # 404 or 403 before anything is parsed
        has_body = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
        reason = str(request.data.get("reason", ""))[:200] if has_body else ""
        customer = customer_release(
            actor=request.user, customer=customer, reason=reason
        )
        return Response(CustomerSerializer(customer).data)


class AssignAPI(CustomerAPIView):
    permissions = {"POST": (P.ASSIGN,)}

    @extend_schema(
        request=AssignSerializer, responses=CustomerSerializer, tags=["customers"]
    )
    @idempotent
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = User.objects.filter(
            pk=body.validated_data["owner"], status=UserStatus.ACTIVE
        ).first()
        if owner is None:
            raise ValidationError(
                {"owner": ["Choose an active colleague of your firm."]}
            )
        customer_assign(actor=request.user, customers=[customer], owner=owner)
        customer.refresh_from_db()
        return Response(CustomerSerializer(customer).data)


class RevealAPI(CustomerAPIView):
    """An owner's own phone under the "show own" policy needs no purpose; anything
    else needs the reveal permission and a purpose (``customers.phone_policy``)."""

    permissions = {"POST": (P.VIEW, P.REVEAL_PHONE, P.REVEAL_ID)}

    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=RevealSerializer, tags=["customers"]
    )
    def post(self, request, pk: int):
        customer = _owned(request, pk)
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            value = customer_reveal(
                actor=request.user,
                customer=customer,
                field=body.validated_data["field"],
                purpose=body.validated_data["purpose"],
            )
        except RateLimited as exc:
            raise Throttled(detail=str(exc)) from exc
        except DjangoPermissionDenied as exc:
            code = getattr(exc, "code", None) or "permission_denied"
            raise PermissionDenied(detail=str(exc) or None, code=code) from exc
        response = Response({"field": body.validated_data["field"], "value": value})
        # Exactly "no-store", as this answer has always said (integrators may match it).
        response["Cache-Control"] = "no-store"
        return response


class FollowUpAPI(CustomerAPIView):
    permissions = {"GET": (P.VIEW,), "POST": (P.CHANGE,)}

    @extend_schema(responses=FollowUpSerializer(many=True), tags=["customers"])
    def get(self, request, pk: int):
        return Response(
            FollowUpSerializer(
                selectors.customer_followups(customer=_owned(request, pk)), many=True
            ).data
        )

    @extend_schema(
        request=FollowUpSerializer,
        responses={201: FollowUpSerializer},
        tags=["customers"],
    )
    @idempotent
    def post(self, request, pk: int):
        customer = _owned(request, pk)
        body = FollowUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        followup = followup_create(
            actor=request.user, customer=customer, **body.validated_data
        )
        return Response(
            FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED
        )


class ExportAPI(CustomerAPIView):
    """Small sets come back as the workbook (200); above 10,000 rows the request waits
    for a manager's approval (202 with the job)."""

    permissions = {"POST": (P.EXPORT,)}

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            (
                200,
                XLSX,
            ): bytes,
            202: ExportJobSerializer,
        },
        tags=["customers"],
    )
    def post(self, request):
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        query = QueryDict(mutable=True)
        for key in ("q", "stage", "rating"):
            if data.get(key) not in (None, ""):
                query[key] = str(data[key])
        try:
            handle, filename, _rows = customers_export(
                actor=request.user,
                filters=selectors.filters_from(query),
                full_numbers=data["full_numbers"],
                purpose=data.get("purpose", ""),
                query=query.urlencode(),
            )
        except ExportQueued as queued:
            return Response(ExportJobSerializer(queued.job).data, status=202)
        with open(handle.name, "rb") as written:
            content = written.read()
        handle.close()
        return download_response(content, filename)


class ExportJobAPI(CustomerAPIView):
    permissions = {"GET": (P.EXPORT,)}

    @extend_schema(responses=ExportJobSerializer, tags=["customers"])
    def get(self, request, job_id: int):
        job = selectors.export_get(actor=request.user, job_id=job_id)
        return Response(ExportJobSerializer(job).data)


class ExportFileAPI(CustomerAPIView):
    permissions = {"GET": (P.EXPORT,)}

    @extend_schema(
        responses={
            (
                200,
                XLSX,
            ): bytes
        },
        tags=["customers"],
    )
    def get(self, request, job_id: int):
        job = selectors.export_get(actor=request.user, job_id=job_id, completed=True)
        return download_response(
            export_file(actor=request.user, job=job), "customers-%d.xlsx" % job.pk
        )
