"""Log-in, the second factor (verify or first set-up) and log-out."""

import logging
import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.accounts import authflow, mfa, services
from lenddesk.accounts.forms import LoginForm, OtpForm
from lenddesk.accounts.middleware import AUTH_TIME, LAST_SEEN, MUST_CHANGE_PASSWORD
from lenddesk.accounts.models import TotpDevice, User
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant
from lenddesk.tenancy.session import SESSION_TENANT
from lenddesk.web.access import StaffView

logger = logging.getLogger(__name__)
REMEMBER_TENANT_COOKIE = "ld_firm"
PENDING_USER = "ld_pending_user"
PENDING_TENANT = "ld_pending_tenant"
PENDING_SINCE = "ld_pending_since"
PENDING_SECONDS = 300


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def complete_login(request, tenant: Tenant, user) -> None:
    """The session after every check (password, role rules, second factor) passed."""
    for key in (PENDING_USER, PENDING_TENANT, PENDING_SINCE):
        request.session.pop(key, None)
    login(request, user, backend="lenddesk.accounts.backends.TenantUserBackend")
    now = time.time()
    request.session[SESSION_TENANT] = tenant.pk
    request.session[AUTH_TIME] = now
    request.session[LAST_SEEN] = now
    if services.password_expired(user=user):
        request.session[MUST_CHANGE_PASSWORD] = True
    services.record_login(user=user)


def _remember_firm(response, request, tenant: Tenant):
    response.set_cookie(
        REMEMBER_TENANT_COOKIE,
        tenant.slug,
        max_age=180 * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _begin_second_factor(request, tenant: Tenant, outcome: authflow.Outcome):
    """Password proven, second factor to come: a fresh session remembers who, for
    ``PENDING_SECONDS``, and the code (or set-up) page takes over."""
    request.session.cycle_key()
    request.session[PENDING_USER] = outcome.user.pk
    request.session[PENDING_TENANT] = tenant.pk
    request.session[PENDING_SINCE] = time.time()
    target = (
        "accounts:otp_verify" if outcome.needs_second_factor else "accounts:otp_enrol"
    )
    return _remember_firm(redirect(target), request, tenant)


class LoginView(View):
    template_name = "accounts/login.html"

    def get(self, request):
        if request.user.is_authenticated:
            return redirect("web:home")
        initial = {
            "tenant": request.GET.get("firm")
            or request.COOKIES.get(REMEMBER_TENANT_COOKIE, "")
        }
        return self._render(request, LoginForm(initial=initial))

    def post(self, request):
        form = LoginForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        tenant = Tenant.objects.filter(slug=data["tenant"].lower()).first()
        if tenant is None:
            outcome = authflow.refuse_unknown_firm(
                request,
                firm_code=data["tenant"],
                username=data["username"],
                password=data["password"],
            )
            logger.info("Log-in refused: unknown firm code")
            form.add_error(None, outcome.message)
            return self._render(request, form, status=400)
        with tenant_context(tenant):
            outcome = authflow.check_password(
                request,
                tenant=tenant,
                username=data["username"],
                password=data["password"],
                client="web",
            )
            if outcome.code:
                form.add_error(None, outcome.message)
                status = 403 if outcome.user is not None else 400
                return self._render(request, form, status=status)
            if outcome.needs_second_factor or outcome.needs_enrolment:
                return _begin_second_factor(request, tenant, outcome)
            complete_login(request, tenant, outcome.user)
        response = redirect(_safe_next(request, reverse("web:home")))
        return _remember_firm(response, request, tenant)

    def _render(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "next": request.GET.get("next", "")},
            status=status,
        )


class PendingSecondFactorView(View):
    """Base of the second-factor pages: a password-checked user without a session."""

    def dispatch(self, request, *args, **kwargs):
        user_id = request.session.get(PENDING_USER)
        tenant_id = request.session.get(PENDING_TENANT)
        since = request.session.get(PENDING_SINCE, 0)
        if not user_id or time.time() - since > PENDING_SECONDS:
            messages.info(request, _("Please log in again."))
            return redirect("accounts:login")
        self.pending_tenant = Tenant.objects.filter(pk=tenant_id).first()
        if self.pending_tenant is None:
            return redirect("accounts:login")
        with tenant_context(self.pending_tenant):
            self.pending_user = User.objects.filter(pk=user_id).first()
            if self.pending_user is None or not self.pending_user.is_active:
                return redirect("accounts:login")
            return super().dispatch(request, *args, **kwargs)


class OtpVerifyView(PendingSecondFactorView):
    template_name = "accounts/otp_verify.html"

    def get(self, request):
        if not mfa.has_confirmed_device(self.pending_user):
            return redirect("accounts:otp_enrol")
        return render(request, self.template_name, {"form": OtpForm()})

    def post(self, request):
        if not mfa.has_confirmed_device(self.pending_user):
            return redirect("accounts:otp_enrol")
        form = OtpForm(request.POST)
        if form.is_valid():
            if mfa.second_factor_verify(
                user=self.pending_user, code=form.cleaned_data["code"]
            ):
                complete_login(request, self.pending_tenant, self.pending_user)
                return redirect("web:home")
            services.record_login_refused(
                username=self.pending_user.username, reason="wrong second factor"
            )
            form.add_error(
                "code",
                _(
                    "The code is not correct, or was already used. Wait a moment and try the next code."
                ),
            )
        return render(request, self.template_name, {"form": form}, status=400)


class OtpEnrolView(PendingSecondFactorView):
    """First log-in of a role that requires two-factor: set up the authenticator. An
    enrolled user never gets here (a new secret must not replace theirs, and the
    enrolment must not stand in for their code): they go to the code page."""

    template_name = "accounts/otp_enrol.html"

    def get(self, request):
        if mfa.has_confirmed_device(self.pending_user):
            return redirect("accounts:otp_verify")
        device = mfa.totp_begin(user=self.pending_user)
        return self._render(request, OtpForm(), device)

    def post(self, request):
        if mfa.has_confirmed_device(self.pending_user):
            return redirect("accounts:otp_verify")
        form = OtpForm(request.POST)
        if form.is_valid():
            codes = mfa.totp_confirm(
                user=self.pending_user, code=form.cleaned_data["code"]
            )
            if codes is not None:
                complete_login(request, self.pending_tenant, self.pending_user)
                return render(request, "accounts/recovery_codes.html", {"codes": codes})
            form.add_error(
                "code",
                _(
                    "The code is not correct. Check the time on your phone and try again."
                ),
            )
        device = TotpDevice.objects.filter(
            user=self.pending_user, confirmed=False
        ).first()
        if device is None:
            device = mfa.totp_begin(user=self.pending_user)
        return self._render(request, form, device, status=400)

    def _render(self, request, form, device, status=200):
        uri = mfa.provisioning_uri(device, self.pending_user)
        secret = uri.split("secret=", 1)[1].split("&", 1)[0]
        return render(
            request,
            self.template_name,
            {"form": form, "qr": mfa.qr_data_uri(uri), "secret": secret},
            status=status,
        )


class LogoutView(StaffView):
    permissions = {"POST": ()}

    def post(self, request):
        if request.POST.get("revoke_tokens"):
            services.tokens_revoke_own(actor=request.user)
        services.record_logout(user=request.user)
        logout(request)
        messages.success(request, _("You have logged out."))
        return redirect("accounts:login")
