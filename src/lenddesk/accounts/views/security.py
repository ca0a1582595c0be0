"""Log-in security: one's own password, the firm's security settings, and API tokens
(one's own, or a colleague's for an administrator)."""

from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.accounts import selectors, services
from lenddesk.accounts.forms import PasswordChangeForm, SecuritySettingsForm
from lenddesk.accounts.middleware import MUST_CHANGE_PASSWORD
from lenddesk.accounts.permissions import TenantPermission, UserPermission
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import form_submit


class PasswordChangeView(StaffView):
    permissions = {"GET": (), "POST": ()}
    template_name = "accounts/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm()})

    def post(self, request):
        form = PasswordChangeForm(request.POST)

        def change(data):
            user = services.password_change(
                actor=request.user,
                old_password=data["old_password"],
                new_password=data["new_password"],
            )
            # Keep this session; every other session and token of the user ends.
            update_session_auth_hash(request, user)
            request.session.pop(MUST_CHANGE_PASSWORD, None)
            return user

        done = form_submit(
            request,
            form,
            change,
            success=_("Your password has been changed."),
            redirect_to="web:home",
        )
        return done or render(request, self.template_name, {"form": form}, status=400)


class SecuritySettingsView(StaffView):
    permissions = {
        "GET": (TenantPermission.SETTINGS,),
        "POST": (TenantPermission.SETTINGS,),
    }
    template_name = "accounts/security_settings.html"

    def get(self, request):
        initial = {f: getattr(request.tenant, f) for f in services.SECURITY_SETTINGS}
        return render(
            request, self.template_name, {"form": SecuritySettingsForm(initial=initial)}
        )

    def post(self, request):
        form = SecuritySettingsForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: services.security_settings_update(
                actor=request.user, values=data
            ),
            success=_("Security settings saved."),
            redirect_to="accounts:security_settings",
        )
        return done or render(request, self.template_name, {"form": form}, status=400)


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
