"""``lenddesk analytics_rebuild``: rebuild the dashboards' rollups (DailyFact) from
the source tables for all history — after an upgrade, an import of old records, or
to repair. Safe while the app runs: each batch of days is replaced in one
transaction."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min
from django.utils import timezone

from lenddesk.analytics.refresh import refresh_facts
from lenddesk.analytics.tasks import MODULE
from lenddesk.audit.services import audit_record
from lenddesk.customers.models import Customer
from lenddesk.tenancy.context import bind_tenant, tenant_context
from lenddesk.tenancy.models import Tenant, TenantStatus

FACTS_REBUILT = "analytics.facts_rebuilt"  # the audit action of a rebuild


def _since(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError("--since: %r is not a date (YYYY-MM-DD)" % raw) from None


def _first_day(tenant: Tenant) -> dt.date | None:
    with tenant_context(tenant):
        first = Customer.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first) if first else None


class Command(BaseCommand):
    help = (
        "Rebuild the analytics rollups of one firm (--tenant) or of every active firm "
        "with the analytics module, from --since (default: the firm's first "
        "customer's day) to today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="", help="slug of one firm")
        parser.add_argument("--since", default="", help="first day, YYYY-MM-DD")

    def _tenants(self, slug: str) -> list[Tenant]:
        if slug:
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                raise CommandError("--tenant: no firm has the slug %r" % slug)
            if not tenant.has_module(MODULE):
                raise CommandError("--tenant: %r has no analytics module" % slug)
            return [tenant]
        return [
            t
            for t in Tenant.objects.filter(status=TenantStatus.ACTIVE).order_by("pk")
            if t.has_module(MODULE)
        ]

    def handle(self, *args, **options):
        since = _since(options["since"].strip())
        today = timezone.localdate()
        if since is not None and since > today:
            raise CommandError("--since: %s is in the future" % since)
        for tenant in self._tenants(options["tenant"].strip()):
            first = since or _first_day(tenant)
            if first is None:
                self.stdout.write(
                    "%s: no customers yet, nothing to build" % tenant.slug
                )
                continue
            self.stdout.write("%s: %s … %s" % (tenant.slug, first, today))
            with bind_tenant(tenant):
                written = refresh_facts(first, today, progress=self._progress)
            with tenant_context(tenant):
                audit_record(
                    action=FACTS_REBUILT,
                    object_type="analytics.facts",
                    object_repr="%s..%s" % (first, today),
                    changes={"from": str(first), "to": str(today), "rows": written},
                )
            self.stdout.write("%s: %d fact rows written" % (tenant.slug, written))

    def _progress(self, first: dt.date, last: dt.date, rows: int) -> None:
        self.stdout.write("  %s … %s: %d rows" % (first, last, rows))
        self.stdout.flush()
