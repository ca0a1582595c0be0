"""Provider callbacks (call events and recordings) on the lean machine-endpoint path
(decision 0003): no session, cookie or CSRF; the firm comes from the path, the
provider's signature proves the sender. A bad signature is refused (401) before
anything is parsed or stored. Delivering an event twice changes nothing the second
time (``services.events``)."""

from __future__ import annotations

import hashlib
import json
import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from lenddesk.telephony.errors import TelephonyError as E
from lenddesk.telephony.models import ProviderKind, TelephonySettings
from lenddesk.telephony.services.config import provider_for
from lenddesk.telephony.services.events import events_apply
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant, TenantStatus
from lenddesk.web.api import ERROR_SCHEMA
from lenddesk.web.errors import error_body

log = logging.getLogger(__name__)
MAX_BODY = 512 * 1024
FIRM_SECONDS = 30
SEEN_SECONDS = 120
_firms: dict[str, tuple[float, Tenant | None]] = {}


def _firm(slug: str) -> Tenant | None:
    """The firm of the path (kept 30 s per process: a suspension applies within it)."""
    now = time.monotonic()
    hit = _firms.get(slug)
    if hit and now - hit[0] < FIRM_SECONDS:
        return hit[1]
    tenant = Tenant.objects.filter(slug=slug[:60]).first()
    if tenant is not None and (
        tenant.status != TenantStatus.ACTIVE or not tenant.has_module("telephony")
    ):
        tenant = None
    if len(_firms) > 10_000:
        _firms.clear()
    _firms[slug] = (now, tenant)
    return tenant


_set_ups: dict[int, tuple[float, TelephonySettings | None, object]] = {}


def _set_up(tenant: Tenant) -> tuple[TelephonySettings | None, object]:
    """The firm's settings and provider adapter (its secrets decrypted), kept 30 s
    per process: a new callback secret applies within it."""
    now = time.monotonic()
    hit = _set_ups.get(tenant.pk)
    if hit and now - hit[0] < FIRM_SECONDS:
        return hit[1], hit[2]
    with tenant_context(tenant):
        config = TelephonySettings.objects.first()
        adapter = provider_for(config) if config is not None else None
    if len(_set_ups) > 10_000:
        _set_ups.clear()
    _set_ups[tenant.pk] = (now, config, adapter)
    return config, adapter


@receiver(post_save, sender=Tenant)
@receiver(post_save, sender=TelephonySettings)
def forget_callback_caches(**_kwargs) -> None:
    """A changed firm or calling set-up applies to this process at once (to the
    others within ``FIRM_SECONDS``)."""
    _firms.clear()
    _set_ups.clear()


def _answer(provider: str, received: int, new: int) -> Response:
    if provider == ProviderKind.ALIYUN:
        return Response({"code": 0, "msg": "成功"})
    return Response({"received": received, "new": new})


def _seen_key(tenant_id: int, event_id: str) -> str:
    digest = hashlib.sha256(event_id.encode()).hexdigest()[:32]
    return "tel:seen:%d:%s" % (tenant_id, digest)


def _not_seen(tenant_id: int, events: list) -> list:
    """The events not known to be on record: a retry of an event stored in the last
    two minutes is answered without touching the database. Only committed events are
    remembered (``_remember`` runs after the commit), so nothing is skipped that was
    not stored."""
    keys = {e.event_id: _seen_key(tenant_id, e.event_id) for e in events}
    seen = cache.get_many(list(keys.values()))
    return [e for e in events if keys[e.event_id] not in seen]


def _remember(tenant_id: int, event_ids: list[str]) -> None:
    if event_ids:
        cache.set_many({_seen_key(tenant_id, i): 1 for i in event_ids}, SEEN_SECONDS)


def _refused(code: str, detail: str, http_status: int) -> Response:
    return Response(error_body(code, detail), status=http_status)


class ProviderCallbackAPI(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = None
        request.accepted_renderer = self.renderer_classes[0]()
        request.accepted_media_type = "application/json"
        request.version, request.versioning_scheme = None, None

    @extend_schema(
        operation_id="telephony_callback",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiTypes.OBJECT,
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            404: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
        },
        tags=["telephony"],
        description="Call events from the firm's telephony provider. Simulated: "
        "X-Timestamp and X-Signature (hex HMAC-SHA256 of timestamp.body with the "
        "firm's callback secret). Alibaba Cloud: SecretReport batch push to the "
        "address shown on the settings page (?token=…).",
    )
    def post(self, request, tenant_slug: str, provider: str):
        if provider not in ProviderKind.values:
            return _refused("not_found", "No such provider.", 404)
        tenant = _firm(tenant_slug)
        if tenant is None:
            return _refused("not_found", "No such firm.", 404)
        body = request.body
        if len(body) > MAX_BODY:
            return _refused("too_large", "The body is too large.", 413)
        config, adapter = _set_up(tenant)
        if config is None or config.provider != provider:
            return _refused(
                "not_found", "Calling is not set up for this provider.", 404
            )
        if not adapter.verify(request.headers, body, request.GET):
            log.warning("telephony callback refused: bad signature (%s)", provider)
            return _refused(E.BAD_SIGNATURE, "The signature does not match.", 401)
        try:
            events = adapter.parse(body)
        except (ValueError, json.JSONDecodeError) as exc:
            return _refused("invalid", str(exc)[:200], 400)
        fresh = _not_seen(tenant.pk, events)
        new = 0
        if fresh:
            stored: list[str] = []
            with tenant_context(tenant):
                new = events_apply(
                    config=config, provider=adapter, events=fresh, stored=stored
                )
                transaction.on_commit(lambda: _remember(tenant.pk, stored))
        return _answer(provider, len(events), new)
