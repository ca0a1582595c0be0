"""API base: permission classes, one error shape, and the base view.

Errors are always ``{"error": code, "detail": text, "fields": {field: [messages]}}``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from lenddesk.web.access import note_not_found
from lenddesk.web.api_permissions import HasCodes
from lenddesk.web.errors import error_body, status_for
from lenddesk.web.parsers import PayloadTooLarge

logger = logging.getLogger(__name__)


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


class TenantAPIView(APIView):
    permission_classes = [HasCodes]
    permissions: dict[str, tuple[str, ...]] = {}


NON_FIELD = "non_field_errors"


def error_fields(detail) -> dict[str, list[str]]:
    """DRF's error detail, however nested, as ``{field: [plain messages]}``; an item
    of a list or a nested object is named by its dotted path (``tags.1``,
    ``rules.0.value``), so no message ever shows as ``ErrorDetail(string=…)``."""
    fields: dict[str, list[str]] = {}
    _flatten(detail, "", fields)
    return fields


def _flatten(detail, path: str, fields: dict[str, list[str]]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten(value, "%s.%s" % (path, key) if path else str(key), fields)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                _flatten(item, "%s.%d" % (path, index) if path else str(index), fields)
            else:
                fields.setdefault(path or NON_FIELD, []).append(str(item))
    elif detail is not None:
        fields.setdefault(path or NON_FIELD, []).append(str(detail))


def validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if k == "__all__" else k): [str(m) for m in v.messages]
            if hasattr(v, "messages")
            else [str(e) for e in v]
            for k, v in exc.message_dict.items()
        }
    return {}


def summarise(fields: dict[str, list[str]]) -> str:
    """One line that names every failing field: ``username: required; seats: …``."""
    parts = ["%s: %s" % (name, " ".join(msgs)) for name, msgs in fields.items()]
    return "; ".join(parts) or str(_("Invalid input."))


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = validation_fields(exc)
        code = getattr(exc, "code", None) or "invalid"
        detail = (
            summarise(fields)
            if fields
            else (exc.messages or [str(_("Invalid input."))])[0]
        )
        return Response(error_body(code, detail, fields), status=status_for(code))
    exc = _as_api_exception(exc)
    if isinstance(exc, exceptions.NotFound):
        note_not_found(context.get("request"))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", str(_("Internal error. It has been logged."))),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = error_fields(exc.detail)
        response.data = error_body("invalid", summarise(fields), fields)
        return response
    detail = getattr(exc, "detail", str(exc))
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    if isinstance(detail, dict | list):
        detail = summarise(error_fields(detail))
    response.data = error_body(str(code), str(detail))
    return response


def _as_api_exception(exc):
    """Django's and Python's exceptions that a request can cause, as DRF's."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ValidationError(
            {NON_FIELD: [_("The request has too many fields.")]}
        )
    if isinstance(exc, RecursionError):
        return exceptions.ParseError(_("The input is nested too deeply."))
    return exc


def cursor_page(name: str, item, **extra):
    """OpenAPI shape of a keyset page: ``results`` plus the cursor for the next one."""
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
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
