"""The operator console (平台运营): a separate log-in; tenants, seats, modules, expiry."""

import time

import segno
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.platform import operator_login, selectors, services
from lenddesk.platform.forms import (
    OperatorLoginForm,
    OperatorOtpForm,
    TenantCreateForm,
    TenantPlanForm,
    TenantStatusForm,
)
from lenddesk.platform.history import history_lines
from lenddesk.security.net import client_ip
from lenddesk.tenancy.models import PlatformOperator, TenantStatus
from lenddesk.tenancy.modules import MODULES
from lenddesk.web.listing import list_filters, list_page
from lenddesk.web.pages import form_submit

SESSION_OPERATOR = "ld_operator_id"
PENDING_OPERATOR = "ld_pending_operator"
PENDING_SINCE = "ld_pending_operator_since"
PENDING_SECONDS = 300


class OperatorView(View):
    """Base of operator pages: requires an operator session, never a tenant user."""

    def dispatch(self, request, *args, **kwargs):
        operator_id = request.session.get(SESSION_OPERATOR)
        operator = (
            PlatformOperator.objects.filter(pk=operator_id, is_active=True).first()
            if operator_id
            else None
        )
        if operator is None:
            return redirect("platform:login")
        self.operator = operator
        request.operator = operator
        return super().dispatch(request, *args, **kwargs)


class OperatorLoginView(View):
    """Step one: the password. Step two (``OperatorOtpVerifyView``, or enrolment on
    the first log-in) finishes it."""

    template_name = "platform/operator_login.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OperatorLoginForm()})

    def post(self, request):
        form = OperatorLoginForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        attempt = operator_login.operator_check_password(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
        if not attempt.ok:
            form.add_error(None, attempt.message)
            status = 429 if attempt.wait_seconds else 400
            return render(request, self.template_name, {"form": form}, status=status)
        request.session.cycle_key()
        request.session.pop(SESSION_OPERATOR, None)
        request.session[PENDING_OPERATOR] = attempt.operator.pk
        request.session[PENDING_SINCE] = time.time()
        if operator_login.has_totp(attempt.operator):
            return redirect("platform:otp_verify")
        return redirect("platform:otp_enrol")


class PendingOperatorView(View):
    """Base of the second-step pages: an operator whose password was just checked."""

    def dispatch(self, request, *args, **kwargs):
        operator_id = request.session.get(PENDING_OPERATOR)
        since = request.session.get(PENDING_SINCE, 0)
        operator = (
            PlatformOperator.objects.filter(pk=operator_id, is_active=True).first()
            if operator_id and time.time() - since <= PENDING_SECONDS
            else None
        )
        if operator is None:
            messages.info(request, _("Please log in again."))
            return redirect("platform:login")
        self.pending = operator
        return super().dispatch(request, *args, **kwargs)

    def finish(self, request, form):
        attempt = operator_login.operator_second_factor(
            operator=self.pending,
            code=form.cleaned_data["code"],
            ip=client_ip(request),
            enrolling=self.enrolling,
        )
        if not attempt.ok:
            form.add_error("code", attempt.message)
            return None, 429 if attempt.wait_seconds else 400
        for key in (PENDING_OPERATOR, PENDING_SINCE):
            request.session.pop(key, None)
        request.session.cycle_key()
        request.session[SESSION_OPERATOR] = attempt.operator.pk
        return redirect("platform:tenant_list"), 302


class OperatorOtpVerifyView(PendingOperatorView):
    template_name = "accounts/otp_verify.html"
    enrolling = False

    def get(self, request):
        if not operator_login.has_totp(self.pending):
            return redirect("platform:otp_enrol")
        return render(request, self.template_name, {"form": OperatorOtpForm()})

    def post(self, request):
        if not operator_login.has_totp(self.pending):
            return redirect("platform:otp_enrol")
        form = OperatorOtpForm(request.POST)
        status = 400
        if form.is_valid():
            response, status = self.finish(request, form)
            if response is not None:
                return response
        return render(request, self.template_name, {"form": form}, status=status)


class OperatorOtpEnrolView(PendingOperatorView):
    """First log-in: set up the authenticator app. An enrolled operator never gets
    here (a new secret must not replace theirs): they go to the code page."""

    template_name = "platform/operator_otp_enrol.html"
    enrolling = True

    def get(self, request):
        if operator_login.has_totp(self.pending):
            return redirect("platform:otp_verify")
        operator = operator_login.operator_totp_begin(operator=self.pending)
        return self._render(request, OperatorOtpForm(), operator)

    def post(self, request):
        if operator_login.has_totp(self.pending):
            return redirect("platform:otp_verify")
        form = OperatorOtpForm(request.POST)
        status = 400
        if form.is_valid() and self.pending.totp_cipher:
            response, status = self.finish(request, form)
            if response is not None:
                return response
        operator = self.pending
        if not operator.totp_cipher:
            operator = operator_login.operator_totp_begin(operator=operator)
        return self._render(request, form, operator, status=status)

    def _render(self, request, form, operator, status=200):
        uri = operator_login.provisioning_uri(operator)
        secret = uri.split("secret=", 1)[1].split("&", 1)[0]
        return render(
            request,
            self.template_name,
            {"form": form, "qr": qr_data_uri(uri), "secret": secret},
            status=status,
        )


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5)


class OperatorLogoutView(OperatorView):
    def post(self, request):
        request.session.pop(SESSION_OPERATOR, None)
        request.session.cycle_key()
        return redirect("platform:login")


class TenantListView(OperatorView):
    def get(self, request):
        q, status = list_filters(request, TenantStatus.values)
        page = list_page(request, selectors.tenant_list(q=q, status=status))
        rows = selectors.with_seat_usage(page.object_list)
        return render(
            request,
            "platform/tenant_list.html",
            {
                "page": page,
                "rows": rows,
                "q": q,
                "status": status,
                "today": timezone.localdate(),
            },
        )


class TenantCreateView(OperatorView):
    template_name = "platform/tenant_form.html"

    def get(self, request):
        form = TenantCreateForm(
            initial={"modules": [m.code for m in MODULES if not m.core]}
        )
        return render(request, self.template_name, {"form": form, "creating": True})

    def post(self, request):
        form = TenantCreateForm(request.POST)
        saved = form_submit(
            request,
            form,
            lambda data: services.tenant_provision(
                operator=self.operator,
                name=data["name"],
                slug=data["slug"],
                admin_username=data["admin_username"],
                admin_display_name=data["admin_display_name"],
                admin_password=data["admin_password"],
                seats=data["seats"],
                modules=data["modules"],
                expires_on=data["expires_on"],
                ip=client_ip(request),
            ),
            success=lambda tenant: (
                _(
                    "Firm %(name)s created. Its administrator can log in with firm code %(slug)s."
                )
                % {"name": tenant.name, "slug": tenant.slug}
            ),
            redirect_to=lambda tenant: reverse(
                "platform:tenant_edit", kwargs={"tenant_id": tenant.pk}
            ),
        )
        return saved or render(
            request, self.template_name, {"form": form, "creating": True}, status=400
        )


class TenantEditView(OperatorView):
    template_name = "platform/tenant_form.html"

    def _context(self, tenant, form):
        return {
            "form": form,
            "subject": tenant,
            "active_users": selectors.active_user_count(tenant),
            "events": history_lines(selectors.tenant_events(tenant=tenant)),
        }

    def get(self, request, tenant_id):
        tenant = selectors.tenant_get(tenant_id=tenant_id)
        form = TenantPlanForm(
            initial={
                "name": tenant.name,
                "seats": tenant.seats,
                "modules": tenant.modules,
                "expires_on": tenant.expires_on,
            }
        )
        return render(request, self.template_name, self._context(tenant, form))

    def post(self, request, tenant_id):
        tenant = selectors.tenant_get(tenant_id=tenant_id)
        form = TenantPlanForm(request.POST)
        saved = form_submit(
            request,
            form,
            lambda data: services.tenant_update_plan(
                operator=self.operator,
                tenant=tenant,
                name=data["name"],
                seats=data["seats"],
                modules=data["modules"],
                expires_on=data["expires_on"],
                ip=client_ip(request),
            ),
            success=_("Plan saved."),
            redirect_to=reverse(
                "platform:tenant_edit", kwargs={"tenant_id": tenant.pk}
            ),
        )
        return saved or render(
            request, self.template_name, self._context(tenant, form), status=400
        )


class TenantStatusView(OperatorView):
    def post(self, request, tenant_id):
        tenant = selectors.tenant_get(tenant_id=tenant_id)
        form = TenantStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose active or suspended."))
        else:
            services.tenant_set_status(
                operator=self.operator,
                tenant=tenant,
                status=form.cleaned_data["status"],
                ip=client_ip(request),
            )
            if tenant.is_suspended:
                messages.warning(
                    request,
                    _("%(name)s is suspended; its staff cannot log in.")
                    % {"name": tenant.name},
                )
            else:
                messages.success(
                    request, _("%(name)s is active again.") % {"name": tenant.name}
                )
        return redirect("platform:tenant_edit", tenant_id=tenant.pk)
