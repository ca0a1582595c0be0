"""Creating and editing a customer, and the one-click actions on its page: claim,
release, key customer on/off, stage and merge."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lenddesk.customers import selectors
from lenddesk.customers.forms import CustomerForm
from lenddesk.customers.models import Customer, CustomField
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.services.customers import (
    customer_create,
    customer_merge,
    customer_update,
)
from lenddesk.customers.services.pool import (
    customer_claim,
    customer_release,
    customer_set_locked,
)
from lenddesk.customers.services.values import EDITABLE
from lenddesk.customers.views.detail import OwnedCustomerView, owned_customer
from lenddesk.web.access import StaffView
from lenddesk.web.forms import apply_service_errors
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none

PERSONAL = ("phone", "id_number")


def _custom():
    return list(CustomField.objects.all())


class CustomerCreateView(StaffView):
    permissions = {"GET": (P.CREATE,), "POST": (P.CREATE,)}

    def get(self, request):
        return render(
            request,
            "customers/form.html",
            {"form": CustomerForm(custom_fields=_custom()), "creating": True},
        )

    def post(self, request):
        form = CustomerForm(request.POST, custom_fields=_custom())
        if form.is_valid():
            try:
                result = self._create(request, form)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return self._created(request, result)
        return render(
            request, "customers/form.html", {"form": form, "creating": True}, status=400
        )

    def _create(self, request, form):
        data = form.cleaned_data
        return customer_create(
            custom_fields=form.custom_values(),
            actor=request.user,
            data=data,
            phone=data["phone"],
            id_number=data["id_number"],
            owner=request.user,
            to_pool=request.POST.get("to_pool") == "1",
            source=_("manual entry"),
            tag_names=form.tag_names(),
        )

    def _created(self, request, result):
        """A new customer, or a known one that came in again (warned, and shown
        only when it is in the actor's reach)."""
        if result.created:
            messages.success(request, _("Customer created."))
            return redirect("customers:detail", customer_id=result.customer.pk)
        messages.warning(
            request,
            _(
                "This customer already existed; a follow-up noting the new contact was added."
            ),
        )
        try:
            selectors.customer_get(actor=request.user, customer_id=result.customer.pk)
        except Exception:
            return redirect("customers:list")
        return redirect("customers:detail", customer_id=result.customer.pk)


class CustomerEditView(OwnedCustomerView):
    permissions = {"GET": (P.CHANGE,), "POST": (P.CHANGE,)}

    def get(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        initial = {f: getattr(customer, f) for f in EDITABLE}
        initial["tags"] = ", ".join(customer.tags.values_list("name", flat=True))
        initial.update(
            {"custom_%s" % k: v for k, v in (customer.custom_fields or {}).items()}
        )
        form = CustomerForm(initial=initial, custom_fields=_custom())
        for name in PERSONAL:
            form.fields[name].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it."
            ) % {"masked": customer.masked(name) or "—"}
        return render(
            request, "customers/form.html", {"form": form, "customer": customer}
        )

    def post(self, request, customer_id):
        customer = owned_customer(request, customer_id)
        form = CustomerForm(request.POST, custom_fields=_custom())
        done = form_submit(
            request,
            form,
            lambda data: customer_update(
                custom_fields=form.custom_values(),
                actor=request.user,
                customer=customer,
                data=data,
                phone=data["phone"] or None,
                id_number=data["id_number"] or None,
                tag_names=form.tag_names(),
            ),
            success=_("Changes saved."),
            redirect_to=reverse("customers:detail", args=[customer.pk]),
        )
        return done or render(
            request,
            "customers/form.html",
            {"form": form, "customer": customer},
            status=400,
        )


class CustomerActionView(OwnedCustomerView):
    """claim / release / lock / unlock / stage / merge, each a POST with a clear
    answer: a message, and back to the page the action leaves the customer on."""

    permissions = {"POST": (P.CLAIM, P.CHANGE, P.ASSIGN)}
    needs = {
        "claim": P.CLAIM,
        "release": P.CHANGE,
        "lock": P.CHANGE,
        "unlock": P.CHANGE,
        "stage": P.CHANGE,
        "merge": P.ASSIGN,
    }

    def post(self, request, customer_id, action):
        customer = selectors.customer_get(actor=request.user, customer_id=customer_id)
        code = self.needs.get(action)
        if code is None or not request.user.has_code(code):
            raise PermissionDenied
        run = {
            "claim": self._claim,
            "release": self._release,
            "merge": self._merge,
            "lock": self._lock,
            "unlock": self._lock,
            "stage": self._stage,
        }[action]
        try:
            message, customer = run(request, customer, action)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            if action == "claim":
                return redirect("customers:pool")
        else:
            messages.success(request, message)
        if action == "release":
            return redirect("customers:list")
        return redirect("customers:detail", customer_id=customer.pk)

    def _claim(self, request, customer: Customer, action: str):
        customer_claim(actor=request.user, customer=customer)
        return _("%(name)s is now in your private pool.") % {"name": customer}, customer

    def _release(self, request, customer: Customer, action: str):
        customer_release(
            actor=request.user,
            customer=customer,
            reason=request.POST.get("reason", "")[:200],
        )
        return _("Returned to the public pool."), customer

    def _merge(self, request, customer: Customer, action: str):
        survivor = selectors.customer_get(
            actor=request.user, customer_id=customer.duplicate_of_id or 0
        )
        survivor = customer_merge(
            actor=request.user, survivor=survivor, duplicate=customer
        )
        return _("Merged into %(name)s.") % {"name": survivor}, survivor

    def _lock(self, request, customer: Customer, action: str):
        customer_set_locked(
            actor=request.user, customer=customer, locked=action == "lock"
        )
        if action == "lock":
            return _("Marked as a key customer."), customer
        return _("No longer a key customer."), customer

    def _stage(self, request, customer: Customer, action: str):
        customer = customer_update(
            actor=request.user,
            customer=customer,
            data={},
            stage_id=int_or_none(request.POST.get("stage")) or 0,
        )
        return _("Stage changed to %(stage)s.") % {"stage": customer.stage}, customer
