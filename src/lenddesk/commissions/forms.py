"""Page forms of commissions; the services check again and name the field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from lenddesk.commissions.models import (
    PartnerPlan,
    PayingEntity,
    TierMode,
    WithholdingMethod,
)

PERCENT = {"min_value": 0, "max_value": 100, "decimal_places": 4, "max_digits": 7}
TIER_HELP = gettext_lazy(
    "One tier a line: the month's base up to which it applies and the rate in "
    "percent, e.g. “50000 10”; the last line has no cap: “- 15”."
)


def parse_tier_text(text: str) -> list[dict]:
    """``"50000 10\\n- 15"`` → ``[{"up_to": "50000", "rate": "10"}, {"up_to": None,
    "rate": "15"}]``; the service checks the numbers."""
    tiers = []
    for line in (text or "").strip().splitlines()[:20]:
        parts = line.replace(",", " ").replace("，", " ").split()
        if not parts:
            continue
        if len(parts) == 1:
            parts = ["-", parts[0]]
        cap = None if parts[0] in ("-", "—", "∞") else parts[0]
        tiers.append({"up_to": cap, "rate": parts[1]})
    return tiers


def tier_text(tiers: list[dict]) -> str:
    return "\n".join(
        "%s %s" % (t.get("up_to") or "-", t.get("rate")) for t in tiers or []
    )


class StaffPlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Plan name"), max_length=80)
    tier_mode = forms.ChoiceField(label=gettext_lazy("Tiers"), choices=TierMode.choices)
    share_owner = forms.DecimalField(label=gettext_lazy("Owner's share (%)"), **PERCENT)
    share_telemarketer = forms.DecimalField(
        label=gettext_lazy("Telemarketer's share (%)"), **PERCENT
    )
    share_processor = forms.DecimalField(
        label=gettext_lazy("Processor's share (%)"), **PERCENT
    )
    tiers_owner = forms.CharField(
        label=gettext_lazy("Owner's rates"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=TIER_HELP,
        max_length=500,
    )
    tiers_telemarketer = forms.CharField(
        label=gettext_lazy("Telemarketer's rates"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )
    tiers_processor = forms.CharField(
        label=gettext_lazy("Processor's rates"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        roles = ("owner", "telemarketer", "processor")
        return {
            "name": data["name"],
            "tier_mode": data["tier_mode"],
            "shares": {r: data["share_%s" % r] for r in roles},
            "tiers": {r: parse_tier_text(data["tiers_%s" % r]) for r in roles},
        }


class PayingEntityForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Paying entity"), max_length=80)
    method = forms.ChoiceField(
        label=gettext_lazy("Withholding method"), choices=WithholdingMethod.choices
    )


class PartnerPlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Plan name"), max_length=80)
    paying_entity = forms.ModelChoiceField(
        label=gettext_lazy("Paying entity"), queryset=PayingEntity.all_tenants.none()
    )
    rate_level1 = forms.DecimalField(label=gettext_lazy("Level 1 (%)"), **PERCENT)
    rate_level2 = forms.DecimalField(
        label=gettext_lazy("Level 2 (%)"), initial=0, **PERCENT
    )
    rate_level3 = forms.DecimalField(
        label=gettext_lazy("Level 3 (%)"), initial=0, **PERCENT
    )
    is_default = forms.BooleanField(label=gettext_lazy("Default plan"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paying_entity"].queryset = PayingEntity.objects.filter(
            is_active=True
        )


class PayeeForm(forms.Form):
    legal_name = forms.CharField(
        label=gettext_lazy("Name on the ID card"), max_length=40
    )
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("Leave empty to keep the one on file."),
    )
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=80)
    bank_account = forms.CharField(
        label=gettext_lazy("Account number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Leave empty to keep the one on file."),
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Plan"),
        queryset=PartnerPlan.all_tenants.none(),
        required=False,
        empty_label=gettext_lazy("The default plan"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = PartnerPlan.objects.filter(is_active=True)


class MonthField(forms.CharField):
    def clean(self, value):
        from lenddesk.commissions.services import month_of

        value = super().clean(value)
        if not value:
            return None
        try:
            return month_of(value)
        except ValidationError:
            raise ValidationError(_("Give the month as YYYY-MM.")) from None


class BatchCreateForm(forms.Form):
    paying_entity = forms.ModelChoiceField(
        label=gettext_lazy("Paying entity"), queryset=PayingEntity.all_tenants.none()
    )
    month = MonthField(
        label=gettext_lazy("Month (YYYY-MM, empty: every month)"),
        required=False,
        max_length=7,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paying_entity"].queryset = PayingEntity.objects.all()


class PaidForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Bank reference"), max_length=80)


class MonthForm(forms.Form):
    month = MonthField(label=pgettext_lazy("commission", "Month"), max_length=7)
