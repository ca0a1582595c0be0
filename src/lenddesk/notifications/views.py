from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lenddesk.notifications import selectors, services
from lenddesk.web.access import StaffView
from lenddesk.web.params import int_or_none


class InboxView(StaffView):
    permissions = {"GET": ()}

    def get(self, request):
        unread_only = request.GET.get("unread") == "1"
        rows, next_before = selectors.inbox(
            actor=request.user,
            unread_only=unread_only,
            before=int_or_none(request.GET.get("before")),
        )
        return render(
            request,
            "notifications/inbox.html",
            {"rows": rows, "next_before": next_before, "unread_only": unread_only},
        )


class OpenView(StaffView):
    """Marks the message read and goes where it points (only ever inside this site)."""

    permissions = {"POST": ()}

    def post(self, request, pk: int):
        notification = selectors.notification_get(actor=request.user, pk=pk)
        services.notification_mark_read(actor=request.user, notification=notification)
        target = notification.url
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=False
        ):
            return redirect(target)
        return redirect("notifications:inbox")


class MarkAllReadView(StaffView):
    permissions = {"POST": ()}

    def post(self, request):
        count = services.notifications_mark_all_read(actor=request.user)
        messages.success(request, _("%d notifications marked as read.") % count)
        return redirect("notifications:inbox")
