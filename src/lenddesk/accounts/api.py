from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from lenddesk.accounts import services
from lenddesk.accounts.serializers import (
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.errors import SUSPENDED_MESSAGE
from lenddesk.tenancy.models import Tenant
from lenddesk.web.api import TenantAPIView

ERROR_SCHEMA = inline_serializer(
    "Error",
    fields={
        "error": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField())
        ),
    },
)


class TokenView(APIView):
    """Exchange a firm code, username and password for a bearer token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        refusal = _("The firm code, username or password is not correct.")
        tenant = Tenant.objects.filter(slug=data["tenant"].lower()).first()
        if tenant is None:
            authenticate(
                request._request, username=data["username"], password=data["password"]
            )
            return _refused("invalid_credentials", refusal, 401)
        with tenant_context(tenant):
            user = authenticate(
                request._request, username=data["username"], password=data["password"]
            )
            if user is None:
                services.record_login_refused(
                    username=data["username"], reason="bad credentials (api)"
                )
                return _refused("invalid_credentials", refusal, 401)
            if tenant.is_suspended:
                services.record_login_refused(
                    username=data["username"], reason="firm suspended (api)"
                )
                return _refused(
                    "tenant_suspended",
                    SUSPENDED_MESSAGE,
                    403,
                )
            token, raw = services.token_issue(user=user, client="api")
        return Response(
            {"token": raw, "expires_at": token.expires_at, "token_type": "Bearer"},
            status=status.HTTP_200_OK,
        )


def _refused(code: str, message: str, http_status: int) -> Response:
    # A response, not an exception, so the refusal's audit row is committed.
    return Response(
        {"error": code, "detail": message, "fields": {}},
        status=http_status,
        headers={"WWW-Authenticate": "Bearer"} if http_status == 401 else None,
    )


class MeView(TenantAPIView):
    """The caller: profile, roles, permission codes and firm plan."""

    permissions = {"GET": ()}

    @extend_schema(responses={200: MeSerializer, 401: ERROR_SCHEMA}, tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)
