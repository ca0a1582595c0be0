"""Traffic-platform intake: ``POST /api/v1/intake/{integration_key}/`` (public; the
firm is read from the key, the caller proves itself with the integration's secret)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from lenddesk.acquisition import intake, receiving, selectors
from lenddesk.acquisition.models import DeliveryStatus, Integration
from lenddesk.acquisition.store import one_trip_possible
from lenddesk.security.net import client_ip
from lenddesk.tenancy.context import bind_tenant, tenant_context
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.plan import Audience, plan_refusal
from lenddesk.web.api import ERROR_SCHEMA
from lenddesk.web.errors import error_body

ACCEPTED_SCHEMA = inline_serializer(
    "IntakeAccepted",
    fields={
        "status": serializers.ChoiceField(
            choices=[
                DeliveryStatus.QUEUED,
                DeliveryStatus.CREATED,
                DeliveryStatus.DUPLICATE,
                DeliveryStatus.QUARANTINED,
            ]
        ),
        "lead": serializers.CharField(),
        "detail": serializers.CharField(required=False),
    },
)
REJECTED_SCHEMA = inline_serializer(
    "IntakeRejected",
    fields={
        "error": serializers.CharField(),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField())
        ),
    },
)


COUNTED, LIMITED, REFUSED = "counted", "limited", "refused"
JSON_MEDIA = "application/json"


def _size_refusal(request):
    """413 for a body over the limit, told by its Content-Length before it is read
    (a body of megabytes is never read), or by its length once read."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > intake.MAX_BODY_BYTES:
        return _too_large()
    if len(request.body) > intake.MAX_BODY_BYTES:
        return _too_large()
    return None


def _too_large():
    return _error(
        "too_large",
        _("The body is larger than %d bytes.") % intake.MAX_BODY_BYTES,
        413,
    )


def _media_refusal(request):
    """415 unless the body is declared as JSON in UTF-8 (an empty body is left to
    the 400 that names it)."""
    if not request.body:
        return None
    django_request = request._request  # DRF's content_type keeps the parameters
    charset = django_request.content_params.get("charset", "utf-8").lower()
    media = django_request.content_type.lower()
    if media == JSON_MEDIA and charset in ("utf-8", "utf8"):
        return None
    return _error(
        "unsupported_media_type",
        _("Send the body as Content-Type: application/json (UTF-8)."),
        415,
        fields={"Content-Type": [_("Send application/json.")]},
    )


def _idempotency_key(request) -> str:
    """The request's Idempotency-Key, or "" when it is missing or malformed."""
    key = request.headers.get("Idempotency-Key", "").strip()
    return key if intake.IDEMPOTENCY_KEY_RE.fullmatch(key) else ""


def _unknown_key():
    return _error("not_found", _("Unknown integration key."), 404)


def _error(code: str, detail: str, status: int, fields=None, headers=None):
    return Response(error_body(code, detail, fields), status=status, headers=headers)


LEAD = "3f0c2a4e-8d1b-4c55-9a8e-2b7d6f1e0a93"
ACCEPTED_RESPONSES = {
    202: OpenApiResponse(
        ACCEPTED_SCHEMA,
        description="Accepted. `queued`: stored; the worker turns it into a customer "
        "within a second or two (a retry tells the outcome). `quarantined`: no consent "
        "evidence, held without creating a customer.",
        examples=[
            OpenApiExample(
                "queued", {"status": "queued", "lead": LEAD}, status_codes=["202"]
            ),
        ],
    ),
    200: OpenApiResponse(
        ACCEPTED_SCHEMA,
        description="A retry with the same Idempotency-Key and body "
        "(header `Idempotent-Replayed: true`): the delivery's current status, "
        "`queued` and then `created` or `duplicate`.",
        examples=[
            OpenApiExample(
                "created", {"status": "created", "lead": LEAD}, status_codes=["200"]
            ),
        ],
    ),
}


class IntakeAPI(APIView):
    """One signed lead delivery from a traffic platform."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    opens_own_transaction = True  # the firm's, in tenant_context (TenantMiddleware)
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        """Nothing to negotiate, version, authenticate, permit or throttle here: the
        answer is always JSON, the caller proves itself with the signature and the
        view counts its own allowance."""
        self.format_kwarg = None
        request.accepted_renderer = self.renderer_classes[0]()
        request.accepted_media_type = "application/json"
        request.version, request.versioning_scheme = None, None

    @extend_schema(
        operation_id="intake_deliver",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "X-Timestamp",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unix seconds; refused when more than 300 s off.",
            ),
            OpenApiParameter(
                "X-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='Hex HMAC-SHA256 of timestamp + "." + raw body, keyed '
                "with the integration secret.",
            ),
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per lead; a retry with the same key is a no-op.",
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="`true` on the answer to a retry.",
            ),
        ],
        responses={
            **ACCEPTED_RESPONSES,
            400: REJECTED_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
            409: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            415: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
        auth=[],
        tags=["intake"],
    )
    def post(self, request, integration_key: str):
        slug = intake.tenant_slug_of(integration_key)
        if not slug:
            return _unknown_key()
        key = _idempotency_key(request)  # "" when malformed: refused below
        admission = receiving.intake_admit(integration_key, slug, key)
        fate = REFUSED
        try:
            response, fate = self._answer(request, integration_key, key, admission)
        finally:
            if fate != COUNTED:
                receiving.intake_refused(admission, counted=fate == LIMITED)
        return response

    def _answer(self, request, integration_key: str, key: str, admission):
        """The response, and whether the delivery counts against the allowance
        (COUNTED: stored or answered from the stored one), was over it (LIMITED) or
        was refused before (REFUSED: it gives its count back)."""
        target = selectors.intake_target(integration_key, admission.cached_target)
        if target is None:
            return _unknown_key(), REFUSED
        tenant, integration = target
        refusal = self._plan_refusal(tenant)
        if refusal is not None:
            return refusal, REFUSED
        # In production no transaction is open here: the firm's context alone (its
        # keys seal the payload), and the service stores in one round trip. Inside a
        # caller's transaction (tests, SQLite) the firm's transaction, as elsewhere.
        firm = bind_tenant if one_trip_possible() else tenant_context
        with firm(tenant):
            refusal = self._delivery_refusal(request, integration, key)
            if refusal is not None:
                return refusal, REFUSED
            wait = admission.wait_seconds(integration)
            if wait:
                return _error(
                    "rate_limited",
                    _("Too many deliveries for this integration; retry in %d s.")
                    % wait,
                    429,
                    headers={"Retry-After": str(wait)},
                ), LIMITED
            outcome = receiving.intake_receive(
                tenant=tenant,
                integration=integration,
                idempotency_key=key,
                body=request.body,
                remote_ip=client_ip(request),
                admission=admission,
            )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
        response = Response(outcome.body, status=outcome.http_status, headers=headers)
        return response, COUNTED

    @staticmethod
    def _plan_refusal(tenant: Tenant):
        """A suspended firm, one without acquisition in its plan, or an expired one
        takes no leads (the plan's own checks and words for a machine)."""
        refusal = plan_refusal(
            tenant, module="acquisition", writing=True, audience=Audience.MACHINE
        )
        if refusal is None:
            return None
        return _error(refusal.code, refusal.detail, refusal.status)

    @staticmethod
    def _delivery_refusal(request, integration: Integration, key: str):
        """Why this delivery is refused before it is stored, or None."""
        if not integration.active:
            return _error(
                "integration_disabled", _("This integration is switched off."), 403
            )
        refusal = _size_refusal(request) or _media_refusal(request)
        if refusal is not None:
            return refusal
        body = request.body
        timestamp = request.headers.get("X-Timestamp", "")
        signature = request.headers.get("X-Signature", "")
        if not timestamp or not signature:
            return _error(
                "signature_missing",
                _("Send the X-Timestamp and X-Signature headers."),
                401,
            )
        if not intake.timestamp_wellformed(timestamp):
            return _error(
                "bad_timestamp", _("X-Timestamp must be unix seconds (digits)."), 401
            )
        secret = integration.get_secret("secret") or ""
        if not intake.signature_valid(secret, timestamp, body, signature):
            return _error(
                "bad_signature",
                _("The signature does not match the body and timestamp."),
                401,
            )
        if not intake.timestamp_fresh(timestamp):
            return _error(
                "stale_timestamp",
                _("X-Timestamp is more than 300 seconds away from our clock."),
                401,
            )
        if not key:
            return _error(
                "invalid",
                _("Idempotency-Key: send 1–120 letters, digits or . _ : -"),
                400,
                fields={
                    "Idempotency-Key": [
                        _("Send 1–120 letters, digits or . _ : - (unique per lead).")
                    ]
                },
            )
        return None
