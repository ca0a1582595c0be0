import logging
import time

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from lenddesk.accounts import authflow, handover, mfa, selectors, services
from lenddesk.accounts.forms import (
    DepartmentForm,
    DepartureForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    RevealForm,
    RoleForm,
    SecuritySettingsForm,
    UserCreateForm,
    UserForm,
)
from lenddesk.accounts.middleware import AUTH_TIME, LAST_SEEN, MUST_CHANGE_PASSWORD
from lenddesk.accounts.models import DataScope, User, UserStatus
from lenddesk.accounts.permissions import (
    DepartmentPermission,
    RolePermission,
    TenantPermission,
    UserPermission,
)
from lenddesk.accounts.registry import permission_groups
from lenddesk.security.errors import RateLimited
from lenddesk.security.services import reveal_field
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.middleware import SESSION_TENANT
from lenddesk.tenancy.models import Tenant
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors, report_outcome

logger = logging.getLogger(__name__)
REMEMBER_TENANT_COOKIE = "ld_firm"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


PENDING_USER = "ld_pending_user"
PENDING_TENANT = "ld_pending_tenant"
PENDING_SINCE = "ld_pending_since"
PENDING_SECONDS = 300


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
                request.session.cycle_key()
                request.session[PENDING_USER] = outcome.user.pk
                request.session[PENDING_TENANT] = tenant.pk
                request.session[PENDING_SINCE] = time.time()
                target = (
                    "accounts:otp_verify"
                    if outcome.needs_second_factor
                    else "accounts:otp_enrol"
                )
                return _remember_firm(redirect(target), request, tenant)
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
        from lenddesk.accounts.models import TotpDevice

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
                request.session.pop(MUST_CHANGE_PASSWORD, None)
                messages.success(request, _("Your password has been changed."))
                return redirect("web:home")
        return render(request, self.template_name, {"form": form}, status=400)


class UserListView(StaffView):
    permissions = {"GET": (UserPermission.VIEW,)}

    def get(self, request):
        status = request.GET.get("status", "")
        q = request.GET.get("q", "").strip()[:80]
        department = request.GET.get("department", "")
        department_id = int(department) if department.isdigit() else None
        users = selectors.user_list(
            actor=request.user, status=status, q=q, department_id=department_id
        )
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
                "departments": selectors.department_tree(),
                "department_id": department_id,
            },
        )


def _user_form_choices(actor, subject=None) -> dict:
    held = [role.pk for role in subject.roles.all()] if subject is not None else []
    return {
        "role_choices": selectors.role_choices(actor=actor, keep=held),
        "departments": selectors.department_tree(),
        "colleagues": selectors.active_colleagues(exclude=subject),
    }


class UserCreateView(StaffView):
    permissions = {"GET": (UserPermission.CREATE,), "POST": (UserPermission.CREATE,)}

    def get(self, request):
        form = UserCreateForm(**_user_form_choices(request.user))
        return render(
            request, "accounts/user_form.html", {"form": form, "creating": True}
        )

    def post(self, request):
        form = UserCreateForm(request.POST, **_user_form_choices(request.user))
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
                    department_id=data["department"],
                    superior_id=data["superior"],
                    phone=data["phone"],
                    id_number=data["id_number"],
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
            "department": user.department_id,
            "superior": user.superior_id,
        }
        form = UserForm(
            data,
            initial=initial,
            editing=True,
            **_user_form_choices(request.user, user),
        )
        if user.pk == request.user.pk:
            for name in ("roles", "department"):
                form.fields[name].disabled = True
                form.fields[name].help_text = _(
                    "You cannot change your own roles, status or department."
                )
        # Personal fields are never sent back in clear: empty keeps the stored value.
        for name in ("phone", "id_number"):
            form.fields[name].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it."
            ) % {"masked": user.masked(name) or "—"}
        return form

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
                    department_id=data["department"],
                    superior_id=data["superior"],
                    phone=data["phone"] or None,
                    id_number=data["id_number"] or None,
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
    """Re-activate a disabled colleague (disabling goes through the departure page)."""

    permissions = {"POST": (UserPermission.ACTIVATE,)}

    def post(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        report_outcome(
            request,
            lambda: services.user_activate(actor=request.user, user=user),
            _("%(name)s is active.") % {"name": user},
        )
        return redirect("accounts:user_list")


class UserDepartureView(StaffView):
    """Disable or mark departed, choosing where the person's work goes (离职交接)."""

    permissions = {
        "GET": (UserPermission.ACTIVATE,),
        "POST": (UserPermission.ACTIVATE,),
    }
    template_name = "accounts/user_departure.html"

    def _form(self, leaver, data=None):
        return DepartureForm(
            data,
            initial={"status": "departed", "kind": "colleague"},
            colleagues=selectors.active_colleagues(exclude=leaver),
            departments=selectors.department_tree(),
        )

    def get(self, request, user_id):
        leaver = selectors.user_get(actor=request.user, user_id=user_id)
        return render(
            request, self.template_name, {"form": self._form(leaver), "subject": leaver}
        )

    def post(self, request, user_id):
        leaver = selectors.user_get(actor=request.user, user_id=user_id)
        form = self._form(leaver, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target = handover.build_target(
                    leaver=leaver,
                    kind=data["kind"],
                    colleague_id=data["colleague"],
                    department_id=data["department"],
                )
                moved = handover.user_depart(
                    actor=request.user,
                    leaver=leaver,
                    target=target,
                    status=data["status"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s can no longer log in; %(count)d records were handed over."
                    )
                    % {"name": leaver, "count": sum(moved.values())},
                )
                return redirect("accounts:user_list")
        return render(
            request, self.template_name, {"form": form, "subject": leaver}, status=400
        )


class RevealView(StaffView):
    """Show one encrypted field in clear, once, for a stated purpose (audited)."""

    permissions = {"POST": (UserPermission.REVEAL_PHONE, UserPermission.REVEAL_ID)}

    def post(self, request, user_id):
        subject = selectors.user_get(actor=request.user, user_id=user_id)
        form = RevealForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                "accounts/_reveal.html",
                {"form": form, "subject": subject},
                status=400,
            )
        try:
            value = reveal_field(
                actor=request.user,
                instance=subject,
                field=form.cleaned_data["field"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return render(
                request,
                "accounts/_reveal.html",
                {"form": form, "subject": subject},
                status=400,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            return render(
                request,
                "accounts/_reveal.html",
                {"form": form, "subject": subject},
                status=429,
            )
        response = render(
            request,
            "accounts/_reveal.html",
            {
                "form": form,
                "subject": subject,
                "value": value,
                "field": form.cleaned_data["field"],
            },
        )
        response["Cache-Control"] = "no-store"
        return response


class DepartmentListView(StaffView):
    permissions = {"GET": (DepartmentPermission.VIEW,)}

    def get(self, request):
        return render(
            request,
            "accounts/department_list.html",
            {"departments": selectors.department_tree()},
        )


class DepartmentFormView(StaffView):
    permissions = {
        "GET": (DepartmentPermission.CHANGE,),
        "POST": (DepartmentPermission.CHANGE,),
    }
    template_name = "accounts/department_form.html"

    def _form(self, department=None, data=None):
        initial = {}
        if department is not None:
            initial = {
                "name": department.name,
                "parent": department.parent_id,
                "leader": department.leader_id,
                "sort": department.sort,
            }
        departments = [
            d
            for d in selectors.department_tree()
            if department is None or not d.path.startswith(department.path)
        ]
        return DepartmentForm(
            data,
            initial=initial,
            departments=departments,
            users=selectors.active_colleagues(),
        )

    def get(self, request, department_id=None):
        department = (
            selectors.department_get(department_id=department_id)
            if department_id
            else None
        )
        form = self._form(department)
        if department is None and request.GET.get("parent", "").isdigit():
            form.initial["parent"] = int(request.GET["parent"])
        return render(
            request, self.template_name, {"form": form, "subject": department}
        )

    def post(self, request, department_id=None):
        department = (
            selectors.department_get(department_id=department_id)
            if department_id
            else None
        )
        form = self._form(department, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if department is None:
                    services.department_create(
                        actor=request.user,
                        name=data["name"],
                        parent_id=data["parent"],
                        leader_id=data["leader"],
                        sort=data["sort"] or 0,
                    )
                else:
                    services.department_update(
                        actor=request.user,
                        department=department,
                        name=data["name"],
                        parent_id=data["parent"],
                        leader_id=data["leader"],
                        sort=data["sort"] or 0,
                    )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Department saved."))
                return redirect("accounts:department_list")
        return render(
            request,
            self.template_name,
            {"form": form, "subject": department},
            status=400,
        )


class DepartmentDeleteView(StaffView):
    permissions = {"POST": (DepartmentPermission.CHANGE,)}

    def post(self, request, department_id):
        department = selectors.department_get(department_id=department_id)
        report_outcome(
            request,
            lambda: services.department_delete(
                actor=request.user, department=department
            ),
            _("Department deleted."),
        )
        return redirect("accounts:department_list")


def _code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Permission codes grouped by module, for the role editor."""
    from lenddesk.tenancy.modules import MODULES_BY_CODE

    grouped: dict[str, list[tuple[str, str]]] = {}
    for group in permission_groups():
        label = str(MODULES_BY_CODE[group.module].label)
        grouped.setdefault(label, []).extend(
            (c.value, str(c.label)) for c in group.choices
        )
    return list(grouped.items())


class RoleListView(StaffView):
    permissions = {"GET": (RolePermission.VIEW,)}

    def get(self, request):
        return render(
            request, "accounts/role_list.html", {"roles": selectors.role_list()}
        )


class RoleFormView(StaffView):
    permissions = {"GET": (RolePermission.VIEW,), "POST": (RolePermission.CHANGE,)}
    template_name = "accounts/role_form.html"

    def _form(self, role=None, data=None):
        initial = {}
        if role is not None:
            initial = {
                "key": role.key,
                "name": role.name,
                "description": role.description,
                "codes": role.codes,
                "data_scope": role.data_scope,
                "custom_departments": list(
                    role.custom_departments.values_list("pk", flat=True)
                ),
                "allowed_clients": role.allowed_clients,
                "login_weekdays": role.login_weekdays,
                "login_start": role.login_start,
                "login_end": role.login_end,
                "allowed_networks": role.allowed_networks,
                "require_totp": role.require_totp,
            }
        return RoleForm(
            data,
            initial=initial,
            creating=role is None,
            code_choices=_code_choices(),
            scope_choices=DataScope.choices,
            departments=selectors.department_tree(),
        )

    def _render(self, request, form, role, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "subject": role,
                "code_groups": _code_choices(),
                "can_change": request.user.has_code(RolePermission.CHANGE),
            },
            status=status,
        )

    def get(self, request, role_id=None):
        role = selectors.role_get(role_id=role_id) if role_id else None
        return self._render(request, self._form(role), role)

    def post(self, request, role_id=None):
        role = selectors.role_get(role_id=role_id) if role_id else None
        form = self._form(role, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            departments = data.pop("custom_departments")
            try:
                services.role_save(
                    actor=request.user,
                    role=role,
                    data=data,
                    custom_department_ids=departments,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Role saved. It applies from each user's next request.")
                )
                return redirect("accounts:role_list")
        return self._render(request, form, role, status=400)


class RoleCreateView(RoleFormView):
    permissions = {"GET": (RolePermission.CHANGE,), "POST": (RolePermission.CHANGE,)}


class RoleDeleteView(StaffView):
    permissions = {"POST": (RolePermission.CHANGE,)}

    def post(self, request, role_id):
        role = selectors.role_get(role_id=role_id)
        report_outcome(
            request,
            lambda: services.role_delete(actor=request.user, role=role),
            _("Role deleted."),
        )
        return redirect("accounts:role_list")


class SecuritySettingsView(StaffView):
    permissions = {
        "GET": (TenantPermission.SETTINGS,),
        "POST": (TenantPermission.SETTINGS,),
    }
    template_name = "accounts/security_settings.html"
    fields = (
        "idle_timeout_minutes",
        "lockout_failures",
        "lockout_minutes",
        "password_max_age_days",
        "password_history",
        "time_zone",
    )

    def get(self, request):
        initial = {f: getattr(request.tenant, f) for f in self.fields}
        return render(
            request, self.template_name, {"form": SecuritySettingsForm(initial=initial)}
        )

    def post(self, request):
        form = SecuritySettingsForm(request.POST)
        if form.is_valid():
            try:
                services.security_settings_update(
                    actor=request.user, values=form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Security settings saved."))
                return redirect("accounts:security_settings")
        return render(request, self.template_name, {"form": form}, status=400)


class TotpResetView(StaffView):
    permissions = {"POST": (UserPermission.CHANGE,)}

    def post(self, request, user_id):
        subject = selectors.user_get(actor=request.user, user_id=user_id)
        report_outcome(
            request,
            lambda: services.user_second_factor_reset(actor=request.user, user=subject),
            _("%(name)s will set up two-factor log-in again at the next log-in.")
            % {"name": subject},
        )
        return redirect("accounts:user_edit", user_id=subject.pk)


class TokenListView(StaffView):
    """The caller's live API tokens, each revocable (the secret is never shown)."""

    permissions = {"GET": ()}

    def get(self, request):
        return render(
            request,
            "accounts/token_list.html",
            {"tokens": selectors.token_list(actor=request.user), "subject": None},
        )


class UserTokenListView(StaffView):
    """A colleague's live API tokens, for an administrator to revoke."""

    permissions = {"GET": (UserPermission.CHANGE,)}

    def get(self, request, user_id):
        subject = selectors.user_get(actor=request.user, user_id=user_id)
        return render(
            request,
            "accounts/token_list.html",
            {
                "tokens": selectors.token_list(actor=request.user, user=subject),
                "subject": subject,
            },
        )


class TokenRevokeView(StaffView):
    """Revoke one token: one's own, or a colleague's with ``user.change`` (checked by
    the selector and the service)."""

    permissions = {"POST": ()}

    def post(self, request, token_id):
        token = selectors.token_get(actor=request.user, token_id=token_id)
        report_outcome(
            request,
            lambda: services.token_revoke(actor=request.user, token=token),
            _("Token %(prefix)s… revoked.") % {"prefix": token.prefix},
        )
        if token.user_id == request.user.pk:
            return redirect("accounts:token_list")
        return redirect("accounts:user_tokens", user_id=token.user_id)
