"""Conversion feedback (回传) in the API, for integrators: an integration's settings,
its signing secret (shown once) and its delivery log, with "send again". The same
services and selectors as the pages; the log carries no personal field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from lenddesk.acquisition import selectors
from lenddesk.acquisition.conversion_errors import ConversionError
from lenddesk.acquisition.conversion_models import (
    CallbackStatus,
    ConversionCallback,
    ConversionConfig,
    ConversionEvent,
)
from lenddesk.acquisition.conversion_selectors import callback_get, callback_list
from lenddesk.acquisition.conversions import (
    FIELDS,
    conversion_config,
    conversion_retry,
    conversion_secret_rotate,
    conversion_settings_save,
)
from lenddesk.acquisition.permissions import AcquisitionPermission as P
from lenddesk.web.api import ERROR_SCHEMA, TenantAPIView, cursor_page
from lenddesk.web.params import IdField, int_or_none

TAGS = ["conversions"]
ERRORS = {code: ERROR_SCHEMA for code in (400, 403, 404)}
PAGE = 50


class ConversionSettingsSerializer(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="integration_id")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=ConversionEvent.choices)
    )
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = ConversionConfig
        fields = [
            "integration",
            "enabled",
            "url",
            "events",
            "qualified_stage",
            "send_amount_band",
            "has_secret",
            "secret_issued_at",
        ]

    def get_has_secret(self, config) -> bool:
        return bool(config.secret_cipher)


SETTINGS_INPUT = inline_serializer(
    "ConversionSettingsInput",
    fields={
        "enabled": serializers.BooleanField(required=False),
        "url": serializers.CharField(required=False, help_text="https:// address"),
        "events": serializers.ListField(
            child=serializers.ChoiceField(choices=ConversionEvent.choices),
            required=False,
        ),
        "qualified_stage": serializers.CharField(
            required=False, help_text="a funnel stage key (default: invited)"
        ),
        "send_amount_band": serializers.BooleanField(required=False),
    },
)
SECRET_SCHEMA = inline_serializer(
    "ConversionSecret",
    fields={
        "secret": serializers.CharField(help_text="shown only in this answer"),
        "secret_issued_at": serializers.DateTimeField(),
    },
)


class ConversionCallbackSerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField()

    class Meta:
        model = ConversionCallback
        fields = [
            "id",
            "event",
            "event_id",
            "lead_ref",
            "occurred_at",
            "amount_band",
            "status",
            "attempts",
            "last_http_status",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


class ConversionAPIView(TenantAPIView):
    module = "acquisition"


def _settings_answer(config: ConversionConfig, secret: str = "") -> dict:
    data = dict(ConversionSettingsSerializer(config).data)
    if secret:
        data["secret"] = secret
    return data


class ConversionSettingsAPI(ConversionAPIView):
    permissions = {"GET": (P.INTEGRATIONS,), "PATCH": (P.INTEGRATIONS,)}

    @extend_schema(
        responses={200: ConversionSettingsSerializer, **ERRORS},
        operation_id="conversion_settings_get",
        tags=TAGS,
        description="An integration's conversion feedback settings (off until set).",
    )
    def get(self, request, integration_id: int):
        integration = selectors.integration_get(integration_id)
        return Response(_settings_answer(conversion_config(integration)))

    @extend_schema(
        request=SETTINGS_INPUT,
        responses={200: ConversionSettingsSerializer, **ERRORS},
        operation_id="conversion_settings_update",
        tags=TAGS,
        description="Change the settings; fields left out keep their value. The "
        "first save issues the signing secret, returned once as `secret`. A refused "
        "field is named in `fields` (an http:// or private address in production, "
        "an unknown event or stage).",
    )
    def patch(self, request, integration_id: int):
        integration = selectors.integration_get(integration_id)
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError(
                _("Send a JSON object."), code=ConversionError.INVALID
            )
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise ValidationError(
                {name: _("Unknown field.") for name in unknown[:10]},
                code=ConversionError.INVALID,
            )
        saved = conversion_settings_save(
            actor=request.user, integration=integration, values=dict(data)
        )
        return Response(_settings_answer(saved.config, saved.secret))


class ConversionSecretAPI(ConversionAPIView):
    permissions = {"POST": (P.INTEGRATIONS,)}

    @extend_schema(
        request=None,
        responses={200: SECRET_SCHEMA, **ERRORS},
        operation_id="conversion_secret_rotate",
        tags=TAGS,
        description="Issue a new signing secret, shown only in this answer; "
        "callbacks from now on are signed with it.",
    )
    def post(self, request, integration_id: int):
        integration = selectors.integration_get(integration_id)
        saved = conversion_secret_rotate(actor=request.user, integration=integration)
        return Response(
            {
                "secret": saved.secret,
                "secret_issued_at": saved.config.secret_issued_at,
            }
        )


class ConversionCallbackListAPI(ConversionAPIView):
    permissions = {"GET": (P.INTEGRATIONS,)}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CallbackStatus.values),
            OpenApiParameter("event", str, enum=ConversionEvent.values),
            OpenApiParameter("lead_ref", str, description="the platform's reference"),
            OpenApiParameter(
                "before", int, description="cursor: the last id of the page"
            ),
        ],
        responses={
            200: cursor_page("ConversionCallbackPage", ConversionCallbackSerializer),
            **ERRORS,
        },
        operation_id="conversion_callbacks_list",
        tags=TAGS,
        description="The send log, newest first: event, the platform's lead "
        "reference, status, attempts, the last HTTP status or error.",
    )
    def get(self, request, integration_id: int):
        integration = selectors.integration_get(integration_id)
        params = request.query_params
        rows = callback_list(
            integration,
            status=params.get("status", ""),
            event=params.get("event", ""),
            lead_ref=params.get("lead_ref", ""),
        )
        before = int_or_none(params.get("before"))
        if before:
            rows = rows.filter(pk__lt=before)
        page = list(rows[: PAGE + 1])
        more = len(page) > PAGE
        page = page[:PAGE]
        return Response(
            {
                "results": ConversionCallbackSerializer(page, many=True).data,
                "next_before": page[-1].pk if more else None,
            }
        )


class RetryInput(serializers.Serializer):
    callback = IdField()


class ConversionRetryAPI(ConversionAPIView):
    permissions = {"POST": (P.INTEGRATIONS,)}

    @extend_schema(
        request=RetryInput,
        responses={200: ConversionCallbackSerializer, 409: ERROR_SCHEMA, **ERRORS},
        operation_id="conversion_callback_retry",
        tags=TAGS,
        description="Send a failed callback again (same event id, attempts from "
        "zero); 409 `conflict` when it is not failed.",
    )
    def post(self, request, integration_id: int):
        integration = selectors.integration_get(integration_id)
        given = RetryInput(data=request.data)
        given.is_valid(raise_exception=True)
        callback = callback_get(integration, given.validated_data["callback"])
        callback = conversion_retry(actor=request.user, callback=callback)
        return Response(ConversionCallbackSerializer(callback).data)
