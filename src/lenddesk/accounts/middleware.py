"""Idle and absolute session limits for staff sessions."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record

LAST_SEEN = "ld_last_seen"
AUTH_TIME = "ld_auth_time"


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        if user is not None and user.is_authenticated and tenant is not None:
            now = time.time()
            idle_limit = tenant.idle_timeout_minutes * 60
            last_seen = request.session.get(LAST_SEEN, now)
            auth_time = request.session.get(AUTH_TIME, now)
            if (
                now - last_seen > idle_limit
                or now - auth_time > settings.SESSION_COOKIE_AGE
            ):
                audit_record(
                    actor=user,
                    action=AuditAction.SESSION_ENDED,
                    target=user,
                    reason="idle timeout"
                    if now - last_seen > idle_limit
                    else "max age",
                )
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(
                    request,
                    _("Your session ended after inactivity. Please log in again."),
                )
                return redirect(settings.LOGIN_URL)
            if now - last_seen > 30 or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
