from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from lenddesk.accounts.permissions import TenantPermission
from lenddesk.accounts.selectors import seat_usage
from lenddesk.tenancy.modules import MODULES
from lenddesk.web.access import StaffView
from lenddesk.web.errors import error_response
from lenddesk.web.health import run_checks
from lenddesk.web.home import home_panels_for


class HomeView(StaffView):
    permissions = {"GET": ()}

    def get(self, request):
        context = {
            "roles": list(request.user.roles.all()),
            "panels": home_panels_for(request.user, request.tenant),
        }
        if request.user.has_code(TenantPermission.VIEW_PLAN):
            used, seats = seat_usage()
            context.update(
                show_plan=True,
                seats_used=used,
                seats=seats,
                seats_pct=min(100, round(100 * used / seats)) if seats else 0,
                modules=[(m, request.tenant.has_module(m.code)) for m in MODULES],
            )
        return render(request, "web/home.html", context)


class HealthView(View):
    """``/healthz``: 200 when every dependency answers, 503 otherwise. No secrets."""

    def get(self, request):
        checks = run_checks()
        healthy = all(c.ok for c in checks)
        return JsonResponse(
            {
                "status": "ok" if healthy else "degraded",
                "checks": {
                    c.name: {"ok": c.ok, "detail": c.detail, "ms": c.ms} for c in checks
                },
            },
            status=200 if healthy else 503,
        )


def error_404(request, exception=None):
    return _error(request, 404)


def error_403(request, exception=None):
    return _error(request, 403)


def error_500(request):
    return _error(request, 500)


def error_400(request, exception=None):
    return _error(request, 400)


API_ERRORS = {
    400: _("Malformed request."),
    403: _("You do not have permission to perform this action."),
    404: _("Not found."),
    500: _("Internal error. It has been logged."),
}


def _error(request, status: int):
    if request.path.startswith("/api/"):
        codes = {
            400: "bad_request",
            403: "permission_denied",
            404: "not_found",
            500: "server_error",
        }
        return error_response(codes[status], str(API_ERRORS[status]), status)
    return render(request, "web/error.html", {"status": status}, status=status)
