"""Commission plans: the staff plan in force (splits and tier tables), partner plans
and paying entities, and a partner's payment details."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from lenddesk.commissions import selectors, services
from lenddesk.commissions.forms import (
    PartnerPlanForm,
    PayeeForm,
    PayingEntityForm,
    StaffPlanForm,
    tier_text,
)
from lenddesk.commissions.models import PartnerPayee
from lenddesk.commissions.permissions import CommissionPermission as P
from lenddesk.partners.models import Partner
from lenddesk.web.access import StaffView
from lenddesk.web.pages import form_submit


def _initial(plan) -> dict:
    if plan is None:
        flat = "- 10"
        return {
            "tier_mode": "marginal",
            "share_owner": 100,
            "share_telemarketer": 0,
            "share_processor": 0,
            "tiers_owner": flat,
            "tiers_telemarketer": flat,
            "tiers_processor": flat,
        }
    return {
        "name": plan.name,
        "tier_mode": plan.tier_mode,
        "share_owner": plan.share_owner.normalize(),
        "share_telemarketer": plan.share_telemarketer.normalize(),
        "share_processor": plan.share_processor.normalize(),
        **{
            "tiers_%s" % role: tier_text(plan.tiers.get(role, []))
            for role in ("owner", "telemarketer", "processor")
        },
    }


def _save_staff_plan(actor, form):
    """The service, with a tier table's errors (``tiers_owner.1.up_to``) put on the
    form's text field and naming the line."""
    try:
        return services.staff_plan_save(actor=actor, **form.service_arguments())
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        fields: dict[str, list[str]] = {}
        for key, errors in exc.message_dict.items():
            field, _dot, rest = key.partition(".")
            index = rest.split(".")[0]
            for message in errors:
                if index.isdigit():
                    message = _("Line %(n)s: %(message)s") % {
                        "n": int(index) + 1,
                        "message": message,
                    }
                fields.setdefault(field, []).append(message)
        raise ValidationError(fields, code=getattr(exc, "code", None)) from None


class StaffPlanView(StaffView):
    permissions = {"GET": (P.PLANS,), "POST": (P.PLANS,)}

    def _render(self, request, form, status=200):
        return render(
            request,
            "commissions/staff_plan.html",
            {
                "form": form,
                "plan": selectors.staff_plan_current(),
                "history": selectors.staff_plans()[:10],
            },
            status=status,
        )

    def get(self, request):
        form = StaffPlanForm(initial=_initial(selectors.staff_plan_current()))
        return self._render(request, form)

    def post(self, request):
        form = StaffPlanForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda _data: _save_staff_plan(request.user, form),
            success=_("The plan is in force; open statements are priced by it."),
            redirect_to="commissions:staff_plan",
        )
        return response or self._render(request, form, status=400)


class PartnerPlansView(StaffView):
    permissions = {"GET": (P.PLANS,), "POST": (P.PLANS,)}

    def _render(self, request, plan_form=None, entity_form=None, status=200):
        return render(
            request,
            "commissions/partner_plans.html",
            {
                "plans": selectors.partner_plans(),
                "entities": selectors.paying_entities(),
                "plan_form": plan_form or PartnerPlanForm(),
                "entity_form": entity_form or PayingEntityForm(),
            },
            status=status,
        )

    def get(self, request):
        return self._render(request)

    def post(self, request):
        if request.POST.get("form") == "entity":
            form = PayingEntityForm(request.POST)
            response = form_submit(
                request,
                form,
                lambda d: services.paying_entity_save(actor=request.user, **d),
                success=_("Paying entity saved."),
                redirect_to="commissions:partner_plans",
            )
            return response or self._render(request, entity_form=form, status=400)
        form = PartnerPlanForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda d: services.partner_plan_save(
                actor=request.user,
                name=d["name"],
                paying_entity=d["paying_entity"],
                rates={1: d["rate_level1"], 2: d["rate_level2"], 3: d["rate_level3"]},
                is_default=d["is_default"],
            ),
            success=_("Partner plan saved."),
            redirect_to="commissions:partner_plans",
        )
        return response or self._render(request, plan_form=form, status=400)


class PayeeView(StaffView):
    """A partner's name on the ID card, ID number, bank account and plan."""

    permissions = {"GET": (P.PAYOUT,), "POST": (P.PAYOUT,)}

    def _partner(self, request, partner_id):
        return get_object_or_404(
            Partner.objects.visible_to(request.user), pk=partner_id
        )

    def _render(self, request, partner, form, status=200):
        payee = PartnerPayee.objects.filter(partner=partner).first()
        return render(
            request,
            "commissions/payee.html",
            {"partner": partner, "payee": payee, "form": form},
            status=status,
        )

    def get(self, request, partner_id):
        partner = self._partner(request, partner_id)
        payee = PartnerPayee.objects.filter(partner=partner).first()
        initial = (
            {
                "legal_name": payee.legal_name,
                "bank_name": payee.bank_name,
                "plan": payee.plan,
            }
            if payee
            else {"legal_name": partner.name}
        )
        return self._render(request, partner, PayeeForm(initial=initial))

    def post(self, request, partner_id):
        partner = self._partner(request, partner_id)
        form = PayeeForm(request.POST)
        response = form_submit(
            request,
            form,
            lambda d: services.payee_save(actor=request.user, partner=partner, **d),
            success=_("Payment details saved."),
            redirect_to=request.path,
        )
        return response or self._render(request, partner, form, status=400)
