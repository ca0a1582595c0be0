"""The firm's calling set-up: provider and rules, the number pool, the do-not-call
list (behind ``telephony.settings``); putting one customer on or off the list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lenddesk.customers.selectors import customer_get
from lenddesk.telephony import selectors
from lenddesk.telephony.forms import DoNotCallForm, NumberForm, SettingsForm
from lenddesk.telephony.models import CallerNumber
from lenddesk.telephony.permissions import TelephonyPermission as P
from lenddesk.telephony.providers.aliyun import push_token
from lenddesk.telephony.services import config as services
from lenddesk.web.access import StaffView
from lenddesk.web.listing import list_page
from lenddesk.web.pages import form_submit


class SettingsView(StaffView):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}

    def _page(self, request, form, status=200):
        config = services.telephony_settings()
        secret = config.get_secret("callback_secret") or ""
        slug = request.tenant.slug
        return render(
            request,
            "telephony/settings.html",
            {
                "title": _("Calling settings"),
                "form": form,
                "has_access_secret": bool(config.access_secret_cipher),
                "push_path": "/api/v1/telephony/callbacks/%s/aliyun/?token=%s"
                % (slug, push_token(secret, slug)),
            },
            status=status,
        )

    def get(self, request):
        return self._page(request, SettingsForm(instance=services.telephony_settings()))

    def post(self, request):
        form = SettingsForm(request.POST, instance=services.telephony_settings())
        done = form_submit(
            request,
            form,
            lambda data: services.settings_update(
                actor=request.user,
                values={k: v for k, v in data.items() if k != "access_secret"},
                access_secret=data.get("access_secret") or None,
            ),
            success=_("Calling settings saved."),
            redirect_to="telephony:settings",
        )
        return done or self._page(request, form, status=400)


class NumbersView(StaffView):
    permissions = {"GET": (P.SETTINGS,), "POST": (P.SETTINGS,)}

    def _page(self, request, form, status=200):
        rows = selectors.numbers_all()
        return render(
            request,
            "telephony/numbers.html",
            {"title": _("Caller number pool"), "rows": rows, "form": form},
            status=status,
        )

    def get(self, request):
        return self._page(request, NumberForm())

    def post(self, request):
        form = NumberForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: services.number_add(actor=request.user, **data),
            success=_("Line added to the pool."),
            redirect_to="telephony:numbers",
        )
        return done or self._page(request, form, status=400)


class NumberStatusView(StaffView):
    permissions = {"POST": (P.SETTINGS,)}

    def post(self, request, number_id):
        line = get_object_or_404(CallerNumber, pk=number_id)
        try:
            services.number_set_status(
                actor=request.user, number=line, status=request.POST.get("status", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Line updated."))
        return redirect("telephony:numbers")


class DoNotCallListView(StaffView):
    permissions = {"GET": (P.SETTINGS, P.RECORDS)}

    def get(self, request):
        page = list_page(request, selectors.dnc_rows(request.user))
        return render(
            request,
            "telephony/dnc.html",
            {
                "title": _("Do-not-call list"),
                "page": page,
                "total": page.paginator.count,
            },
        )


class CustomerDoNotCallView(StaffView):
    """Put a customer on the list (anyone who may call them) or take them off
    (only ``telephony.settings``)."""

    permissions = {"POST": (P.CALL, P.SETTINGS)}

    def post(self, request, customer_id):
        customer = customer_get(actor=request.user, customer_id=customer_id)
        if request.POST.get("remove") == "1":
            if not request.user.has_code(P.SETTINGS):
                messages.error(
                    request,
                    _("Only the calling admin may take a customer off the list."),
                )
            else:
                services.dnc_remove(actor=request.user, customer=customer)
                messages.success(request, _("Taken off the do-not-call list."))
            return redirect("customers:detail", customer.pk)
        form = DoNotCallForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why this customer must not be called."))
            return redirect("customers:detail", customer.pk)
        services.dnc_add(actor=request.user, customer=customer, **form.cleaned_data)
        messages.success(request, _("Put on the do-not-call list: calls are blocked."))
        return redirect("customers:detail", customer.pk)
