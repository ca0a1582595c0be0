"""Public pools and their rules (公海/私海规则), and the daily claim counter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lenddesk.tenancy.models import TenantModel


class DuplicatePolicy(models.TextChoices):
    REJECT = "reject", _("Reject the new record")
    MERGE = "merge", _("Merge into the existing customer")
    FLAG = "flag", _("Keep both and flag")


class PhonePolicy(models.TextChoices):
    """What owning a customer gives with its phone number (号码策略)."""

    SHOW_OWN = "show_own", _("Owners may show their own customers' numbers")
    HIDDEN = "hidden", _("Owners call through the system; numbers stay hidden")


class PoolRules(TenantModel):
    """A firm's pool rules (公海/私海规则), one row per firm."""

    private_cap = models.PositiveIntegerField(
        _("private-pool cap per person"), default=300
    )
    daily_claim_limit = models.PositiveIntegerField(
        _("claims per person per day"), default=30
    )
    protection_days = models.PositiveIntegerField(
        _("protection after a claim (days)"), default=3
    )
    return_days_a = models.PositiveIntegerField(
        _("return after days without follow-up: A"), default=90
    )
    return_days_b = models.PositiveIntegerField(_("… B"), default=30)
    return_days_c = models.PositiveIntegerField(_("… C"), default=15)
    return_days_d = models.PositiveIntegerField(_("… D and unrated"), default=7)
    return_days_without_order = models.PositiveIntegerField(
        _("return after days without a signed order (0 = never)"), default=180
    )
    warn_days_before_return = models.PositiveIntegerField(
        _("warn the owner days before"), default=2
    )
    cooldown_days = models.PositiveIntegerField(
        _("days before the previous owner may claim again"), default=7
    )
    locked_per_person = models.PositiveIntegerField(
        _("key customers per person (exempt)"), default=10
    )
    duplicate_policy = models.CharField(
        _("when a duplicate arrives"),
        max_length=10,
        choices=DuplicatePolicy,
        default=DuplicatePolicy.MERGE,
    )
    phone_policy = models.CharField(
        _("owners and their customers' phone numbers"),
        max_length=10,
        choices=PhonePolicy,
        default=PhonePolicy.SHOW_OWN,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="poolrules_tenant_uniq")
        ]

    def __str__(self) -> str:
        return "pool rules %s" % self.tenant_id

    def return_days(self, rating: str) -> int:
        return {
            "A": self.return_days_a,
            "B": self.return_days_b,
            "C": self.return_days_c,
        }.get(rating, self.return_days_d)


class PublicPool(TenantModel):
    """A public pool (公海). The firm's main pool has no department; others belong to a
    department, whose people see and claim from it."""

    name = models.CharField(_("name"), max_length=60)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="pool_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ClaimCounter(TenantModel):
    """Claims per person per day; a conditional UPDATE keeps the limit under races."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "day"], name="claimcounter_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s %s %s" % (self.user_id, self.day, self.used)
