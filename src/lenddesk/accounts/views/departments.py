"""The department tree: list, create, edit (move with its subtree), delete."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.accounts import selectors, services
from lenddesk.accounts.forms import DepartmentForm
from lenddesk.accounts.permissions import DepartmentPermission
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import form_submit


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

    @staticmethod
    def _department(department_id):
        if not department_id:
            return None
        return selectors.department_get(department_id=department_id)

    def get(self, request, department_id=None):
        department = self._department(department_id)
        form = self._form(department)
        if department is None and request.GET.get("parent", "").isdigit():
            form.initial["parent"] = int(request.GET["parent"])
        return render(
            request, self.template_name, {"form": form, "subject": department}
        )

    def post(self, request, department_id=None):
        department = self._department(department_id)
        form = self._form(department, request.POST)

        def save(data):
            fields = {
                "name": data["name"],
                "parent_id": data["parent"],
                "leader_id": data["leader"],
                "sort": data["sort"] or 0,
            }
            if department is None:
                return services.department_create(actor=request.user, **fields)
            return services.department_update(
                actor=request.user, department=department, **fields
            )

        done = form_submit(
            request,
            form,
            save,
            success=_("Department saved."),
            redirect_to="accounts:department_list",
        )
        return done or render(
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
