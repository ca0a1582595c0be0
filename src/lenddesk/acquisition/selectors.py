"""Reads for acquisition: channels, accounts, spend, the channel report, integrations
and their deliveries, and a customer's attribution and consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from lenddesk.acquisition import intake
from lenddesk.acquisition.models import (
    AdAccount,
    AdSpend,
    Attribution,
    Channel,
    ConsentRecord,
    Delivery,
    DeliveryStatus,
    Integration,
)
from lenddesk.customers.models import FunnelStage
from lenddesk.tenancy import generation as firm_generation
from lenddesk.tenancy.context import tenant_context
from lenddesk.tenancy.models import Tenant

GROUPS = ("channel", "account", "campaign")


def channel_list(*, include_inactive: bool = True):
    rows = Channel.objects.annotate(accounts=Count("ad_accounts")).order_by(
        "-active", "name"
    )
    return rows if include_inactive else rows.filter(active=True)


def channel_get(channel_id: int) -> Channel:
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise Http404
    return channel


def ad_account_list(*, channel: Channel | None = None):
    rows = AdAccount.objects.select_related("channel").order_by(
        "-active", "channel__name", "name"
    )
    return rows.filter(channel=channel) if channel else rows


def ad_account_get(account_id: int) -> AdAccount:
    account = AdAccount.objects.select_related("channel").filter(pk=account_id).first()
    if account is None:
        raise Http404
    return account


def spend_list(*, date_from: dt.date | None = None, date_to: dt.date | None = None):
    rows = AdSpend.objects.select_related("ad_account__channel", "created_by")
    if date_from:
        rows = rows.filter(period_end__gte=date_from)
    if date_to:
        rows = rows.filter(period_start__lte=date_to)
    return rows


def parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This month so far."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


@dataclass
class ReportRow:
    label: str
    channel: str = ""
    leads: int = 0
    stages: dict = field(default_factory=dict)
    spend: Decimal = Decimal("0.00")

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.leads:
            return None
        return (self.spend / self.leads).quantize(Decimal("0.01"))

    def stage_counts(self, stages) -> list[int]:
        return [self.stages.get(s.pk, 0) for s in stages]


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)
    )
    return start, end


def channel_report(
    *, date_from: dt.date, date_to: dt.date, group: str = "channel"
) -> tuple[list[ReportRow], list[FunnelStage], ReportRow]:
    """Leads (attributed customers created in the range) by their current stage, spend
    whose period starts in the range, and cost per lead — per channel, ad account or
    campaign. Returns (rows, stages, total)."""
    group = group if group in GROUPS else "channel"
    start, end = _bounds(date_from, date_to)
    stages = list(FunnelStage.objects.all())
    key_fields = {
        "channel": ("channel_id", "channel__name"),
        "account": ("channel__name", "ad_account_id", "ad_account__name"),
        "campaign": ("channel__name", "ad_account__name", "campaign"),
    }[group]
    leads = (
        Attribution.objects.filter(created_at__gte=start, created_at__lt=end)
        .values(*key_fields, "customer__stage_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: dict[tuple, ReportRow] = {}

    def row_for(key: tuple, label: str, channel: str) -> ReportRow:
        if key not in rows:
            rows[key] = ReportRow(label=label, channel=channel)
        return rows[key]

    for item in leads:
        key, label, channel = _lead_key(group, item)
        row = row_for(key, label, channel)
        row.leads += item["n"]
        stage = item["customer__stage_id"]
        row.stages[stage] = row.stages.get(stage, 0) + item["n"]
    spend_fields = {
        "channel": ("ad_account__channel_id", "ad_account__channel__name"),
        "account": (
            "ad_account__channel__name",
            "ad_account_id",
            "ad_account__name",
        ),
        "campaign": ("ad_account__channel__name", "ad_account__name", "campaign"),
    }[group]
    spends = (
        AdSpend.objects.filter(period_start__gte=date_from, period_start__lte=date_to)
        .values(*spend_fields)
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for item in spends:
        key, label, channel = _spend_key(group, item)
        row_for(key, label, channel).spend += item["total"] or Decimal("0")
    ordered = sorted(rows.values(), key=lambda r: (-r.leads, r.channel, r.label))
    total = ReportRow(label="")
    for row in ordered:
        total.leads += row.leads
        total.spend += row.spend
        for stage, n in row.stages.items():
            total.stages[stage] = total.stages.get(stage, 0) + n
    return ordered, stages, total


def _lead_key(group: str, item: dict) -> tuple[tuple, str, str]:
    if group == "channel":
        return (item["channel_id"],), item["channel__name"] or "—", ""
    if group == "account":
        return (
            (item["ad_account_id"],),
            item["ad_account__name"] or "—",
            item["channel__name"] or "—",
        )
    label = item["campaign"] or "—"
    return (
        (item["channel__name"] or "", item["ad_account__name"] or "", item["campaign"]),
        label,
        "%s / %s" % (item["channel__name"] or "—", item["ad_account__name"] or "—"),
    )


def _spend_key(group: str, item: dict) -> tuple[tuple, str, str]:
    if group == "channel":
        return (item["ad_account__channel_id"],), item["ad_account__channel__name"], ""
    if group == "account":
        return (
            (item["ad_account_id"],),
            item["ad_account__name"],
            item["ad_account__channel__name"],
        )
    return (
        (
            item["ad_account__channel__name"] or "",
            item["ad_account__name"] or "",
            item["campaign"],
        ),
        item["campaign"] or "—",
        "%s / %s" % (item["ad_account__channel__name"], item["ad_account__name"]),
    )


# --- integrations ---------------------------------------------------------------------


def integration_list():
    since = timezone.now() - dt.timedelta(days=1)
    return Integration.objects.select_related("channel").annotate(
        day_total=Count("deliveries", filter=Q(deliveries__received_at__gte=since)),
        day_created=Count(
            "deliveries",
            filter=Q(
                deliveries__received_at__gte=since,
                deliveries__status=DeliveryStatus.CREATED,
            ),
        ),
    )


def integration_get(integration_id: int) -> Integration:
    integration = (
        Integration.objects.select_related("channel", "ad_account", "allocation_rule")
        .filter(pk=integration_id)
        .first()
    )
    if integration is None:
        raise Http404
    return integration


def delivery_counts(integration: Integration, *, days: int = 7) -> dict[str, int]:
    since = timezone.now() - dt.timedelta(days=days)
    counts = dict(
        Delivery.objects.filter(integration=integration, received_at__gte=since)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def delivery_list(integration: Integration, *, status: str = "", limit: int = 50):
    rows = Delivery.objects.filter(integration=integration).select_related(
        "customer", "duplicate_of"
    )
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    return rows[:limit]


def delivery_get(integration: Integration, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.filter(integration=integration, pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery


# --- a customer's source ------------------------------------------------------------


def attribution_of(customer) -> Attribution | None:
    return (
        Attribution.objects.select_related("channel", "ad_account", "sharer", "partner")
        .filter(customer=customer)
        .first()
    )


def consents_of(customer):
    return ConsentRecord.objects.filter(customer=customer).order_by("-given_at")[:10]


# --- the intake endpoint's firm and integration ------------------------------------

TARGET_SECONDS = 600


def target_entry(integration_key: str) -> str:
    """The cache key of an intake key's firm and integration."""
    return "intake:target:%s" % integration_key


def intake_target(
    integration_key: str, cached: tuple | None = None
) -> tuple[Tenant, Integration] | None:
    """The firm and integration an intake key names, or None. Every delivery needs
    both; they are kept in the shared cache under the firm's generation, which any
    change to the firm or its integrations replaces after commit (a suspension, a
    switched-off integration or a new secret applies to the next delivery).
    ``cached``: the (generation, entry) pair the caller already read from the cache."""
    slug = intake.tenant_slug_of(integration_key)
    if not slug:
        return None
    entry_name = target_entry(integration_key)
    generation, entry = cached or firm_generation.read_with(slug, entry_name)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1], entry[2]
    generation = generation or firm_generation.current(slug)
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        return None
    with tenant_context(tenant):
        integration = Integration.objects.filter(key=integration_key).first()
    if integration is None:
        return None
    cache.set(entry_name, (generation, tenant, integration), TARGET_SECONDS)
    return tenant, integration
