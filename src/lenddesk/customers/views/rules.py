"""The pool-rules settings page (公海规则): the rules themselves, the departments'
pools, the firm's custom fields and the tag rules."""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lenddesk.accounts.selectors import department_tree
from lenddesk.customers.forms import PoolRulesForm
from lenddesk.customers.models import CustomField, CustomFieldType, PublicPool, TagRule
from lenddesk.customers.permissions import CustomerPermission as P
from lenddesk.customers.services.custom_fields import custom_field_create
from lenddesk.customers.services.pool import pool_create, pool_rules, pool_rules_update
from lenddesk.customers.services.tag_rules import tag_rule_create
from lenddesk.web.access import StaffView
from lenddesk.web.forms import report_outcome
from lenddesk.web.pages import form_submit
from lenddesk.web.params import int_or_none


def _rules_context(form) -> dict:
    return {
        "tag_rules": TagRule.objects.select_related("tag"),
        "tag_fields": TagRule.FIELDS,
        "tag_operators": TagRule.OPERATORS,
        "form": form,
        "pools": PublicPool.objects.select_related("department"),
        "fields": CustomField.objects.all(),
        "field_kinds": CustomFieldType.choices,
        "departments": department_tree(),
    }


class PoolRulesView(StaffView):
    permissions = {"GET": (P.POOL_RULES,), "POST": (P.POOL_RULES,)}
    fields = (
        "private_cap",
        "daily_claim_limit",
        "protection_days",
        "return_days_a",
        "return_days_b",
        "return_days_c",
        "return_days_d",
        "return_days_without_order",
        "warn_days_before_return",
        "cooldown_days",
        "locked_per_person",
        "duplicate_policy",
        "phone_policy",
    )

    def get(self, request):
        rules = pool_rules()
        form = PoolRulesForm(initial={f: getattr(rules, f) for f in self.fields})
        return render(request, "customers/rules.html", _rules_context(form))

    def post(self, request):
        form = PoolRulesForm(request.POST)
        done = form_submit(
            request,
            form,
            lambda data: pool_rules_update(actor=request.user, values=data),
            success=_("Pool rules saved."),
            redirect_to="customers:rules",
        )
        return done or render(
            request, "customers/rules.html", _rules_context(form), status=400
        )


class PoolCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: pool_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                department_id=int_or_none(request.POST.get("department")),
            ),
            _("Pool created."),
        )
        return redirect("customers:rules")


class CustomFieldCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: custom_field_create(
                actor=request.user,
                key=request.POST.get("key", ""),
                label=request.POST.get("label", ""),
                kind=request.POST.get("kind", ""),
                choices=request.POST.get("choices", ""),
                required=request.POST.get("required") == "on",
            ),
            _("Custom field added."),
        )
        return redirect("customers:rules")


class TagRuleCreateView(StaffView):
    permissions = {"POST": (P.POOL_RULES,)}

    def post(self, request):
        report_outcome(
            request,
            lambda: tag_rule_create(
                actor=request.user,
                tag_name=request.POST.get("tag", ""),
                field=request.POST.get("field", ""),
                operator=request.POST.get("operator", ""),
                value=request.POST.get("value", ""),
            ),
            _("Tag rule added; existing customers are tagged in the background."),
        )
        return redirect("customers:rules")
