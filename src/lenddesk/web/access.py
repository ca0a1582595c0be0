"""One way for views to declare who may call them.

``StaffView`` resolves the tenant and the acting user, and checks the permission codes
declared per HTTP method. A view that declares nothing for a method refuses it, so a
forgotten declaration fails closed (and the permission-matrix test catches it).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.audit.models import AuditAction
from lenddesk.audit.services import audit_record
from lenddesk.web.cache import count_hit

PUBLIC = "public"  # marker: no log-in needed (log-in page, public H5, health)

# Someone walking through ids (another firm's, a colleague's) gets a 404 for each: this
# many within one window is worth one audit entry and a word to the firm's admins.
PROBE_WINDOW_SECONDS = 300
PROBE_THRESHOLD = 30
PROBE_ALERT_CODE = "audit.view"


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
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            note_not_found(request)
            raise


def note_not_found(request) -> None:
    """Count a 404 answered to a signed-in colleague; the ``PROBE_THRESHOLD``-th in a
    window writes one security audit entry and notifies whoever reads the audit log
    (once per window: the count passes the threshold once)."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if user is None or not user.is_authenticated or tenant is None:
        return
    window = int(time.time()) // PROBE_WINDOW_SECONDS
    name = "probe:404:%d:%d:%d" % (tenant.pk, user.pk, window)
    if count_hit(name, PROBE_WINDOW_SECONDS + 5) == PROBE_THRESHOLD:
        _report_probe(user, request.path, window)


def _report_probe(user, path: str, window: int) -> None:
    from lenddesk.accounts.selectors import people_with_code
    from lenddesk.notifications.services import notify

    reason = "%d not-found answers within %d s; the last for %s" % (
        PROBE_THRESHOLD,
        PROBE_WINDOW_SECONDS,
        path[:120],
    )
    audit_record(
        actor=user,
        action=AuditAction.ACCESS_DENIED,
        object_type="probe",
        object_repr=path[:200],
        result="refused",
        reason=reason,
    )
    notify(
        recipients=people_with_code(PROBE_ALERT_CODE, exclude=user),
        kind="security.probe",
        title=_(
            "%(user)s asked for %(count)d records that do not exist or are out "
            "of reach within %(minutes)d minutes."
        )
        % {
            "user": user,
            "count": PROBE_THRESHOLD,
            "minutes": PROBE_WINDOW_SECONDS // 60,
        },
        dedupe_key="probe:%d:%d" % (user.pk, window),
    )
