"""Roles: the list, the editor (permission codes by module, data scope, log-in rules),
delete."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.accounts import selectors, services
from lenddesk.accounts.forms import RoleForm
from lenddesk.accounts.models import DataScope
from lenddesk.accounts.permissions import RolePermission
from lenddesk.accounts.registry import permission_groups
from lenddesk.tenancy.modules import MODULES_BY_CODE
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import form_submit


def _code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Permission codes grouped by module, for the role editor."""
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
            {"form": form, "subject": role, "code_groups": _code_choices()},
            status=status,
        )

    def get(self, request, role_id=None):
        role = selectors.role_get(role_id=role_id) if role_id else None
        return self._render(request, self._form(role), role)

    def post(self, request, role_id=None):
        role = selectors.role_get(role_id=role_id) if role_id else None
        form = self._form(role, request.POST)

        def save(cleaned):
            data = dict(cleaned)
            departments = data.pop("custom_departments")
            return services.role_save(
                actor=request.user,
                role=role,
                data=data,
                custom_department_ids=departments,
            )

        done = form_submit(
            request,
            form,
            save,
            success=_("Role saved. It applies from each user's next request."),
            redirect_to="accounts:role_list",
        )
        return done or self._render(request, form, role, status=400)


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
