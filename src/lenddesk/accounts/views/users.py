"""Staff: the list, create, edit, activate, departure (离职交接), reveal a personal
field, reset the second factor."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.accounts import handover, selectors, services
from lenddesk.accounts.forms import DepartureForm, RevealForm, UserCreateForm, UserForm
from lenddesk.accounts.models import User, UserStatus
from lenddesk.accounts.permissions import UserPermission
from lenddesk.security.services import reveal_field
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.listing import list_filters, list_page
from lenddesk.web.pages import form_submit, reveal_response
from lenddesk.web.params import int_or_none

USER_FORM = "accounts/user_form.html"


class UserListView(StaffView):
    permissions = {"GET": (UserPermission.VIEW,)}

    def get(self, request):
        q, status = list_filters(request, UserStatus.values)
        department_id = int_or_none(request.GET.get("department"))
        users = selectors.user_list(
            actor=request.user, status=status, q=q, department_id=department_id
        )
        page = list_page(request, users)
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
        return render(request, USER_FORM, {"form": form, "creating": True})

    def post(self, request):
        form = UserCreateForm(request.POST, **_user_form_choices(request.user))
        done = form_submit(
            request,
            form,
            lambda data: services.user_create(
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
            ),
            success=lambda user: _("Staff member %(name)s created.") % {"name": user},
            redirect_to="accounts:user_list",
        )
        return done or render(
            request, USER_FORM, {"form": form, "creating": True}, status=400
        )


def _reveal_context(subject: User) -> dict:
    """The "show in full" box of a colleague's page (``web/_reveal.html``)."""
    return {
        "reveal_url": reverse("accounts:user_reveal", args=[subject.pk]),
        "box_id": "reveal-box",
        "fields": [
            ("phone", _("Mobile phone"), subject.masked("phone")),
            ("id_number", _("National ID number"), subject.masked("id_number")),
        ],
    }


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

    def _render(self, request, form, user, status=200):
        context = {
            "form": form,
            "subject": user,
            "reveal": _reveal_context(user),
            "reveal_form": RevealForm(),
        }
        return render(request, USER_FORM, context, status=status)

    def get(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        return self._render(request, self._form(request, user), user)

    def post(self, request, user_id):
        user = selectors.user_get(actor=request.user, user_id=user_id)
        form = self._form(request, user, request.POST)
        done = form_submit(
            request,
            form,
            lambda data: services.user_update(
                actor=request.user,
                user=user,
                display_name=data["display_name"],
                email=data["email"],
                role_ids=data["roles"],
                department_id=data["department"],
                superior_id=data["superior"],
                phone=data["phone"] or None,
                id_number=data["id_number"] or None,
            ),
            success=_("Changes saved."),
            redirect_to="accounts:user_list",
        )
        return done or self._render(request, form, user, status=400)


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

        def depart(data):
            target = handover.build_target(
                leaver=leaver,
                kind=data["kind"],
                colleague_id=data["colleague"],
                department_id=data["department"],
            )
            return handover.user_depart(
                actor=request.user, leaver=leaver, target=target, status=data["status"]
            )

        done = form_submit(
            request,
            form,
            depart,
            success=lambda moved: (
                _("%(name)s can no longer log in; %(count)d records were handed over.")
                % {"name": leaver, "count": sum(moved.values())}
            ),
            redirect_to="accounts:user_list",
        )
        return done or render(
            request, self.template_name, {"form": form, "subject": leaver}, status=400
        )


class RevealView(StaffView):
    """Show one encrypted field in clear, once, for a stated purpose (audited)."""

    permissions = {"POST": (UserPermission.REVEAL_PHONE, UserPermission.REVEAL_ID)}

    def post(self, request, user_id):
        subject = selectors.user_get(actor=request.user, user_id=user_id)
        return reveal_response(
            request,
            form=RevealForm(request.POST),
            reveal=lambda data: reveal_field(
                actor=request.user,
                instance=subject,
                field=data["field"],
                purpose=data["purpose"],
            ),
            context=_reveal_context(subject),
        )


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
