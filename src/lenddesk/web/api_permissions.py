"""DRF permission classes (kept apart from views so DRF settings can import them)."""

from rest_framework import exceptions, permissions


class IsTenantUser(permissions.BasePermission):
    """Authenticated staff user of the request's firm."""

    def has_permission(self, request, view):
        user = request.user
        tenant = getattr(request._request, "tenant", None)
        return bool(
            user
            and user.is_authenticated
            and tenant is not None
            and user.tenant_id == tenant.pk
        )


class HasCodes(IsTenantUser):
    """Checks ``view.permissions`` (method → codes, any one suffices), like StaffView."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        declared = getattr(view, "permissions", {})
        method = "GET" if request.method == "HEAD" else request.method
        codes = declared.get(method, declared.get("*"))
        if codes is None:
            raise exceptions.MethodNotAllowed(request.method)
        if not codes or request.user.has_any_code(*codes):
            return True
        # Imported here: DRF loads this module from settings, before apps are ready.
        from lenddesk.audit.models import AuditAction
        from lenddesk.audit.services import audit_record

        audit_record(
            actor=request.user,
            action=AuditAction.ACCESS_DENIED,
            object_type="route",
            object_repr=request.path[:200],
            result="refused",
            reason="needs one of: %s" % ", ".join(codes),
        )
        return False
