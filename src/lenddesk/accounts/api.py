import hmac

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lenddesk.accounts import authflow, mfa, services
from lenddesk.accounts.serializers import (
    MeSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView
from lenddesk.web.errors import error_body
from lenddesk.web.throttles import ScopedRateThrottle


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
        tenant = Tenant.objects.filter(slug=data["tenant"].lower()).first()
        if tenant is None:
            outcome = authflow.refuse_unknown_firm(
                request._request,
                firm_code=data["tenant"],
                username=data["username"],
                password=data["password"],
            )
            return _refused(outcome.code, outcome.message, 401)
        client = "mobile" if _is_mobile_app(request) else "api"
        with tenant_context(tenant):
            outcome = authflow.check_password(
                request._request,
                tenant=tenant,
                username=data["username"],
                password=data["password"],
                client=client,
            )
            if outcome.code:
                # Not proven who they are: 401; proven but not let in: 403.
                proven = outcome.user is not None
                return _refused(outcome.code, outcome.message, 403 if proven else 401)
            refusal = _second_factor_refusal(outcome, data)
            if refusal is not None:
                return refusal
            token, raw = services.token_issue(user=outcome.user, client=client)
        return Response(
            {"token": raw, "expires_at": token.expires_at, "token_type": "Bearer"},
            status=status.HTTP_200_OK,
        )


def _is_mobile_app(request) -> bool:
    """The mobile app proves itself with its own credential, not a User-Agent."""
    expected = settings.MOBILE_APP_KEY
    given = request.META.get("HTTP_X_LENDDESK_APP_KEY", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _second_factor_refusal(outcome: authflow.Outcome, data: dict) -> Response | None:
    """A role that requires two-factor log-in: the token needs the current code, and
    a user who never set it up does that on the web first."""
    if outcome.needs_enrolment:
        return _refused(
            "totp_enrolment_required",
            _(
                "Your role requires two-factor log-in: set it up by logging in on the web first."
            ),
            403,
        )
    if outcome.needs_second_factor and not mfa.second_factor_verify(
        user=outcome.user, code=data.get("otp", "")
    ):
        services.record_login_refused(
            username=data["username"],
            reason="second factor missing or wrong (api)",
        )
        return _refused(
            "otp_required",
            _("Send the current code of your authenticator app as “otp”."),
            401,
        )
    return None


def _refused(code: str, message: str, http_status: int) -> Response:
    # A response, not an exception, so the refusal's audit row is committed.
    return Response(
        error_body(code, message),
        status=http_status,
        headers={"WWW-Authenticate": "Bearer"} if http_status == 401 else None,
    )


class MeView(TenantAPIView):
    """The caller: profile, roles, permission codes and firm plan."""

    permissions = {"GET": ()}

    @extend_schema(responses={200: MeSerializer, 401: ERROR_SCHEMA}, tags=["auth"])
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)
