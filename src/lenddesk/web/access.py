"""One way for views to declare who may call them.

``StaffView`` resolves the tenant and the acting user, and checks the permission codes
declared per HTTP method. A view that declares nothing for a method refuses it, so a
forgotten declaration fails closed (and the permission-matrix test catches it).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.views import View

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record

PUBLIC = "public"  # marker: no log-in needed (log-in page, public H5, health)


class StaffView(View):
    """Base of every staff page. ``permissions`` maps a method (or ``*``) to the codes of
    which the user needs any one; an empty tuple means "any logged-in staff member"."""

    permissions: dict[str, tuple[str, ...]] = {}

    def codes_for(self, method: str) -> tuple[str, ...] | None:
        if method == "HEAD":
            method = "GET"
        if method in self.permissions:
            return self.permissions[method]
        return self.permissions.get("*")

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if (
            not request.user.is_authenticated
            or getattr(request, "tenant", None) is None
        ):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        codes = self.codes_for(request.method)
        if codes is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if codes and not request.user.has_any_code(*codes):
            audit_record(
                actor=request.user,
                action=AuditAction.ACCESS_DENIED,
                object_type="route",
                object_repr=request.path[:200],
                result="refused",
                reason="needs one of: %s" % ", ".join(codes),
            )
            raise PermissionDenied
        self.actor = request.user
        self.tenant = request.tenant
        return super().dispatch(request, *args, **kwargs)
