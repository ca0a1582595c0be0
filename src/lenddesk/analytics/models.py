"""Rollups behind the dashboards: one row per day, metric and who/where.

``DailyFact`` is rebuilt day by day from the source tables by ``analytics.refresh``
(a job every few minutes for today and yesterday, nightly for the last weeks, and the
``analytics-rebuild`` command for all history). Reading a month of facts is a few
thousand rows, whatever the size of the firm; ``FactRefresh`` says how fresh they are.
"""

from django.conf import settings
from django.db import models

from lenddesk.accounts.scope import ScopedManager
from lenddesk.tenancy.models import TenantModel


class DailyFact(TenantModel):
    # The person the number belongs to: the customer's owner, the follow-up's author,
    # the caller, the order's owner. Rows of nobody (pool, spend) are firm-wide.
    SCOPE_OWNER = "user"
    objects = ScopedManager()

    day = models.DateField()  # Beijing date of the event
    metric = models.CharField(max_length=30)  # analytics.metrics code
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(max_length=60, blank=True)  # the lead's channel name
    ad_account_id = models.IntegerField(null=True, blank=True)
    funder_id = models.IntegerField(null=True, blank=True)
    product_id = models.IntegerField(null=True, blank=True)
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "metric", "day"], name="fact_metric_day_idx"
            ),
            models.Index(fields=["tenant", "user", "day"], name="fact_user_day_idx"),
        ]


class FactRefresh(TenantModel):
    """One row per refresh run: which days were rebuilt, when, and how long it took."""

    refreshed_at = models.DateTimeField()
    date_from = models.DateField()
    date_to = models.DateField()
    rows = models.IntegerField(default=0)
    took_ms = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-refreshed_at"], name="fact_refresh_idx")
        ]
