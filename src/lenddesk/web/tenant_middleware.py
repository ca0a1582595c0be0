"""The staff stack's firm: resolve the request's tenant and enforce its plan
(suspension, modules, expiry; the rules and their words are ``tenancy.plan``'s)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection, transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve

from lenddesk.accounts.api_auth import bearer_secret
from lenddesk.accounts.models import ApiToken
from lenddesk.audit.services import staged_audit
from lenddesk.tenancy.context import bind_tenant, set_database_tenant
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.modules import MODULE_OF_APP
from lenddesk.tenancy.plan import PlanRefusal, plan_refusal
from lenddesk.tenancy.session import SESSION_TENANT
from lenddesk.web.errors import error_response
from lenddesk.web.orm import first_or_none

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes an expired firm may still make: leave, and change its language.
EXPIRED_WRITE_ALLOWED = frozenset(
    {"accounts:logout", "set_language", "accounts:login", "audit:verify"}
)


def _tenant_id_for(request: HttpRequest) -> int | None:
    raw = bearer_secret(request)
    if raw is not None and request.path.startswith("/api/"):
        return ApiToken.tenant_id_of(raw)
    value = request.session.get(SESSION_TENANT)
    return int(value) if value else None


def _view_class(view_func):
    """The class behind a view function (Django's ``view_class``, DRF's ``cls``)."""
    return getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)


def _opens_own_transaction(request: HttpRequest) -> bool:
    """A view that reads its firm from the URL and runs its work in its own
    ``tenant_context`` (``opens_own_transaction = True``) is spared the request-wide
    transaction: on a hot public endpoint (intake) that was half the statements."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return bool(getattr(_view_class(match.func), "opens_own_transaction", False))


class TenantMiddleware:
    """Sets the tenant for the rest of the request. On PostgreSQL the request runs in one
    transaction whose local ``app.tenant_id`` setting the RLS policies read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant_id = _tenant_id_for(request)
        tenant = (
            first_or_none(Tenant.objects.filter(pk=tenant_id)) if tenant_id else None
        )
        request.tenant = tenant
        with bind_tenant(tenant):
            if connection.vendor != "postgresql" or (
                tenant is None and _opens_own_transaction(request)
            ):
                return self.get_response(request)
            with transaction.atomic():
                set_database_tenant(tenant.pk if tenant else None)
                if tenant is None:
                    response = self.get_response(request)
                else:
                    with staged_audit(tenant.pk):
                        response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                return response


def _refuse(request: HttpRequest, refusal: PlanRefusal):
    if request.path.startswith("/api/"):
        return error_response(refusal.code, refusal.detail, status=refusal.status)
    return render(
        request,
        "web/error.html",
        {"status": refusal.status, "detail": refusal.detail},
        status=refusal.status,
    )


def _module_of(view_func, match) -> str | None:
    """A view's module: its class's ``module`` attribute, else its URL namespace."""
    declared = getattr(_view_class(view_func), "module", None)
    if declared:
        return declared
    for namespace in match.namespaces if match else []:
        if namespace in MODULE_OF_APP:
            return MODULE_OF_APP[namespace]
    return None


def _serves_firm_from_url(view_func) -> bool:
    return bool(getattr(_view_class(view_func), "tenant_from_url", False))


def _writes(request: HttpRequest, match) -> bool:
    """Whether the request changes something an expired firm may not change."""
    return (
        request.method not in SAFE_METHODS
        and (match.view_name if match else "") not in EXPIRED_WRITE_ALLOWED
    )


class PlanMiddleware:
    """Suspended firms cannot work; expired firms are read-only; modules outside the
    plan answer 403 with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.is_suspended
            and request.session.get(SESSION_TENANT)
        ):
            logout(request)
            return redirect(settings.LOGIN_URL)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        tenant = getattr(request, "tenant", None)
        match = request.resolver_match
        if tenant is None or (match and match.app_name == "platform"):
            return None
        if _serves_firm_from_url(view_func):
            return None  # a public page of the firm in its URL, which checks that firm
        refusal = plan_refusal(
            tenant,
            module=_module_of(view_func, match),
            writing=_writes(request, match),
        )
        return None if refusal is None else _refuse(request, refusal)
