"""Bearer tokens for the API (opaque, stored hashed, expiring, revocable)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from lenddesk.accounts import login_policy
from lenddesk.accounts.models import ApiToken
from lenddesk.security.net import client_ip
from lenddesk.tenancy.context import get_current_tenant
from lenddesk.web.orm import first_or_none

LAST_USED_EVERY = dt.timedelta(seconds=60)


def bearer_secret(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = bearer_secret(request)
        if raw is None:
            return None
        tenant = get_current_tenant()
        if tenant is None or ApiToken.tenant_id_of(raw) != tenant.pk:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        token = first_or_none(
            ApiToken.objects.select_related("user", "user__department").filter(
                key_hash=ApiToken.hash_secret(raw)
            )
        )
        if token is None or not token.is_usable():
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        refusal = login_policy.check(
            token.user, client=token.client, ip=client_ip(request)
        )
        if refusal is not None:
            raise exceptions.AuthenticationFailed(refusal.message, code=refusal.code)
        now = timezone.now()
        # At most once a minute: a read request then writes nothing (no row lock, no
        # commit flush) — bench: every API GET paid for an UPDATE.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request.api_token = token
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Declares the bearer token in the OpenAPI schema, so the API docs and generated
    clients send ``Authorization: Bearer ld_…``."""

    target_class = "lenddesk.accounts.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token (12 hours).",
        }
