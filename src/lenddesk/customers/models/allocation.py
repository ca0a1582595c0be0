"""Automatic assignment of new customers (自动分配): rules, counts and the log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lenddesk.customers.models.customers import Customer
from lenddesk.tenancy.models import TenantModel


class AllocationRule(TenantModel):
    """Automatic assignment of new customers (自动分配): the first active rule whose
    channel and city match picks the team member with the fewest assignments per unit
    of weight, skipping people who are off or at their cap; ties go to the lowest id."""

    name = models.CharField(_("name"), max_length=60)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("team"),
    )
    channel = models.CharField(_("only channel"), max_length=60, blank=True)
    city = models.CharField(_("only city"), max_length=40, blank=True)
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class AllocationCount(TenantModel):
    rule = models.ForeignKey(
        AllocationRule, on_delete=models.CASCADE, related_name="counts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    assigned = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rule", "user"], name="alloccount_uniq"
            )
        ]

    def __str__(self) -> str:
        return "%s→%s: %d" % (self.rule_id, self.user_id, self.assigned)


class AllocationLog(TenantModel):
    """Who received which customer and why: the fairness report reads this."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        AllocationRule, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return "%s→%s" % (self.customer_id, self.user_id)
