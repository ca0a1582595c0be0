"""Per-request session rules for staff: idle and absolute limits, the role's log-in
rules (a session opened at 17:59 stops at 18:00), and a forced password change."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import resolve
from django.utils.translation import gettext as _

from lenddesk.accounts import login_policy
from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.security.net import client_ip
from lenddesk.web.errors import error_response

LAST_SEEN = "ld_last_seen"
AUTH_TIME = "ld_auth_time"
MUST_CHANGE_PASSWORD = "ld_must_change_password"  # noqa: S105 - a session key
# Views a user who must change the password may still reach.
PASSWORD_CHANGE_ALLOWED = frozenset(
    {"accounts:password_change", "accounts:logout", "set_language"}
)


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        is_api = request.path.startswith("/api/")
        if user is None or tenant is None or is_api or not user.is_authenticated:
            return self.get_response(request)
        ended = self._session_end_reason(request, tenant)
        if ended is None:
            refusal = login_policy.check(user, client="web", ip=client_ip(request))
            ended = refusal.code if refusal else None
            message = refusal.message if refusal else ""
        else:
            message = _("Your session ended after inactivity. Please log in again.")
        if ended is not None:
            audit_record(
                actor=user, action=AuditAction.SESSION_ENDED, target=user, reason=ended
            )
            logout(request)
            messages.info(request, message)
            if request.headers.get("HX-Request"):
                return error_response(ended, message, 401)
            return redirect(settings.LOGIN_URL)
        if request.session.get(MUST_CHANGE_PASSWORD):
            name = resolve(request.path_info).view_name if request.path_info else ""
            if name not in PASSWORD_CHANGE_ALLOWED:
                messages.warning(
                    request,
                    _(
                        "Your password is older than your firm allows. Please choose a new one."
                    ),
                )
                return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def _session_end_reason(request, tenant) -> str | None:
        now = time.time()
        last_seen = request.session.get(LAST_SEEN, now)
        auth_time = request.session.get(AUTH_TIME, now)
        if now - last_seen > tenant.idle_timeout_minutes * 60:
            return "idle timeout"
        if now - auth_time > settings.SESSION_COOKIE_AGE:
            return "max age"
        if now - last_seen > 30 or LAST_SEEN not in request.session:
            request.session[LAST_SEEN] = now
        return None
