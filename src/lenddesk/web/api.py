"""API base: permission classes, one error shape, and the base view.

Errors are always ``{"error": code, "detail": text, "fields": {field: [messages]}}``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from lenddesk.web.api_permissions import HasCodes

logger = logging.getLogger(__name__)


class TenantAPIView(APIView):
    permission_classes = [HasCodes]
    permissions: dict[str, tuple[str, ...]] = {}


def _fields_of(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {}


def validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for m in v.messages]
            if hasattr(v, "messages")
            else [str(e) for e in v]
            for k, v in exc.message_dict.items()
        }
    return {}


def summarise(fields: dict[str, list[str]]) -> str:
    """One line that names every failing field: ``username: required; seats: …``."""
    parts = ["%s: %s" % (name, " ".join(msgs)) for name, msgs in fields.items()]
    return "; ".join(parts) or "Invalid input."


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = validation_fields(exc)
        code = getattr(exc, "code", None) or "invalid"
        detail = (
            summarise(fields) if fields else (exc.messages or ["Invalid input."])[0]
        )
        return Response(
            {"error": code, "detail": detail, "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {
                "error": "server_error",
                "detail": "Internal error. It has been logged.",
                "fields": {},
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        fields = _fields_of(data) if isinstance(data, dict) else {}
        if isinstance(data, list):
            fields = {"non_field_errors": [str(m) for m in data]}
        response.data = {
            "error": "invalid",
            "detail": summarise(fields),
            "fields": fields,
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"error": str(code), "detail": str(detail), "fields": {}}
    return response


def cursor_page(name: str, item, **extra):
    """OpenAPI shape of a keyset page: ``results`` plus the cursor for the next one."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name,
        {
            "results": item(many=True),
            "next_before": serializers.IntegerField(allow_null=True),
            **extra,
        },
    )


def number_page(name: str, item):
    """OpenAPI shape of DRF's page-number pagination."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
