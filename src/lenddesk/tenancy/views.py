"""The operator console (平台运营): a separate log-in; tenants, seats, modules, expiry."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.security.net import client_ip
from lenddesk.tenancy import selectors, services
from lenddesk.tenancy.forms import (
    OperatorLoginForm,
    TenantCreateForm,
    TenantPlanForm,
    TenantStatusForm,
)
from lenddesk.tenancy.models import PlatformOperator, TenantStatus
from lenddesk.tenancy.modules import MODULES
from lenddesk.web.forms import apply_service_errors

SESSION_OPERATOR = "ld_operator_id"
FAILURE_LIMIT = 5
FAILURE_WINDOW = 15 * 60


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
    template_name = "tenancy/operator_login.html"

    def get(self, request):
        return render(request, self.template_name, {"form": OperatorLoginForm()})

    def post(self, request):
        form = OperatorLoginForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        username = form.cleaned_data["username"]
        key = "operator-login-failures:%s" % username.lower()
        failures = cache.get(key, 0)
        operator = PlatformOperator.objects.filter(
            username=username, is_active=True
        ).first()
        ok = (
            failures < FAILURE_LIMIT
            and operator is not None
            and operator.check_password(form.cleaned_data["password"])
        )
        if operator is None:
            PlatformOperator().set_password(form.cleaned_data["password"])
        if not ok:
            cache.set(key, failures + 1, FAILURE_WINDOW)
            form.add_error(
                None,
                _(
                    "The username or password is not correct, or the account is locked for 15 minutes after 5 failures."
                ),
            )
            return render(request, self.template_name, {"form": form}, status=400)
        cache.delete(key)
        request.session.cycle_key()
        request.session[SESSION_OPERATOR] = operator.pk
        PlatformOperator.objects.filter(pk=operator.pk).update(
            last_login=timezone.now()
        )
        return redirect("platform:tenant_list")


class OperatorLogoutView(OperatorView):
    def post(self, request):
        request.session.pop(SESSION_OPERATOR, None)
        request.session.cycle_key()
        return redirect("platform:login")


class TenantListView(OperatorView):
    def get(self, request):
        q = request.GET.get("q", "").strip()[:80]
        status = request.GET.get("status", "")
        if status not in TenantStatus.values:
            status = ""
        page = Paginator(selectors.tenant_list(q=q, status=status), 25).get_page(
            request.GET.get("page")
        )
        rows = selectors.with_seat_usage(page.object_list)
        return render(
            request,
            "tenancy/tenant_list.html",
            {
                "page": page,
                "rows": rows,
                "q": q,
                "status": status,
                "today": timezone.localdate(),
            },
        )


class TenantCreateView(OperatorView):
    template_name = "tenancy/tenant_form.html"

    def get(self, request):
        form = TenantCreateForm(
            initial={"modules": [m.code for m in MODULES if not m.core]}
        )
        return render(request, self.template_name, {"form": form, "creating": True})

    def post(self, request):
        form = TenantCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                tenant = services.tenant_provision(
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
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Firm %(name)s created. Its administrator can log in with firm code %(slug)s."
                    )
                    % {"name": tenant.name, "slug": tenant.slug},
                )
                return redirect("platform:tenant_edit", tenant_id=tenant.pk)
        return render(
            request, self.template_name, {"form": form, "creating": True}, status=400
        )


class TenantEditView(OperatorView):
    template_name = "tenancy/tenant_form.html"

    def _context(self, tenant, form):
        return {
            "form": form,
            "subject": tenant,
            "active_users": selectors.active_user_count(tenant),
            "events": selectors.tenant_events(tenant=tenant),
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
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.tenant_update_plan(
                    operator=self.operator,
                    tenant=tenant,
                    name=data["name"],
                    seats=data["seats"],
                    modules=data["modules"],
                    expires_on=data["expires_on"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Plan saved."))
                return redirect("platform:tenant_edit", tenant_id=tenant.pk)
        return render(
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
