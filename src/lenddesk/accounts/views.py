import logging
import time

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.accounts import selectors, services
from lenddesk.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    UserCreateForm,
    UserForm,
    UserStatusForm,
)
from lenddesk.accounts.middleware import AUTH_TIME, LAST_SEEN
from lenddesk.accounts.models import UserStatus
from lenddesk.accounts.permissions import UserPermission
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.errors import SUSPENDED_MESSAGE
from lenddesk.tenancy.middleware import SESSION_TENANT
from lenddesk.tenancy.models import Tenant
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors

logger = logging.getLogger(__name__)
REMEMBER_TENANT_COOKIE = "ld_firm"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


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
        refusal = _("The firm code, username or password is not correct.")
        tenant = Tenant.objects.filter(slug=data["tenant"].lower()).first()
        if tenant is None:
            authenticate(request, username=data["username"], password=data["password"])
            logger.info("Log-in refused: unknown firm code")
            form.add_error(None, refusal)
            return self._render(request, form, status=400)
        with tenant_context(tenant):
            user = authenticate(
                request, username=data["username"], password=data["password"]
            )
            if user is None:
                services.record_login_refused(
                    username=data["username"], reason="bad credentials"
                )
                form.add_error(None, refusal)
                return self._render(request, form, status=400)
            if tenant.is_suspended:
                services.record_login_refused(
                    username=data["username"], reason="firm suspended"
                )
                form.add_error(
                    None,
                    SUSPENDED_MESSAGE,
                )
                return self._render(request, form, status=403)
            login(request, user)
            now = time.time()
            request.session[SESSION_TENANT] = tenant.pk
            request.session[AUTH_TIME] = now
            request.session[LAST_SEEN] = now
            services.record_login(user=user)
        response = redirect(_safe_next(request, reverse("web:home")))
        response.set_cookie(
            REMEMBER_TENANT_COOKIE,
            tenant.slug,
            max_age=180 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response

    def _render(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "next": request.GET.get("next", "")},
            status=status,
        )


class LogoutView(StaffView):
    permissions = {"POST": ()}

    def post(self, request):
        services.record_logout(user=request.user)
        logout(request)
        messages.success(request, _("You have logged out."))
        return redirect("accounts:login")


class PasswordChangeView(StaffView):
    permissions = {"GET": (), "POST": ()}
    template_name = "accounts/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm()})

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user = services.password_change(
                    actor=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                # Keep this session; every other session and token of the user ends.
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password has been changed."))
                return redirect("web:home")
        return render(request, self.template_name, {"form": form}, status=400)


class UserListView(StaffView):
    permissions = {"GET": (UserPermission.VIEW,)}

    def get(self, request):
        status = request.GET.get("status", "")
        q = request.GET.get("q", "").strip()[:80]
        users = selectors.user_list(actor=request.user, status=status, q=q)
        page = Paginator(users, 25).get_page(request.GET.get("page"))
        used, seats = selectors.seat_usage()
        return render(
            request,
            "accounts/user_list.html",
            {
                "page": page,
                "status": status,
                "q": q,
                "statuses": UserStatus.choices,
                "seats_used": used,
                "seats": seats,
            },
        )


class UserCreateView(StaffView):
    permissions = {"GET": (UserPermission.CREATE,), "POST": (UserPermission.CREATE,)}

    def get(self, request):
        form = UserCreateForm(role_choices=selectors.role_choices(actor=request.user))
        return render(
            request, "accounts/user_form.html", {"form": form, "creating": True}
        )

    def post(self, request):
        form = UserCreateForm(
            request.POST, role_choices=selectors.role_choices(actor=request.user)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    display_name=data["display_name"],
                    email=data["email"],
                    password=data["password"],
                    role_ids=data["roles"],
                    active=data["active"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Staff member %(name)s created.") % {"name": user}
                )
                return redirect("accounts:user_list")
        return render(
            request,
            "accounts/user_form.html",
            {"form": form, "creating": True},
            status=400,
        )


class UserEditView(StaffView):
    permissions = {"GET": (UserPermission.CHANGE,), "POST": (UserPermission.CHANGE,)}

    def _form(self, request, user, data=None):
        initial = {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "roles": [r.pk for r in user.roles.all()],
        }
        return UserForm(
            data,
            initial=initial,
            editing=True,
            role_choices=selectors.role_choices(actor=request.user),
        )

    def get(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        return render(
            request,
            "accounts/user_form.html",
            {"form": self._form(request, user), "subject": user},
        )

    def post(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        form = self._form(request, user, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_update(
                    actor=request.user,
                    user=user,
                    display_name=data["display_name"],
                    email=data["email"],
                    role_ids=data["roles"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("accounts:user_list")
        return render(
            request,
            "accounts/user_form.html",
            {"form": form, "subject": user},
            status=400,
        )


class UserStatusView(StaffView):
    permissions = {"POST": (UserPermission.ACTIVATE,)}

    def post(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        form = UserStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose an action."))
            return redirect("accounts:user_list")
        action = form.cleaned_data["action"]
        try:
            if action == "activate":
                services.user_activate(actor=request.user, user=user)
                messages.success(request, _("%(name)s is active.") % {"name": user})
            else:
                status = (
                    UserStatus.DEPARTED if action == "depart" else UserStatus.DISABLED
                )
                services.user_disable(actor=request.user, user=user, status=status)
                messages.success(
                    request,
                    _("%(name)s can no longer log in; their sessions have ended.")
                    % {"name": user},
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("accounts:user_list")
